/**
 * The package as users get it: `npm pack`, a scaffold from `fleepkit init`, `npm install` with
 * npm's cache only (no network), then the scaffold's own type-check, tests, `fleepkit check` and
 * `npm start`. Slow (a real install, a native module build), so all of it lives in this one file.
 * No time budget: a step fails when its process stalls (prints nothing for STALL_MS).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { BIN, REPO } from './helpers.js';

/** A step that prints nothing for this long is stuck (a compile prints a line per file with --foreground-scripts). */
const STALL_MS = 10 * 60_000;

interface StepResult {
  code: number | null;
  output: string;
}

/** The environment of a user's shell: none of this test runner's variables. */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
  for (const key of Object.keys(env)) if (key.startsWith('VITEST') || key === 'NODE_ENV' || key === 'TEST') delete env[key];
  return env;
}

/**
 * Runs one shell line; resolves with its exit code and output. With `until`, resolves as soon as
 * the output matches and then stops the process group with SIGTERM (for `npm start`).
 */
function sh(line: string, cwd: string, env: NodeJS.ProcessEnv, until?: RegExp): Promise<StepResult & { stopped?: Promise<StepResult> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(line, { cwd, env, shell: true, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let watchdog: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        process.kill(-child.pid!, 'SIGKILL');
        reject(new Error(`\`${line}\` stalled (no output for ${STALL_MS / 60_000} min):\n${output}`));
      }, STALL_MS);
    };
    arm();
    let stopped: ((r: StepResult) => void) | undefined;
    const onData = (d: Buffer): void => {
      output += d.toString();
      arm();
      if (until && !stopped && until.test(output)) {
        clearTimeout(watchdog);
        const done = new Promise<StepResult>((res) => (stopped = res));
        process.kill(-child.pid!, 'SIGTERM');
        resolve({ code: null, output, stopped: done });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(watchdog);
      if (stopped) stopped({ code, output });
      else resolve({ code, output });
    });
  });
}

async function step(line: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const r = await sh(line, cwd, env);
  expect(r.code, `\`${line}\` in ${cwd} failed:\n${r.output}`).toBe(0);
  return r.output;
}

/** `npm start`: waits for "ready:", stops it with SIGTERM, expects a clean stop. */
async function startAndStop(line: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const started = await sh(line, cwd, env, /^ready: /m);
  const stopped = await started.stopped!;
  expect(stopped.output).toMatch(/^ready: bot@example\.com is polling http:\/\/127\.0\.0\.1:\d+/m);
  expect(stopped.output, stopped.output).toMatch(/^stopped$/m);
  return stopped.output;
}

/** Ports for the scaffold's embedded sandbox and health server: any free one. */
const PORTS = { SANDBOX_PORT: '0', HTTP_PORT: '0' };

/** A TCP port on which nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the fleepkit package', () => {
  test(
    'npm pack ships dist/; a scaffold installs the tarball offline, type-checks, passes its test, checks and starts',
    async () => {
      const work = await mkdtemp(path.join(tmpdir(), 'fleepkit-pack-'));
      // `prepare` builds dist/ before packing.
      const packed = await step(`npm pack --foreground-scripts --pack-destination ${JSON.stringify(work)}`, REPO, userEnv());
      const name = /^(fleepkit-\d+\.\d+\.\d+\.tgz)$/m.exec(packed)?.[1];
      expect(name, packed).toBeDefined();
      const tarball = path.join(work, name!);

      const init = await step(`${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} init bot --fleepkit ${JSON.stringify(tarball)}`, work, userEnv());
      const bot = path.join(work, 'bot');
      expect(init).toContain('npm install');
      const pkg = JSON.parse(await readFile(path.join(bot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      expect(pkg.dependencies.fleepkit).toMatch(/^file:\.\.\/fleepkit-.*\.tgz$/);

      await step('npm install --offline --foreground-scripts', bot, userEnv());
      const installed = path.join(bot, 'node_modules', 'fleepkit');
      const manifest = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8')) as { exports: Record<string, { import: string; types: string }> };
      for (const target of Object.values(manifest.exports).flatMap((e) => [e.import, e.types])) expect(existsSync(path.join(installed, target)), target).toBe(true);
      expect(existsSync(path.join(installed, 'src')), 'sources are not shipped').toBe(false);
      expect(existsSync(path.join(installed, 'dist', 'plugins', 'help', 'help.test.js')), 'tests are not shipped').toBe(false);

      expect(await step('npx fleepkit --version', bot, userEnv())).toContain(JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')).version);
      await step('npm run typecheck', bot, userEnv());
      expect(await step('npm test', bot, userEnv())).toMatch(/1 passed/);
      expect(await step('npm run check', bot, userEnv())).toMatch(/plugins loaded: help \(builtin\), hello \(path\)/);
      await startAndStop('npm start', bot, userEnv(PORTS));
    },
    0,
  );

  test(
    'init with the registry unreachable says so, uses this copy, and its printed steps give a passing project',
    async () => {
      const work = await mkdtemp(path.join(tmpdir(), 'fleepkit-offline-'));
      const proxy = `http://127.0.0.1:${await closedPort()}`;
      const offline = userEnv({ npm_config_proxy: proxy, npm_config_https_proxy: proxy, ...PORTS });

      const init = await step(`${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} init my-bot`, work, offline);
      expect(init).toMatch(/fleepkit@\^\d+\.\d+\.\d+ cannot be installed from the npm registry \(.*ECONNREFUSED.*\)/);
      expect(init).toContain('so the project uses this copy of fleepkit instead');
      const steps = init
        .slice(init.indexOf('Next:\n') + 'Next:\n'.length)
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      expect(steps).toEqual(['cd my-bot', 'npm install --offline', 'npm test', 'npm start']);

      let cwd = work;
      for (const line of steps) {
        if (line.startsWith('cd ')) cwd = path.resolve(cwd, line.slice(3));
        else if (line === 'npm start') await startAndStop(line, cwd, offline);
        else await step(line, cwd, offline);
      }
      // The README's other two commands work too.
      await step('npm run typecheck', cwd, offline);
      expect(await step('npm run check', cwd, offline)).toMatch(/plugins loaded: help \(builtin\), hello \(path\)/);
    },
    0,
  );
});
