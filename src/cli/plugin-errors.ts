/**
 * What went wrong when a plugin file was loaded or set up, told apart and said with the file and
 * what to do: a file Node loads as CommonJS, a syntax error, a missing package, a throw while
 * loading, no default export, a throwing `setup`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The package.json that decides how Node loads `file` (the nearest one above it), if any. */
function scopeManifest(file: string): string | undefined {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) return manifest;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Plugins are ES modules. A `.ts`/`.js` file whose nearest package.json lacks `"type": "module"`
 * is loaded as CommonJS, and its `import … from 'fleepkit'` then fails with a confusing
 * "Cannot require() ES Module … in a cycle". Returns what to do instead, or undefined when fine.
 */
export function moduleFormatProblem(file: string): string | undefined {
  const ext = path.extname(file);
  if (!['.ts', '.tsx', '.js', '.jsx'].includes(ext)) return undefined; // .mts/.mjs are ESM anyway
  const manifest = scopeManifest(file);
  let type: unknown;
  if (manifest) {
    try {
      type = (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type;
    } catch {
      return `${manifest} is not valid JSON, so Node cannot tell how to load ${file}; fix that file`;
    }
  }
  if (type === 'module') return undefined;
  const where = manifest ? `${manifest} has no "type": "module"` : `no package.json above it says "type": "module"`;
  const mts = path.join(path.dirname(file), `${path.basename(file, ext)}.${ext.startsWith('.t') ? 'mts' : 'mjs'}`);
  return (
    `${file} would load as CommonJS (${where}), but plugins are ES modules (import/export). ` +
    `Add "type": "module" to ${manifest ?? path.join(path.dirname(file), 'package.json')} (\`npm pkg set type=module\`), or rename the file to ${mts}`
  );
}

/** Explains an error thrown by `import(file)`. */
export function importProblem(file: string, error: unknown): string {
  const e = error as { name?: string; code?: string; message?: string; stack?: string };
  const message = e?.message ?? String(error);
  // tsx (esbuild) or Node itself could not parse the file.
  const esbuild = /^(\S+?):(\d+):(\d+): ERROR: (.*)$/m.exec(message);
  if (e?.name === 'TransformError' && esbuild) {
    return `syntax error in ${esbuild[1]}:${esbuild[2]}:${esbuild[3]}: ${esbuild[4]}; fix it and run \`fleepkit check\` again`;
  }
  if (e?.name === 'SyntaxError') {
    const at = new RegExp(`${escapeRegExp(file)}:(\\d+)`).exec(e.stack ?? '');
    return `syntax error in ${file}${at ? `:${at[1]}` : ''}: ${message}; fix it and run \`fleepkit check\` again`;
  }
  if (e?.code === 'ERR_MODULE_NOT_FOUND') {
    const pkg = /Cannot find package '([^']+)'/.exec(message)?.[1];
    if (pkg) return `${file} imports '${pkg}', which is not installed; run \`npm install ${pkg}\` in the bot's folder`;
    return `${file}: ${message}; check the import path`;
  }
  return `${file} threw while loading${where(file, e?.stack)}: ${message}; code at the top level of a plugin file runs at load, so move it into setup() or fix it`;
}

/** Explains a module without a plugin as its default export. */
export function noDefaultExportProblem(file: string, mod: Record<string, unknown>, isPlugin: (v: unknown) => boolean): string {
  const named = Object.keys(mod).filter((k) => k !== 'default' && isPlugin(mod[k]));
  if (named.length > 0) return `${file} exports the plugin as '${named[0]}' but not as default; add \`export default ${named[0]};\``;
  if ('default' in mod) return `${file}'s default export is not a plugin (an object with name and setup); write \`export default definePlugin({ name, setup(bot) { … } })\``;
  return `${file} has no default export; write \`export default definePlugin({ name, setup(bot) { … } })\``;
}

/** Explains an error thrown by a plugin's `setup`. */
export function setupProblem(name: string, file: string, error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause ?? error;
  const e = cause as { message?: string; stack?: string };
  const message = (e?.message ?? String(cause)).replace(/\.$/, '');
  return `plugin '${name}' (${file}) threw in setup()${where(file, e?.stack)}: ${message}; fix the plugin or its options (\`fleepkit check\` runs setup() without connecting)`;
}

/** ` at file:line` from a stack, when the stack passes through `file`. */
function where(file: string, stack: string | undefined): string {
  const m = new RegExp(`${escapeRegExp(file)}:(\\d+)(?::(\\d+))?`).exec(stack ?? '');
  return m ? ` at ${file}:${m[1]}` : '';
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
