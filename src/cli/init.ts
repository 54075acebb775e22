/**
 * `fleepkit init <dir>`: scaffolds a bot project (package.json, bot.config.yaml, a plugin and
 * its test, tsconfig, vitest config, README). Refuses to overwrite existing files. fleepkit
 * comes from the npm registry, or from a local checkout or `npm pack` tarball (`--fleepkit`);
 * when the registry cannot supply it, the project uses the running copy and says so.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from './exit-codes.js';
import { scaffoldFiles } from './init-templates.js';
import { fleepkitVersion, packageRoot } from './package-root.js';
import type { RegistryAnswer } from './registry.js';

/**
 * Options of {@link initProject}.
 * @example await initProject('my-bot', { fleepkit: '../fleepkit-0.1.0.tgz' })
 */
export interface InitOptions {
  /**
   * Where fleepkit comes from: a fleepkit checkout (folder), an `npm pack` tarball, or an npm
   * spec (`^0.1.0`, `file:…`). Paths are relative to the current directory.
   * @default `^<this fleepkit's version>` from the registry
   */
  fleepkit?: string;
  /** Project (npm package) name. @default the directory's base name, made npm-safe */
  name?: string;
  /**
   * Asks whether the default registry spec can be installed (the CLI passes npm's answer); when
   * it cannot, the project depends on the running copy of fleepkit instead. Not called with `fleepkit`.
   * @default no check
   */
  checkRegistry?: (name: string, range: string) => Promise<RegistryAnswer>;
}

/** Why the project does not use the registry version (see {@link InitOptions.checkRegistry}). */
export interface RegistryFallback {
  /** The spec that could not be installed, e.g. `^0.1.0`. */
  wanted: string;
  /** npm's reason. */
  reason: string;
  /** The registry could not be reached at all: npm must install from its cache (`--offline`). */
  unreachable: boolean;
}

/** What {@link initProject} wrote. */
export interface InitResult {
  /** Absolute project directory. */
  dir: string;
  /** Relative paths of the files written. */
  files: string[];
  /** The `fleepkit` dependency spec written to package.json. */
  fleepkit: string;
  /** Set when the registry could not supply fleepkit and the running copy is used instead. */
  fallback?: RegistryFallback;
}

/** How the project gets fleepkit. */
interface Source {
  spec: string;
  /** The spec links a source checkout: the project resolves fleepkit's TypeScript sources. */
  linkedSources: boolean;
}

/**
 * Writes the scaffold into `dir` (created if missing).
 * @throws UsageError when `dir` exists and is not empty, the name is not a valid npm name, or `fleepkit` names a missing path.
 */
export async function initProject(dir: string, options: InitOptions = {}): Promise<InitResult> {
  const root = path.resolve(dir);
  if (existsSync(root) && (await readdir(root)).length > 0) {
    throw new UsageError(`${root} is not empty; choose a new directory for the project`);
  }
  const name = options.name ?? npmName(path.basename(root));
  if (!/^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/.test(name)) {
    throw new UsageError(`'${name}' is not a valid npm package name; pass --name with lower-case letters, digits and '-'`);
  }
  let source: Source;
  let fallback: RegistryFallback | undefined;
  if (options.fleepkit !== undefined) {
    source = localOrSpec(options.fleepkit, root);
  } else {
    const wanted = `^${fleepkitVersion()}`;
    source = { spec: wanted, linkedSources: false };
    const answer = await options.checkRegistry?.('fleepkit', wanted);
    if (answer && !answer.available) {
      source = fromPath(packageRoot, root);
      fallback = { wanted, reason: answer.reason, unreachable: answer.unreachable };
    }
  }
  const files = scaffoldFiles({ name, fleepkit: source.spec, linkedSources: source.linkedSources });
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(root, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text, { flag: 'wx' });
  }
  return { dir: root, files: Object.keys(files), fleepkit: source.spec, ...(fallback ? { fallback } : {}) };
}

/**
 * The steps to print after {@link initProject}, as shell lines.
 * @param dirArg the directory as the user typed it (for `cd`).
 */
export function nextSteps(result: InitResult, dirArg: string): string[] {
  const offline = result.fallback?.unreachable === true;
  return [`cd ${shellQuote(dirArg)}`, offline ? 'npm install --offline' : 'npm install', 'npm test', 'npm start'];
}

/** What the CLI prints after a successful init. */
export function initReport(result: InitResult, dirArg: string): string {
  const lines = [`Created ${result.dir}:`, ...result.files.map((f) => `  ${f}`), ''];
  if (result.fallback) {
    const f = result.fallback;
    lines.push(
      `fleepkit@${f.wanted} cannot be installed from the npm registry (${f.reason}),`,
      `so the project uses this copy of fleepkit instead: "fleepkit": "${result.fleepkit}".`,
      f.unreachable
        ? 'The registry is unreachable: `npm install --offline` installs the other packages from npm\'s cache.'
        : 'Once fleepkit is published there, switch with `npm install fleepkit@latest`.',
      '',
    );
  }
  lines.push('Next:', ...nextSteps(result, dirArg).map((s) => `  ${s}`), '');
  return lines.join('\n');
}

/** `--fleepkit`: a folder or tarball on disk becomes a `file:` spec relative to the project; anything else is an npm spec. */
function localOrSpec(value: string, projectDir: string): Source {
  const abs = path.resolve(value);
  if (existsSync(abs)) return fromPath(abs, projectDir);
  if (/^(?:\.{1,2}[\\/]|[\\/])/.test(value) || /\.(?:tgz|tar\.gz)$/.test(value)) {
    throw new UsageError(`--fleepkit ${value}: no such file or folder; pass a fleepkit checkout, a tarball made by \`npm pack\`, or an npm version range`);
  }
  const linkedSources = (value.startsWith('file:') || value.startsWith('link:')) && !/\.(?:tgz|tar\.gz)$/.test(value);
  return { spec: value, linkedSources: linkedSources && existsSync(path.resolve(projectDir, value.replace(/^(?:file|link):/, ''), 'src', 'index.ts')) };
}

function fromPath(abs: string, projectDir: string): Source {
  const rel = path.relative(projectDir, abs).split(path.sep).join('/');
  const spec = `file:${rel === '' ? '.' : rel}`;
  if (!statSync(abs).isDirectory()) {
    if (!/\.(?:tgz|tar\.gz)$/.test(abs)) throw new UsageError(`--fleepkit ${abs}: expected a fleepkit folder or a .tgz made by \`npm pack\``);
    return { spec, linkedSources: false };
  }
  if (!existsSync(path.join(abs, 'package.json'))) throw new UsageError(`--fleepkit ${abs}: no package.json there; pass the fleepkit folder itself`);
  // A checkout has its sources; an installed copy has only dist/.
  return { spec, linkedSources: existsSync(path.join(abs, 'src', 'index.ts')) };
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function npmName(base: string): string {
  const cleaned = base
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._~-]+/, '');
  return cleaned === '' ? 'my-fleep-bot' : cleaned;
}
