#!/usr/bin/env node
// The fleepkit executable. It runs the compiled CLI in dist/ (the published package, or a built
// checkout). In a source checkout whose dist/ is missing or older than its sources, it runs the
// TypeScript sources through tsx instead, so a fresh edit is never shadowed by a stale build.
import { distIsFresh } from './dist-fresh.js';

if (distIsFresh()) {
  await import('../dist/src/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
