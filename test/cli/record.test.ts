/**
 * `fleepkit record` as a child process: records a sandbox read-only without secrets, diffs the
 * recording clean against that sandbox, names the fields of a doctored one (exit 1), and refuses
 * a file that is not a recording (exit 2).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleepClient } from '../../src/api/client.js';
import { DEMO_PASSWORD, startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { runCli, startCli, tempProject } from './helpers.js';

let sb: SandboxHandle;
let dir: string;

beforeAll(async () => {
  sb = await startSandbox({ port: 0, seed: 'demo', holdMs: 2_000 });
  const alice = new FleepClient({ baseUrl: sb.url });
  await alice.login('alice@example.com', DEMO_PASSWORD);
  const conv = await alice.createConversation({ topic: 'CLI room', emails: ['bot@example.com'] });
  await alice.sendMessage(conv.header.conversation_id, 'hello bot');
  await alice.logout();
  dir = await tempProject({
    'bot.config.yaml': `fleep:\n  server: ${sb.url}\n  email: bot@example.com\n  password: \${BOT_PASSWORD}\nlog:\n  level: silent\n`,
  });
});

afterAll(async () => {
  await sb.close();
});

describe('fleepkit record (CLI)', () => {
  it('records, diffs clean against the same sandbox, and names what a doctored recording changed', { timeout: 150_000 }, async () => {
    const env = { BOT_PASSWORD: DEMO_PASSWORD };
    const rec = await runCli(['record', '-c', 'bot.config.yaml', '--out', 'traffic.jsonl', '--polls', '0'], { cwd: dir, env });
    expect(rec.stderr).toContain('recording bot@example.com');
    expect(rec.code).toBe(0);
    expect(rec.stdout).toMatch(/recorded \d+ calls/);
    const file = path.join(dir, 'traffic.jsonl');
    const text = readFileSync(file, 'utf8');
    for (const s of sb.state.sessions.values()) {
      expect(text).not.toContain(s.ticket);
      expect(text).not.toContain(s.token_id);
    }
    expect(text).not.toContain(`"${DEMO_PASSWORD}"`);

    const clean = await runCli(['record', '--diff', 'traffic.jsonl', '--against', sb.url, '-c', 'bot.config.yaml'], { cwd: dir, env });
    expect(clean.stdout).toMatch(/no differences in \d+ calls/);
    expect(clean.code).toBe(0);

    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const sync = lines.find((l) => l['method'] === 'account/sync')!;
    (sync['response'] as Record<string, unknown>)['event_horizon'] = '12';
    (sync['response'] as Record<string, unknown>)['sync_extra'] = true;
    writeFileSync(path.join(dir, 'doctored.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const doctored = await runCli(['record', '--diff', 'doctored.jsonl', '--against', sb.url, '-c', 'bot.config.yaml'], { cwd: dir, env });
    expect(doctored.code).toBe(1);
    expect(doctored.stdout).toContain(`#${String(sync['seq'])} account/sync: event_horizon: recording string, sandbox number`);
    expect(doctored.stdout).toContain(`#${String(sync['seq'])} account/sync: sync_extra: only in the recording (boolean)`);
    expect(doctored.stdout).toMatch(/2 differences in 1 of \d+ calls/);
  });

  it('refuses a file that is not a recording, saying what it is not (exit 2)', async () => {
    writeFileSync(path.join(dir, 'not.jsonl'), '{"hello":1}\n');
    const res = await runCli(['record', '--diff', 'not.jsonl'], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('not.jsonl:1 is not a fleepkit recording header');
  });

  it('fleepkit sandbox --replay feeds the recording to the bot account once it polls', { timeout: 150_000 }, async () => {
    const fixture = JSON.parse(readFileSync(new URL('../runtime/fixtures/real-fleep-2017/delete-never-seen.json', import.meta.url), 'utf8')) as {
      viewer: string;
      records: unknown[];
    };
    const header = { kind: 'fleepkit-recording', version: 1, server: 'https://fleep.io', account_id: fixture.viewer, recorded_at: '2017-12-01T00:00:00Z', anonymised: false };
    const call = { kind: 'call', seq: 1, phase: 'live', method: 'account/poll', path: '/api/account/poll', request: {}, status: 200, headers: {}, response: { event_horizon: 3, stream: fixture.records } };
    writeFileSync(path.join(dir, 'fixture.jsonl'), `${JSON.stringify(header)}\n${JSON.stringify(call)}\n`);
    const cli = await startCli(['sandbox', '--port', '0', '--hold-ms', '5000', '--replay', 'fixture.jsonl'], 'Replay: fixture.jsonl', dir);
    try {
      const url = /listening on (http:\/\/\S+)/.exec(cli.output())![1]!;
      const bot = new FleepClient({ baseUrl: url });
      await bot.login('bot@example.com', DEMO_PASSWORD);
      let horizon = (await bot.accountSync()).event_horizon;
      const deleted: unknown[] = [];
      while (deleted.length === 0) {
        const res = await bot.poll(horizon);
        horizon = res.event_horizon;
        deleted.push(...res.stream.filter((r) => r.mk_rec_type === 'message' && String(r['mk_message_state']).endsWith(':deleted')));
      }
      expect(deleted[0]).toMatchObject({ message_nr: 3, profile_id: bot.accountId, tags: ['is_deleted', 'is_deleted'] });
      await bot.logout();
    } finally {
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(0);
    }
    expect(cli.output()).toContain("replayed 1 recorded records into bot@example.com's stream (1 conversations)");
  });
});
