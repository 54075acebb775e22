/**
 * `npm run bench:startup [-- --runs 5] [-- --json]`: how fast the `fleepkit` executable answers.
 * Wall-clock medians over `--runs` cold processes of: an empty `node` (the floor every command
 * pays), `fleepkit --version` and `--help` (compiled, as installed), `--version` through tsx from
 * the sources (how the CLI ran before it was compiled, and how a checkout with a stale dist/
 * runs), and `npm start`'s demo bot until it prints "ready:" (the repository's bot.config.yaml
 * with free ports and a fresh data folder). Needs a fresh build (`npm run build`).
 * On a shared machine, read the ratios to the empty `node` rather than the seconds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, json: { type: 'boolean', default: false } } });
const runs = Number(values.runs);

/** The repository root (this file runs from bench/ or .bench-build/bench/). */
function repoRoot(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'bin', 'fleepkit.js'))) return dir;
    if (path.dirname(dir) === dir) throw new Error('run from the fleepkit repository');
  }
}
const root = repoRoot();
const bin = path.join(root, 'bin', 'fleepkit.js');

/** Milliseconds for one process to exit (it must exit 0). */
function timeExit(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${String(r.status)}: ${r.stderr}`);
  return ms;
}

/** Milliseconds until the demo bot prints "ready:", then stops it with SIGTERM. */
function timeReady(config: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [bin, 'run', '-c', config, '--fresh'], { cwd: path.dirname(config) });
    let out = '';
    let ready = 0;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!ready && /^ready: /m.test(out)) {
        ready = performance.now() - t0;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => (ready && code === 0 ? resolve(ready) : reject(new Error(`the bot exited ${String(code)} before ready:\n${out}`))));
  });
}

/** The repository's demo config with free ports and its data in a fresh folder. */
function demoConfig(): { file: string; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleepkit-startup-'));
  const doc = parseDocument(readFileSync(path.join(root, 'bot.config.yaml'), 'utf8'));
  doc.setIn(['sandbox', 'port'], 0);
  doc.setIn(['http', 'port'], 0);
  doc.setIn(['log', 'level'], 'warn');
  const file = path.join(dir, 'bot.config.yaml');
  writeFileSync(file, doc.toString());
  return { file, dir };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

// The same test bin/fleepkit.js makes: a stale dist/ would measure the tsx fallback instead.
const { distIsFresh } = (await import(pathToFileURL(path.join(root, 'bin', 'dist-fresh.js')).href)) as { distIsFresh(): boolean };
if (!distIsFresh()) throw new Error('dist/ is missing or older than src/: run `npm run build` first (otherwise bin/fleepkit.js runs the sources)');

const cases: Record<string, () => number | Promise<number>> = {
  'node -e ""': () => timeExit(['-e', '']),
  'fleepkit --version': () => timeExit([bin, '--version']),
  'fleepkit --help': () => timeExit([bin, '--help']),
  'fleepkit --version (tsx, sources)': () => timeExit(['--import', 'tsx', path.join(root, 'src', 'cli', 'main.ts'), '--version']),
};
const results: Record<string, { medianMs: number; runsMs: number[] }> = {};
const load = loadavg()[0]!;
for (const [name, fn] of Object.entries(cases)) {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(await fn());
  results[name] = { medianMs: Math.round(median(xs)), runsMs: xs.map(Math.round) };
}
const { file, dir } = demoConfig();
try {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(await timeReady(file));
  results['fleepkit run → ready (npm start)'] = { medianMs: Math.round(median(xs)), runsMs: xs.map(Math.round) };
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const floor = results['node -e ""']!.medianMs;
console.log(`fleepkit startup — Node ${process.version}, load average ${load.toFixed(1)} at start, ${runs} runs each (median ms, × empty node)`);
for (const [name, r] of Object.entries(results)) console.log(`  ${name.padEnd(36)} ${String(r.medianMs).padStart(6)} ms  ${(r.medianMs / floor).toFixed(2)}×   [${r.runsMs.join(', ')}]`);
if (values.json) console.log(JSON.stringify({ loadAverage: load, runs, results }));
