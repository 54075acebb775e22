// `npm run build` (also run by `prepare`, so `npm install` in a checkout and `npm pack` build):
// compiles src/ and plugins/ with tsc, copies the playground's static files, stamps the output
// with the time the build started (bin/fleepkit.js compares it with the sources' times), and
// only then swaps it in as dist/, so a fleepkit started during a build never sees half of one.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const next = `${root}dist.next`;
const started = new Date();
rmSync(next, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', `${root}tsconfig.build.json`, '--outDir', next], { stdio: 'inherit' });
if (result.status !== 0) {
  rmSync(next, { recursive: true, force: true });
  console.error('build failed: tsc reported the errors above');
  process.exit(result.status ?? 1);
}
cpSync(`${root}src/sandbox/public`, `${next}/src/sandbox/public`, { recursive: true });
writeFileSync(`${next}/.build-stamp`, `${started.toISOString()}\n`);
utimesSync(`${next}/.build-stamp`, started, started);
if (existsSync(`${root}dist`)) renameSync(`${root}dist`, `${root}dist.old`);
renameSync(next, `${root}dist`);
rmSync(`${root}dist.old`, { recursive: true, force: true });
