// Whether this copy's compiled dist/ may run: it exists and, in a checkout (src/ present), is not
// older than any source file. Shared by bin/fleepkit.js and bench/startup.ts.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

/** Newest modification time of the .ts sources under `dir` (tests excluded), 0 when absent. */
function newestSource(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    newest = Math.max(newest, statSync(`${entry.parentPath ?? entry.path}/${entry.name}`).mtimeMs);
  }
  return newest;
}

/** True when bin/fleepkit.js runs dist/; false when it runs the sources through tsx. */
export function distIsFresh() {
  const stamp = `${root}dist/.build-stamp`;
  if (!existsSync(stamp)) return false;
  // An installed package ships dist/ without src/: nothing to compare against.
  if (!existsSync(`${root}src`)) return true;
  return statSync(stamp).mtimeMs >= Math.max(newestSource(`${root}src`), newestSource(`${root}plugins`));
}
