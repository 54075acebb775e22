import { describe, expect, test } from 'vitest';
import { PING_PLUGIN, startCli, tempProject, testConfig } from './helpers.js';

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
