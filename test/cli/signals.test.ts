import { spawn } from 'node:child_process';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, test } from 'vitest';
import { BIN, PING_PLUGIN, startCli, tempProject, testConfig } from './helpers.js';

describe('fleepkit run as a process', () => {
  test('prints the playground and "ready", then stops gracefully on SIGINT with exit 0', async () => {
    const dir = await tempProject({ 'bot.config.yaml': testConfig(), 'ping.ts': PING_PLUGIN });
    const run = await startCli(['run'], 'ready:', dir);
    expect(run.output()).toMatch(/Playground: http:\/\/127\.0\.0\.1:\d+\//);
    expect(run.output()).toContain('alice@example.com');
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('stopped');
  });

  test('SIGTERM stops too; a login refused by Fleep exits 4', async () => {
    const dir = await tempProject({ 'bot.config.yaml': testConfig(), 'ping.ts': PING_PLUGIN, 'wrong.yaml': `fleep:\n  password: not-the-password\n${testConfig()}` });
    const run = await startCli(['run'], 'ready:', dir);
    run.child.kill('SIGTERM');
    expect(await run.exited, run.output()).toBe(0);

    const wrong = await startCli(['run', '-c', 'wrong.yaml'], 'Playground', dir);
    expect(await wrong.exited).toBe(4);
    expect(wrong.output()).not.toContain('not-the-password');
  });
});

describe('stopping a bot that is still starting', () => {
  /** A config pointing the bot at `server` instead of the embedded sandbox. */
  const remoteConfig = (server: string): string =>
    `fleep:\n  server: ${server}\n  email: bot@example.com\n  password: demo\nstore:\n  memory: true\nhttp:\n  enabled: false\nlog:\n  level: warn\nplugins:\n  ./ping.ts: {}\n`;

  test('SIGTERM while login keeps retrying against an unreachable Fleep exits 0 without waiting for the retries to give up', async () => {
    // A port nothing listens on: every login attempt is refused and retried with backoff (15 min).
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const dir = await tempProject({ 'bot.config.yaml': remoteConfig(`http://127.0.0.1:${closed}`), 'ping.ts': PING_PLUGIN });
    const run = await startCli(['run'], 'retrying', dir);
    run.child.kill('SIGTERM');
    expect(await run.exited, run.output()).toBe(0);
    expect(run.output()).toContain('stopped before the bot finished starting');
    expect(run.output()).not.toContain('gave up');
  });

  test('Ctrl-C while the login request hangs (the server accepts and never answers) exits 0', async () => {
    const sockets = new Set<Socket>();
    let connected!: () => void;
    const arrived = new Promise<void>((resolve) => (connected = resolve));
    const silent = createServer((socket) => {
      sockets.add(socket);
      connected();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const dir = await tempProject({ 'bot.config.yaml': remoteConfig(`http://127.0.0.1:${port}`), 'ping.ts': PING_PLUGIN });
      const child = spawn(process.execPath, [BIN, 'run'], { cwd: dir, env: process.env });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await arrived;
      child.kill('SIGINT');
      expect(await exited, out).toBe(0);
      expect(out).toContain('stopped before the bot finished starting');
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
