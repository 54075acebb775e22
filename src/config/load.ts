/**
 * `parseConfig` / `loadConfig`: YAML text → a validated, fully defaulted {@link FleepkitConfig},
 * or one {@link ConfigError} listing every problem with file, line, column and key path.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { ConfigError, formatPath } from './errors.js';
import type { ConfigIssue, ConfigPath } from './errors.js';
import type { ConfigEnv } from './interpolate.js';
import { BUILTIN_PLUGINS, resolvePlugins } from './plugins.js';
import { KNOWN_KEYS, RootSchema, show } from './schema.js';
import type { RootOutput } from './schema.js';
import { collectSecrets } from './secrets.js';
import { suggest } from './suggest.js';
import type { FleepkitConfig, LoadedConfig, StoreConfig } from './types.js';
import { positionOf, readYamlTree } from './yaml-tree.js';
import type { PositionIndex } from './yaml-tree.js';

/**
 * Options of {@link parseConfig}.
 * @example parseConfig(text, { file: 'bot.config.yaml', env: process.env, baseDir: process.cwd() })
 */
export interface ParseConfigOptions {
  /** Name used in error messages. @default 'bot.config.yaml' */
  file?: string;
  /** Variables for `${VAR}` interpolation. Pass `process.env` at the CLI only. @default {} */
  env?: ConfigEnv;
  /** Directory relative paths (plugins, store, sandbox data) resolve against. @default process.cwd() */
  baseDir?: string;
  /** Names loadable as built-in plugins. @default BUILTIN_PLUGINS */
  builtins?: readonly string[];
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Variables for `${VAR}` interpolation; the CLI passes `process.env`. */
  env: ConfigEnv;
  /** Names loadable as built-in plugins. @default BUILTIN_PLUGINS */
  builtins?: readonly string[];
}

/**
 * Reads and validates a config file; relative paths inside resolve against its directory.
 * @throws ConfigError when the file is missing, unreadable or invalid.
 * @example const { config, secrets } = await loadConfig('bot.config.yaml', { env: process.env });
 */
export async function loadConfig(file: string, options: LoadConfigOptions): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT';
    throw new ConfigError([
      {
        file,
        line: 0,
        column: 0,
        path: '',
        message: missing ? 'config file not found' : `cannot read the config file (${code ?? 'error'})`,
        hint: missing ? 'create one with `fleepkit init`, or pass the right path with --config' : 'check the path and its permissions',
      },
    ]);
  }
  return parseConfig(text, { file, env: options.env, baseDir: path.dirname(path.resolve(file)), builtins: options.builtins });
}

/**
 * Validates config text. Never throws anything but {@link ConfigError}.
 * @throws ConfigError listing every problem.
 */
export function parseConfig(text: string, options: ParseConfigOptions = {}): LoadedConfig {
  const file = options.file ?? 'bot.config.yaml';
  const baseDir = path.resolve(options.baseDir ?? process.cwd());
  const tree = readYamlTree(text, { file, env: options.env ?? {} });
  const rawSecrets = collectSecrets(tree.value);
  if (tree.issues.length > 0) throw new ConfigError(sortIssues(tree.issues), rawSecrets);

  const issues: ConfigIssue[] = [];
  const report = (at: ConfigPath, message: string, hint?: string, forKey = false): void => {
    issues.push(issueAt(file, tree.positions, at, message, hint, forKey));
  };
  const root = tree.value ?? {};
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    report([], `expected a mapping of sections (${[...(KNOWN_KEYS.get('') ?? [])].join(', ')}), got ${show(root)}`);
    throw new ConfigError(issues, rawSecrets);
  }

  const parsed = RootSchema.safeParse(root, { error: zodMessage, reportInput: true });
  if (!parsed.success) for (const iss of parsed.error.issues) reportZodIssue(iss, report);
  const plugins = resolvePlugins((root as Record<string, unknown>).plugins, baseDir, options.builtins ?? BUILTIN_PLUGINS, report);
  const locate = (at: ConfigPath): { line: number; column: number } => positionOf(tree.positions, at);
  // The plugins part is usable even when other sections are wrong: `fleepkit check` goes on to load them.
  const partial = { plugins, baseDir, locate };
  if (!parsed.success || issues.length > 0) throw new ConfigError(sortIssues(issues), rawSecrets, partial);

  const out = parsed.data;
  checkCredentials(out, report);
  const store = storeConfig(out.store, baseDir, report);
  if (issues.length > 0 || !store) throw new ConfigError(sortIssues(issues), rawSecrets, partial);

  const { plugins: _ignored, ...sections } = out;
  const config: FleepkitConfig = {
    ...sections,
    store,
    sandbox: { ...out.sandbox, dataFile: out.sandbox.dataFile === null ? null : path.resolve(baseDir, out.sandbox.dataFile) },
    plugins,
  };
  return { config, file, baseDir, secrets: collectSecrets(config), locate };
}

/**
 * The configuration an empty file gives: the embedded sandbox, SQLite under `./data`, no plugins.
 * @param baseDir directory relative default paths resolve against. @default process.cwd()
 */
export function defaultConfig(baseDir?: string): FleepkitConfig {
  return parseConfig('', { baseDir }).config;
}

function issueAt(file: string, positions: PositionIndex, at: ConfigPath, message: string, hint: string | undefined, forKey: boolean): ConfigIssue {
  const pos = positionOf(positions, at, forKey);
  return { file, line: pos.line, column: pos.column, path: formatPath(at), message, ...(hint ? { hint } : {}) };
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
}

type Report = (at: ConfigPath, message: string, hint?: string, forKey?: boolean) => void;

function reportZodIssue(iss: z.core.$ZodIssue, report: Report): void {
  const at = iss.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (iss.code === 'unrecognized_keys') {
    const section = formatPath(at);
    for (const key of iss.keys) {
      const near = suggest(key, KNOWN_KEYS.get(section) ?? []);
      report([...at, key], `unknown key '${key}' in ${section || 'the top level'}`, near ? `did you mean '${near}'?` : `allowed: ${(KNOWN_KEYS.get(section) ?? []).join(', ')}`, true);
    }
    return;
  }
  if (at.join('.') === 'bot.timezone' && iss.code === 'custom') {
    const near = suggest(String(iss.input ?? ''), Intl.supportedValuesOf('timeZone'));
    report(at, iss.message, near ? `did you mean '${near}'?` : 'use an IANA name such as Europe/Tallinn or UTC');
    return;
  }
  report(at, iss.message);
}

/** Messages in one voice: "expected X, got Y". Returns undefined to keep a schema's own message. */
function zodMessage(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return iss.expected === 'nonoptional' ? 'is required' : `is required (expected ${article(iss.expected)})`;
      return `expected ${article(iss.expected)}, got ${kind(iss.input)}`;
    case 'too_small':
      if (iss.origin === 'string' && Number(iss.minimum) === 1) return 'must not be empty';
      return `must be ${iss.inclusive ? '≥' : '>'} ${String(iss.minimum)}, got ${show(iss.input)}`;
    case 'too_big':
      return `must be ${iss.inclusive ? '≤' : '<'} ${String(iss.maximum)}, got ${show(iss.input)}`;
    case 'invalid_value':
      return `expected one of ${iss.values.map((v) => show(v)).join(', ')}, got ${show(iss.input)}`;
    case 'invalid_union': {
      const options = iss.errors.flatMap((branch) => branch.map(expectation)).filter((e): e is string => e !== undefined);
      return `expected ${[...new Set(options)].join(' or ')}, got ${show(iss.input)}`;
    }
    default:
      return undefined;
  }
}

function expectation(iss: z.core.$ZodIssue): string | undefined {
  if (iss.code === 'invalid_type') return article(iss.expected);
  if (iss.code === 'invalid_value') return iss.values.map((v) => show(v)).join(' or ');
  return undefined;
}

function article(expected: string): string {
  if (expected === 'object') return 'a mapping';
  if (expected === 'array') return 'a list';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

function checkCredentials(out: RootOutput, report: Report): void {
  if (out.fleep.server === 'sandbox') return;
  for (const key of ['email', 'password'] as const) {
    if (out.fleep[key] === undefined) {
      const variable = key === 'email' ? 'FLEEP_EMAIL' : 'FLEEP_PASSWORD';
      report(['fleep', key], `is required when fleep.server is a URL (${out.fleep.server})`, `add "${key}: \${${variable}}" under fleep and set ${variable}`);
    }
  }
}

function storeConfig(raw: RootOutput['store'], baseDir: string, report: Report): StoreConfig | undefined {
  if (raw.redis !== undefined) {
    report(['store', 'redis'], 'the redis store is not supported yet', 'use "sqlite: ./data/fleepkit.db" or "memory: true"', true);
    return undefined;
  }
  if (raw.memory === true && raw.sqlite !== undefined) {
    report(['store'], 'choose one store: both sqlite and memory are set', 'remove one of them');
    return undefined;
  }
  if (raw.memory === true) return { kind: 'memory', onCorrupt: raw.onCorrupt };
  const file = raw.sqlite ?? './data/fleepkit.db';
  return { kind: 'sqlite', path: file === ':memory:' ? file : path.resolve(baseDir, file), onCorrupt: raw.onCorrupt };
}
