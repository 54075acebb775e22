#!/usr/bin/env node
// The fleepkit executable. It runs the compiled CLI in dist/ (the published package, or a built
// checkout). In a source checkout whose dist/ is missing or older than its sources, it runs the
// TypeScript sources through tsx instead, so a fresh edit is never shadowed by a stale build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const stamp = `${root}dist/.build-stamp`;

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

function distIsFresh() {
  if (!existsSync(stamp)) return false;
  // An installed package ships dist/ without src/: nothing to compare against.
  if (!existsSync(`${root}src`)) return true;
  return statSync(stamp).mtimeMs >= Math.max(newestSource(`${root}src`), newestSource(`${root}plugins`));
}

if (distIsFresh()) {
  await import('../dist/src/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
