/**
 * `ConfigError`: everything wrong with a config file at once, each problem with its file, line,
 * column and key path, what was expected and, where we can guess, how to fix it.
 */

import type { PluginEntry } from './types.js';

/** A path into the config, e.g. `['plugins', 'tasks', 'rules', 0, 'match']`. */
export type ConfigPath = ReadonlyArray<string | number>;

/** One problem in a config file. */
export interface ConfigIssue {
  /** The config file as given by the caller (e.g. `bot.config.yaml`). */
  file: string;
  /** 1-based line; 0 when the problem has no single place (e.g. the file is missing). */
  line: number;
  /** 1-based column; 0 with `line` 0. */
  column: number;
  /** Dotted key path such as `plugins.tasks.rules[0].match`; `''` for the whole document. */
  path: string;
  /** What is wrong and what was expected. */
  message: string;
  /** How to fix it, e.g. `did you mean 'prefix'?`. */
  hint?: string;
}

/**
 * Thrown by the config loader. Lists every problem found; never contains secret values.
 * @example
 * try { parseConfig(text) } catch (err) {
 *   if (err instanceof ConfigError) for (const i of err.issues) console.error(i.line, i.path, i.message);
 * }
 */
export class ConfigError extends Error {
  /** Machine-readable code for `instanceof`-free checks. */
  readonly code = 'CONFIG' as const;
  /** Every problem found, in file order. */
  readonly issues: readonly ConfigIssue[];
  /** What could still be read: the `plugins:` entries, so `fleepkit check` can check them in the same pass. */
  readonly partial: ConfigPartial | undefined;

  /**
   * @param issues the problems (at least one).
   * @param secrets values to scrub from messages, e.g. the configured password.
   * @param partial the parts that were read despite the problems.
   */
  constructor(issues: readonly ConfigIssue[], secrets: Iterable<string> = [], partial?: ConfigPartial) {
    const scrub = scrubber(secrets);
    const clean = issues.map((i) => ({ ...i, message: scrub(i.message), ...(i.hint !== undefined ? { hint: scrub(i.hint) } : {}) }));
    const first = clean[0]?.file ?? 'config';
    const head = clean.length === 1 ? `Invalid config in ${first}:` : `Invalid config in ${first} (${clean.length} problems):`;
    super([head, ...clean.map((i) => `  ${formatIssue(i)}`)].join('\n'));
    this.name = 'ConfigError';
    this.issues = clean;
    this.partial = partial;
  }
}

/** See {@link ConfigError.partial}. */
export interface ConfigPartial {
  plugins: ReadonlyArray<PluginEntry>;
  baseDir: string;
  locate: (path: ConfigPath) => { line: number; column: number };
}

/**
 * Formats one issue as `file:line:column path: message; hint`.
 * @example formatIssue(issue) // "bot.config.yaml:3:3 bot.prefx: unknown key 'prefx' in bot; did you mean 'prefix'?"
 */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  const path = issue.path === '' ? '' : ` ${issue.path}:`;
  return `${where}${path} ${issue.message}${issue.hint ? `; ${issue.hint}` : ''}`;
}

/**
 * Formats a key path: `['plugins', './my.ts', 'rules', 0]` → `plugins["./my.ts"].rules[0]`.
 */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

function scrubber(secrets: Iterable<string>): (s: string) => string {
  const list = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (s) => list.reduce((acc, secret) => acc.split(secret).join('***'), s);
}
