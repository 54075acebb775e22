#!/usr/bin/env node
// Thin launcher: runs the TypeScript CLI through tsx so plugins written in TypeScript load
// without a build step. A resolve hook maps `fleepkit` and `fleepkit/testing` to this copy's
// sources, so a bot project's plugins share one fleepkit instance with the CLI that loads them
// (and work with a source checkout linked through `file:`, which has no dist/).
import { register as registerHook } from 'node:module';
import { register } from 'tsx/esm/api';

register();
const hook = `
let src;
export function initialize(data) { src = data.src; }
export function resolve(specifier, context, next) {
  if (specifier === 'fleepkit') return next(src + 'index.ts', context);
  if (specifier === 'fleepkit/testing') return next(src + 'testing/index.ts', context);
  return next(specifier, context);
}`;
registerHook(`data:text/javascript,${encodeURIComponent(hook)}`, { data: { src: new URL('../src/', import.meta.url).href } });
await import('../src/cli/main.ts');
