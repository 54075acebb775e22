/**
 * Turns the config's plugin entries into plugin objects: built-ins from fleepkit's `plugins/`
 * folder, files relative to the config (TypeScript files load through tsx, registered on first
 * use), and npm packages resolved from the config's directory. Options are checked against each
 * plugin's zod schema so `fleepkit check` finds mistakes without connecting.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire, register as registerHook } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PluginEntry } from '../config/types.js';
import type { Plugin } from '../pipeline/plugin.js';
import { codeRoot, compiled, entryFile, moduleExt } from './package-root.js';
import { importProblem, moduleFormatProblem, noDefaultExportProblem, setupProblem } from './plugin-errors.js';

/** A plugin that could not be loaded or whose options are wrong. */
export class PluginLoadError extends Error {
  /** Machine-readable code. */
  readonly code = 'PLUGIN_LOAD' as const;
  /**
   * @param plugin the entry's name as written in the config.
   * @param message what went wrong and what to do.
   */
  constructor(
    readonly plugin: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PluginLoadError';
  }
}

/** One loaded plugin with its config entry. */
export interface LoadedPlugin {
  entry: PluginEntry;
  plugin: Plugin<never>;
  /** The file it was imported from. */
  file: string;
}

/** Where the `plugins:` entries were written, to put file:line on their problems. */
export interface PluginSource {
  /** The config file as given. */
  file: string;
  /** Line and column of a key path in it. */
  locate?: ((path: ReadonlyArray<string | number>) => { line: number; column: number }) | undefined;
}

/** What {@link loadPlugins} returns: the plugins and their configs keyed by plugin name. */
export interface LoadedPlugins {
  plugins: LoadedPlugin[];
  /** `pluginConfig` for the Bot: options by the plugin's own `name`. */
  pluginConfig: Record<string, unknown>;
}

const BUILTIN_DIR = path.join(codeRoot, 'plugins');

/**
 * Maps `fleepkit` and `fleepkit/testing` to the running copy, so plugins share one fleepkit
 * instance with the CLI that loads them, wherever they live (a bot project, a global CLI, a
 * source checkout without dist/).
 */
const RESOLVE_HOOK = `
let map;
export function initialize(data) { map = data; }
export function resolve(specifier, context, next) {
  const hit = map[specifier];
  return hit ? next(hit, context) : next(specifier, context);
}`;

const TS_FILE = /\.[cm]?tsx?$/;

// Loader hooks are process-wide by nature; each is installed once, on first need.
let resolveHookInstalled = false;
let tsLoader: Promise<void> | undefined;

async function prepareImport(file: string): Promise<void> {
  if (!resolveHookInstalled) {
    resolveHookInstalled = true;
    const data = { fleepkit: pathToFileURL(entryFile('src/index')).href, 'fleepkit/testing': pathToFileURL(entryFile('src/testing/index')).href };
    registerHook(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`, { data });
  }
  // From sources, the CLI itself already runs under tsx.
  if (compiled && TS_FILE.test(file)) {
    tsLoader ??= import('tsx/esm/api').then(({ register }) => void register());
    await tsLoader;
  }
}

/**
 * Imports every entry and validates its options. Collects every problem before throwing.
 * @throws AggregateError of {@link PluginLoadError} when any plugin fails.
 */
export async function loadPlugins(entries: readonly PluginEntry[], baseDir: string, source?: PluginSource): Promise<LoadedPlugins> {
  const { errors, ...loaded } = await importPlugins(entries, baseDir, source);
  if (errors.length > 0) throw new AggregateError(errors, errors.map((e) => e.message).join('\n'));
  return loaded;
}

/** {@link loadPlugins} that returns the plugins that did load along with the problems of the others. */
export async function importPlugins(entries: readonly PluginEntry[], baseDir: string, source?: PluginSource): Promise<LoadedPlugins & { errors: PluginLoadError[] }> {
  const plugins: LoadedPlugin[] = [];
  const errors: PluginLoadError[] = [];
  for (const entry of entries) {
    try {
      const { plugin, file } = await importPlugin(entry, baseDir);
      checkOptions(entry, plugin, source);
      plugins.push({ entry, plugin, file });
    } catch (error) {
      errors.push(error instanceof PluginLoadError ? error : new PluginLoadError(entry.name, `plugin '${entry.name}': ${String(error)}`, { cause: error }));
    }
  }
  const pluginConfig: Record<string, unknown> = {};
  for (const { entry, plugin } of plugins) pluginConfig[plugin.name] = entry.options;
  return { plugins, pluginConfig, errors };
}

async function importPlugin(entry: PluginEntry, baseDir: string): Promise<{ plugin: Plugin<never>; file: string }> {
  const file = locate(entry, baseDir);
  const format = entry.source === 'path' ? moduleFormatProblem(file) : undefined;
  if (format) throw new PluginLoadError(entry.name, `plugin '${entry.name}': ${format}`);
  let mod: Record<string, unknown>;
  await prepareImport(file);
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new PluginLoadError(entry.name, `plugin '${entry.name}': ${importProblem(file, error)}`, { cause: error });
  }
  const candidate = mod.default ?? mod.plugin;
  if (!isPlugin(candidate)) throw new PluginLoadError(entry.name, `plugin '${entry.name}': ${noDefaultExportProblem(file, mod, isPlugin)}`);
  return { plugin: candidate, file };
}

function locate(entry: PluginEntry, baseDir: string): string {
  switch (entry.source) {
    case 'builtin': {
      const file = path.join(BUILTIN_DIR, entry.specifier, `index${moduleExt}`);
      if (!existsSync(file)) {
        throw new PluginLoadError(entry.name, `built-in plugin '${entry.name}' is not available in this fleepkit (no ${file}); remove it from plugins: or update fleepkit`);
      }
      return file;
    }
    case 'path':
      if (!existsSync(entry.specifier)) {
        throw new PluginLoadError(entry.name, `plugin file not found: ${entry.specifier}; paths are relative to the config file's directory (${baseDir})`);
      }
      return entry.specifier;
    case 'package':
      return resolvePackage(entry, baseDir);
  }
}

/** Resolves an npm package the way the bot project sees it (from the config's directory). */
function resolvePackage(entry: PluginEntry, baseDir: string): string {
  const require = createRequire(path.join(baseDir, 'package.json'));
  try {
    return require.resolve(entry.specifier);
  } catch (error) {
    // ESM-only packages export no `require` condition; read their package.json ourselves.
    const manual = resolveEsmEntry(entry.specifier, baseDir);
    if (manual) return manual;
    throw new PluginLoadError(entry.name, `npm package '${entry.specifier}' is not installed in ${baseDir}; run \`npm install ${entry.specifier}\``, {
      cause: error,
    });
  }
}

function resolveEsmEntry(pkg: string, baseDir: string): string | undefined {
  for (let dir = baseDir; ; dir = path.dirname(dir)) {
    const root = path.join(dir, 'node_modules', pkg);
    const manifest = path.join(root, 'package.json');
    if (existsSync(manifest)) {
      const json = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: unknown; main?: string };
      const target = exportTarget(json.exports) ?? json.main ?? 'index.js';
      return path.join(root, target);
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

function exportTarget(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (exports === null || typeof exports !== 'object') return undefined;
  const map = exports as Record<string, unknown>;
  if ('.' in map) return exportTarget(map['.']);
  for (const condition of ['import', 'node', 'default']) {
    const hit = exportTarget(map[condition]);
    if (hit) return hit;
  }
  return undefined;
}

function isPlugin(value: unknown): value is Plugin<never> {
  if (value === null || typeof value !== 'object') return false;
  const p = value as { name?: unknown; setup?: unknown };
  return typeof p.name === 'string' && typeof p.setup === 'function';
}

function checkOptions(entry: PluginEntry, plugin: Plugin<never>, source: PluginSource | undefined): void {
  const schema = plugin.config as { safeParse?: (v: unknown) => { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } } } | undefined;
  if (!schema?.safeParse) return;
  const result = schema.safeParse(entry.options);
  if (result.success) return;
  const issues = (result.error?.issues ?? []).map((i) => {
    const at = ['plugins', entry.key ?? entry.name, ...i.path.map((p) => (typeof p === 'number' ? p : String(p)))];
    const pos = source?.locate?.(at);
    const where = source && pos && pos.line > 0 ? `${source.file}:${pos.line}:${pos.column} ` : '';
    return `  ${where}${['plugins', entry.name, ...i.path.map(String)].join('.')}: ${i.message}`;
  });
  throw new PluginLoadError(entry.name, `plugin '${entry.name}' options are invalid:\n${issues.join('\n')}`);
}

/** What {@link setupPlugins} loads plugins into: a `Bot`. */
export interface PluginTarget {
  plugin(plugin: Plugin<never>, configs: Record<string, unknown>): Promise<unknown>;
}

/**
 * Runs every plugin's `setup` on `bot` (dependencies first), collecting every failure (a throw,
 * a duplicate command, a bad `bot.cron`) instead of stopping at the first.
 * @throws AggregateError of {@link PluginLoadError} when any setup fails.
 */
export async function setupPlugins(bot: PluginTarget, loaded: LoadedPlugins): Promise<void> {
  const errors: PluginLoadError[] = [];
  for (const p of dependencyOrder(loaded.plugins)) {
    try {
      await bot.plugin(p.plugin, { [p.plugin.name]: loaded.pluginConfig[p.plugin.name] });
    } catch (error) {
      errors.push(new PluginLoadError(p.entry.name, setupProblem(p.entry.name, p.file, error), { cause: error }));
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, errors.map((e) => e.message).join('\n'));
}

/** Listed order, except that a plugin comes after the plugins it `requires`. */
function dependencyOrder(plugins: readonly LoadedPlugin[]): LoadedPlugin[] {
  const byName = new Map(plugins.map((p) => [p.plugin.name, p]));
  const out: LoadedPlugin[] = [];
  const seen = new Set<string>();
  const visit = (p: LoadedPlugin): void => {
    if (seen.has(p.plugin.name)) return;
    seen.add(p.plugin.name);
    for (const r of p.plugin.requires ?? []) {
      const dep = byName.get(r);
      if (dep) visit(dep);
    }
    out.push(p);
  };
  for (const p of plugins) visit(p);
  return out;
}
