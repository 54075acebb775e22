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
import { runCli, tempProject } from './helpers.js';

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
});
