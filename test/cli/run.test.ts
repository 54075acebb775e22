import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { FleepClient } from '../../src/api/client.js';
import { loadConfig } from '../../src/config/load.js';
import { runFromConfig } from '../../src/cli/run.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { ManualClock } from '../../src/util/clock.js';
import type { RunHandle, RunOptions } from '../../src/cli/run.js';
import { PING_PLUGIN, conversationId, messages, tempProject, testConfig } from './helpers.js';

const running: RunHandle[] = [];
afterEach(async () => {
  for (const h of running.splice(0)) await h.stop();
});

async function start(dir: string, options: RunOptions = {}): Promise<{ handle: RunHandle; printed: () => string }> {
  let printed = '';
  const loaded = await loadConfig(path.join(dir, 'bot.config.yaml'), { env: {} });
  const handle = await runFromConfig(loaded, { ...options, stdout: { write: (s: string) => void (printed += s) } });
  running.push(handle);
  return { handle, printed: () => printed };
}

async function alice(url: string): Promise<FleepClient> {
  const client = new FleepClient({ baseUrl: url });
  await client.login('alice@example.com', 'demo');
  return client;
}

/** Alice says `text` in Team while the bot is down: the sandbox alone, on the bot's world file. */
async function sayWhileDown(dir: string, text: string): Promise<void> {
  const sandbox = await startSandbox({ port: 0, dataFile: path.join(dir, 'data', 'sandbox.json') });
  try {
    await (await alice(sandbox.url)).sendMessage(await conversationId(sandbox.url, 'Team'), text);
  } finally {
    await sandbox.close();
  }
}

async function pongs(url: string, conv: string): Promise<number> {
  return (await messages(url, conv)).filter((m) => m.email === 'bot@example.com' && m.text === 'pong').length;
}

describe('runFromConfig', () => {
  test('runs a TypeScript path plugin against the embedded sandbox, serves health and metrics, stops gracefully', async () => {
    const dir = await tempProject({ 'bot.config.yaml': testConfig(), 'ping.ts': PING_PLUGIN });
    const { handle, printed } = await start(dir);
    const sandbox = handle.sandbox!;
    const http = handle.http!;

    expect(printed()).toContain(`Playground: ${sandbox.url}/`);
    expect(printed()).toContain('alice@example.com');
    expect(printed()).toMatch(/ready: bot@example.com is polling/);
    expect(handle.bot.isRunning).toBe(true);
    expect(existsSync(path.join(dir, 'data', 'fleepkit.db'))).toBe(true);

    const team = await conversationId(sandbox.url, 'Team');
    const client = await alice(sandbox.url);
    await client.sendMessage(team, '!ping');
    await handle.bot.idle();
    expect(await pongs(sandbox.url, team)).toBe(1);

    expect((await fetch(`${http.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${http.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { reason: string }).reason).toMatch(/polling from horizon \d+/);
    const metrics = await (await fetch(`${http.url}/metrics`)).text();
    for (const name of [
      'fleepkit_poll_lag_seconds',
      'fleepkit_cursor_horizon',
      'fleepkit_handler_duration_seconds_bucket',
      'fleepkit_outbound_queue_depth',
      'fleepkit_outbound_oldest_age_seconds',
      'fleepkit_outbound_rate_limited_total',
      'fleepkit_retries_total',
      'fleepkit_dead_letters_total',
      'fleepkit_scheduler_drift_seconds',
    ]) {
      expect(metrics).toContain(name);
    }
    expect(metrics).toMatch(/fleepkit_events_handled_total\{type="message.new",outcome="handled"\} [1-9]/);
    expect(metrics).toMatch(new RegExp(`fleepkit_cursor_horizon ${handle.bot.cursor}\\b`));

    await handle.stop();
    expect(handle.bot.isRunning).toBe(false);
    expect(await handle.stopped).toEqual({});
    await expect(fetch(`${http.url}/healthz`)).rejects.toThrow();
    await expect(fetch(`${sandbox.url}/sandbox/conversations`)).rejects.toThrow();
  });

  test('a restart continues the same world and cursor, handles nothing twice; --fresh starts over', async () => {
    const dir = await tempProject({ 'bot.config.yaml': testConfig(), 'ping.ts': PING_PLUGIN });

    const first = await start(dir);
    let url = first.handle.sandbox!.url;
    const team = await conversationId(url, 'Team');
    await (await alice(url)).sendMessage(team, '!ping');
    await first.handle.bot.idle();
    const cursorAtStop = first.handle.bot.cursor;
    await first.handle.stop();
    await sayWhileDown(dir, '!ping');

    const second = await start(dir);
    url = second.handle.sandbox!.url;
    expect(await conversationId(url, 'Team')).toBe(team);
    expect(second.printed()).toMatch(/ready: .* from horizon \d+/);
    await second.handle.bot.idle();
    // The !ping sent while the bot was down is answered (the cursor persisted), and the one
    // answered before the restart is not answered again (nothing handled twice).
    expect(await pongs(url, team)).toBe(2);
    expect(second.handle.bot.cursor).toBeGreaterThan(cursorAtStop);
    await (await alice(url)).sendMessage(team, '!ping');
    await second.handle.bot.idle();
    expect(await pongs(url, team)).toBe(3);
    await second.handle.stop();

    const fresh = await start(dir, { fresh: true });
    url = fresh.handle.sandbox!.url;
    const newTeam = await conversationId(url, 'Team');
    expect(await pongs(url, newTeam)).toBe(0);
    expect((await messages(url, newTeam)).some((m) => m.text === '!ping')).toBe(false);
  });

  test('--resync skips what happened while the bot was away', async () => {
    const dir = await tempProject({ 'bot.config.yaml': testConfig(), 'ping.ts': PING_PLUGIN });
    const first = await start(dir);
    const cursor = first.handle.bot.cursor;
    await first.handle.stop();
    await sayWhileDown(dir, '!ping');
    const again = await start(dir, { resync: true });
    expect(again.handle.bot.cursor).toBeGreaterThan(cursor);
    await again.handle.bot.idle();
    expect(await pongs(again.handle.sandbox!.url, await conversationId(again.handle.sandbox!.url, 'Team'))).toBe(0);
  });

  test('a plugin that cannot be loaded fails before anything starts, naming it', async () => {
    const dir = await tempProject({ 'bot.config.yaml': testConfig().replace('./ping.ts', './missing.ts') });
    await expect(start(dir)).rejects.toThrow(/plugin file not found: .*missing\.ts/);
    expect(existsSync(path.join(dir, 'data'))).toBe(false);
  });
});

describe('runFromConfig with the reminders plugin', () => {
  test('a reminder set before a restart fires once after it', async () => {
    const dir = await tempProject({ 'bot.config.yaml': testConfig('  reminders: { timezone: UTC }\n'), 'ping.ts': PING_PLUGIN });
    const clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));
    const stretches = async (h: RunHandle): Promise<number> => {
      const url = h.sandbox!.url;
      return (await messages(url, await conversationId(url, 'Team'))).filter((m) => m.email === 'bot@example.com' && m.text.includes('stretch')).length;
    };

    const first = await start(dir, { clock });
    await (await alice(first.handle.sandbox!.url)).sendMessage(await conversationId(first.handle.sandbox!.url, 'Team'), '!remind here in 1 hour to stretch');
    await first.handle.bot.idle();
    const confirmations = await stretches(first.handle);
    expect(confirmations).toBeLessThanOrEqual(1);
    await first.handle.stop();

    clock.advance(2 * 3_600_000);
    const second = await start(dir, { clock });
    await second.handle.bot.idle();
    expect(await stretches(second.handle)).toBe(confirmations + 1);
    await second.handle.stop();

    const third = await start(dir, { clock });
    await third.handle.bot.idle();
    expect(await stretches(third.handle)).toBe(confirmations + 1);
  });
});

describe('log redaction of the live session (R-32)', () => {
  test('the bot session ticket and token never reach the log, whatever logs them', async () => {
    const dir = await tempProject({ 'bot.config.yaml': testConfig().replace('level: silent', 'level: info'), 'ping.ts': PING_PLUGIN });
    const { handle, printed } = await start(dir);
    const [ticket, token] = handle.bot.client.liveSecrets();
    expect(ticket).toBeTruthy();
    expect(token).toBeTruthy();
    handle.logger.warn({ note: `leaking ${ticket}`, nested: { cookie: `token_id=${token}`, list: [token] } }, `ticket=${ticket}`);
    handle.logger.error(new Error(`failed with ${token}`));
    expect(printed()).toContain('leaking');
    expect(printed()).not.toContain(ticket);
    expect(printed()).not.toContain(token);
  });
});
