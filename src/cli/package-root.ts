/**
 * Where the running copy of fleepkit lives and how it runs: compiled (`dist/`, the published
 * package and a built checkout) or from its TypeScript sources under tsx (a checkout whose
 * `dist/` is missing or older than its sources).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** True when this module is compiled JavaScript (`dist/src/cli/`), false under tsx from `src/cli/`. */
export const compiled = !import.meta.url.endsWith('.ts');

/** Extension of fleepkit's own modules in this mode (`.js` compiled, `.ts` from sources). */
export const moduleExt = compiled ? '.js' : '.ts';

/** The package root (the folder with fleepkit's package.json): two levels up from src/cli, three from dist/src/cli. */
export const packageRoot = path.resolve(HERE, compiled ? '../../..' : '../..');

/** The folder the running modules come from: `<root>/dist` compiled, `<root>` from sources. */
export const codeRoot = compiled ? path.join(packageRoot, 'dist') : packageRoot;

/** A module of the running copy, e.g. `entryFile('src/index')` → `<root>/dist/src/index.js`. */
export function entryFile(withoutExt: string): string {
  return path.join(codeRoot, withoutExt + moduleExt);
}

/** True when the running copy is a source checkout (it has a `.git`), not an installed package. */
export function isCheckout(): boolean {
  return existsSync(path.join(packageRoot, '.git'));
}

/** The version of the running fleepkit, from its package.json. */
export function fleepkitVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}
