/**
 * Resolves the `plugins:` map: each key is a built-in name, a path relative to the config file,
 * or an npm package name; each value is the plugin's options, `true`/empty, or `false`.
 */
import path from 'node:path';
import type { ConfigPath } from './errors.js';
import { show } from './schema.js';
import { suggest } from './suggest.js';
import type { PluginEntry } from './types.js';

/** Plugins shipped with fleepkit, loadable by bare name. */
export const BUILTIN_PLUGINS: readonly string[] = ['help', 'reactions', 'tasks', 'pins', 'standup', 'reminders'];

const NPM_NAME_RE = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/** Reports a problem at a config path. */
export type IssueSink = (path: ConfigPath, message: string, hint?: string, forKey?: boolean) => void;

/**
 * Turns the raw `plugins:` value into entries; problems go to `report`.
 * @param baseDir directory that relative plugin paths are resolved against.
 */
export function resolvePlugins(raw: unknown, baseDir: string, builtins: readonly string[], report: IssueSink): PluginEntry[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    report(['plugins'], `expected a mapping from plugin name to its options, got ${show(raw)}`, 'write e.g. "plugins:\\n  help: {}"');
    return [];
  }
  const entries: PluginEntry[] = [];
  const seen = new Map<string, string>();
  for (const [key, value] of Object.entries(raw)) {
    const at: ConfigPath = ['plugins', key];
    const options = pluginOptions(value, at, report);
    if (options === undefined) continue;
    const entry = classify(key, baseDir, builtins, at, report);
    if (!entry) continue;
    const previous = seen.get(entry.name);
    if (previous !== undefined) {
      report(at, `two plugins are named '${entry.name}' ('${previous}' and '${key}')`, 'keep one of them', true);
      continue;
    }
    seen.set(entry.name, key);
    entries.push({ ...entry, key, options });
  }
  return entries;
}

function pluginOptions(value: unknown, at: ConfigPath, report: IssueSink): Record<string, unknown> | undefined {
  if (value === false) return undefined;
  if (value === true || value === null || value === undefined) return {};
  if (typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  report(at, `expected the plugin's options (a mapping), true or false, got ${show(value)}`);
  return undefined;
}

function classify(
  key: string,
  baseDir: string,
  builtins: readonly string[],
  at: ConfigPath,
  report: IssueSink,
): Omit<PluginEntry, 'options'> | undefined {
  if (/^\.{1,2}[\\/]/.test(key) || path.isAbsolute(key)) {
    const specifier = path.resolve(baseDir, key);
    const base = path.basename(specifier, path.extname(specifier));
    const name = base === 'index' ? path.basename(path.dirname(specifier)) : base;
    return { name, source: 'path', specifier };
  }
  if (key.startsWith('npm:')) {
    const pkg = key.slice(4);
    if (NPM_NAME_RE.test(pkg)) return { name: pkg, source: 'package', specifier: pkg };
  } else if (builtins.includes(key)) {
    return { name: key, source: 'builtin', specifier: key };
  } else if (NPM_NAME_RE.test(key)) {
    const near = suggest(key, builtins);
    if (near === undefined || key.startsWith('@')) return { name: key, source: 'package', specifier: key };
    report(at, `unknown plugin '${key}'`, `did you mean '${near}'? (for an npm package of this name write 'npm:${key}')`, true);
    return undefined;
  }
  report(
    at,
    `'${key}' is not a built-in plugin (${builtins.join(', ')}), a path such as ./plugins/my.ts, or an npm package name`,
    'use a built-in name, start a file path with ./, or give a valid npm package name',
    true,
  );
  return undefined;
}
