/**
 * `fleepkit init <dir>`: scaffolds a bot project (package.json, bot.config.yaml, a plugin and
 * its test, tsconfig, vitest config, README). Refuses to overwrite existing files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './exit-codes.js';
import { scaffoldFiles } from './init-templates.js';

/**
 * Options of {@link initProject}.
 * @example await initProject('my-bot', { fleepkit: 'file:/src/fleepkit' })
 */
export interface InitOptions {
  /** The `fleepkit` dependency spec. @default `^<this fleepkit's version>` */
  fleepkit?: string;
  /** Project (npm package) name. @default the directory's base name, made npm-safe */
  name?: string;
}

/** What {@link initProject} wrote. */
export interface InitResult {
  /** Absolute project directory. */
  dir: string;
  /** Relative paths of the files written. */
  files: string[];
}

/**
 * Writes the scaffold into `dir` (created if missing).
 * @throws UsageError when `dir` exists and is not empty, or the name is not a valid npm name.
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
  const files = scaffoldFiles({ name, fleepkit: options.fleepkit ?? `^${fleepkitVersion()}` });
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(root, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text, { flag: 'wx' });
  }
  return { dir: root, files: Object.keys(files) };
}

/** The version of the running fleepkit, from its package.json. */
export function fleepkitVersion(): string {
  const manifest = fileURLToPath(new URL('../../package.json', import.meta.url));
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

function npmName(base: string): string {
  const cleaned = base
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._~-]+/, '');
  return cleaned === '' ? 'my-fleep-bot' : cleaned;
}
