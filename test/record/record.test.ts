/**
 * The recorder against a real server (the sandbox over HTTP): a recording of the sandbox diffs
 * clean against the sandbox; a doctored one's differences are named field by field; the file
 * holds no password, ticket or token, and with `anonymise` no text or e-mail of the session.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleepClient } from '../../src/api/client.js';
import { diffRecording, formatDiff } from '../../src/record/diff.js';
import { parseRecording, readRecording, type Recording } from '../../src/record/format.js';
import { recordSession } from '../../src/record/recorder.js';
import { DEMO_PASSWORD, startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';

let sb: SandboxHandle;
let dir: string;
let alice: FleepClient;
let team: string;
const BOT = { email: 'bot@example.com', password: DEMO_PASSWORD };

beforeAll(async () => {
  sb = await startSandbox({ port: 0, seed: 'demo', holdMs: 5_000 });
  dir = mkdtempSync(join(tmpdir(), 'fleepkit-record-'));
  alice = new FleepClient({ baseUrl: sb.url });
  await alice.login('alice@example.com', DEMO_PASSWORD);
  const created = await alice.createConversation({ topic: 'Recorded room', emails: ['bot@example.com', 'bob@example.com'] });
  team = created.header.conversation_id;
  const sent = await alice.sendMessage(team, 'pin me, write to carol@example.com');
  await alice.storeMessage(team, { messageNr: sent.result_message_nr!, tags: ['pin'] });
});

afterAll(async () => {
  await alice.logout().catch(() => undefined);
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Records the bot's session; during the one live poll Alice posts, edits and deletes. */
async function record(file: string, anonymise = false): Promise<Recording> {
  let acted: Promise<unknown> = Promise.resolve();
  const summary = await recordSession({
    server: sb.url,
    ...BOT,
    out: file,
    anonymise,
    polls: 1,
    onLivePoll: () => {
      acted = alice.sendMessage(team, 'a live one for bob@example.com');
    },
  });
  await acted;
  expect(summary.livePolls).toBe(1);
  expect(summary.records).toBeGreaterThan(0);
  return readRecording(file);
}

function secretsOfTheSandbox(): string[] {
  return [...sb.state.sessions.values()].flatMap((s) => [s.ticket, s.token_id]);
}

describe('fleepkit record', () => {
  let recording: Recording;
  let file: string;

  beforeAll(async () => {
    file = join(dir, 'traffic.jsonl');
    recording = await record(file);
  });

  it('records every call read-only: login, sync, contacts, initial sync, reads, live polls, logout', () => {
    const methods = recording.calls.map((c) => c.method);
    expect(methods[0]).toBe('account/login');
    expect(methods).toContain('account/sync');
    expect(methods).toContain('contact/sync/all');
    expect(recording.calls.some((c) => c.method === 'account/poll' && c.phase === 'initial')).toBe(true);
    expect(recording.calls.some((c) => c.method === 'account/poll' && c.phase === 'live')).toBe(true);
    expect(methods).toContain('conversation/sync_pins');
    expect(methods).toContain('account/sync_pinboard');
    expect(methods).toContain('conversation/list');
    expect(methods.at(-1)).toBe('account/logout');
    expect(methods.filter((m) => /^(message|conversation)\/(send|store|create|edit|delete|leave)/.test(m))).toEqual([]);
    expect(recording.header.account_id).toBe(sb.accounts['bot@example.com']);
    const live = recording.calls.find((c) => c.phase === 'live')!;
    expect(JSON.stringify(live.response)).toContain('a live one');
  });

  it('a recording of the sandbox diffs clean against the sandbox', async () => {
    const report = await diffRecording(recording, { server: sb.url, ...BOT });
    expect(formatDiff(report)).toMatch(/no differences in \d+ calls/);
    expect(report.differenceCount).toBe(0);
    expect(report.calls.filter((c) => c.skipped)).toEqual([]);
  });

  it('diffs against another sandbox: ids and horizons are mapped, conversations paired in order', async () => {
    const other = await startSandbox({ port: 0, seed: 'demo', holdMs: 1_000 });
    try {
      const carol = new FleepClient({ baseUrl: other.url });
      await carol.login('carol@example.com', DEMO_PASSWORD);
      const conv = (await carol.createConversation({ topic: 'Elsewhere', emails: ['bot@example.com'] })).header.conversation_id;
      const nr = (await carol.sendMessage(conv, 'pinned elsewhere')).result_message_nr!;
      await carol.storeMessage(conv, { messageNr: nr, tags: ['pin'] });
      await carol.logout();
      const report = await diffRecording(recording, { server: other.url, ...BOT });
      expect(formatDiff(report)).toMatch(/no differences in \d+ calls/);
      const pins = report.calls.find((c) => c.method === 'conversation/sync_pins')!;
      expect(pins.skipped).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it('names each differing field of a doctored recording', async () => {
    const doctored = parseRecording(readFileSync(file, 'utf8'));
    const live = doctored.calls.find((c) => c.phase === 'live')!;
    const message = (live.response as { stream: Array<Record<string, unknown>> }).stream.find((r) => r.mk_rec_type === 'message' && String(r.mk_message_state).endsWith(':plain'))!;
    delete message['posted_time'];
    message['reply_to_message_nr'] = 1;
    message['message_nr'] = String(message['message_nr']);
    const sync = doctored.calls.find((c) => c.method === 'account/sync')!;
    (sync.response as Record<string, unknown>)['event_horizon'] = null;
    const pins = doctored.calls.find((c) => c.method === 'conversation/sync_pins')!;
    pins.status = 404;
    const report = await diffRecording(doctored, { server: sb.url, ...BOT });
    const text = formatDiff(report);
    expect(text).toContain(`#${live.seq} account/poll: stream[message:plain].posted_time: only in the sandbox (number)`);
    expect(text).toContain(`#${live.seq} account/poll: stream[message:plain].reply_to_message_nr: only in the recording (number)`);
    expect(text).toContain(`#${live.seq} account/poll: stream[message:plain].message_nr: recording string, sandbox number`);
    expect(text).toContain(`#${sync.seq} account/sync: event_horizon: recording null, sandbox number`);
    expect(text).toContain(`#${pins.seq} conversation/sync_pins: status: recording 404, sandbox 200`);
    expect(report.differenceCount).toBe(5);
    expect(text).toMatch(/5 differences in 3 of \d+ calls/);
  });
  it('holds no password, ticket or token_id, by key or by value', () => {
    const text = readFileSync(file, 'utf8');
    const secrets = secretsOfTheSandbox();
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of [DEMO_PASSWORD === 'demo' ? '"demo"' : DEMO_PASSWORD, ...secrets]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/token_id=[0-9a-f-]{36}/);
    const login = recording.calls[0]!;
    expect(login.request).toMatchObject({ email: 'bot@example.com', password: '[REDACTED]' });
    expect(login.headers['set-cookie']).toBe('[REDACTED]');
    expect(recording.calls[1]!.request).toMatchObject({ ticket: '[REDACTED]' });
  });

  it('with anonymise, replaces texts and e-mails but keeps ids and shapes', async () => {
    const anon = await record(join(dir, 'anon.jsonl'), true);
    const text = JSON.stringify(anon);
    for (const word of ['pin me', 'a live one', 'Recorded room', 'carol@example.com', 'bob@example.com', 'alice@example.com', 'Alice']) {
      expect(text).not.toContain(word);
    }
    expect(text).toContain('@example.invalid');
    expect(text).toContain(team);
    expect(anon.header.anonymised).toBe(true);
  });

});
