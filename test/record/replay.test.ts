/**
 * Feeding a recording's stream to a bot: `createTestBot({ replay })` with the records real Fleep
 * sent (the 2017 fixtures, as a recording) and with a recording of a sandbox session.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { definePlugin } from 'fleepkit';
import { createTestBot, type Recording, type TestBot } from 'fleepkit/testing';
import { FleepClient } from '../../src/api/client.js';
import { recordSession } from '../../src/record/recorder.js';
import { DEMO_PASSWORD, startSandbox } from '../../src/sandbox/index.js';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A fixture of real records as a one-poll recording of its viewer's session. */
function fixtureRecording(name: string): Recording {
  const fixture = JSON.parse(readFileSync(new URL(`../runtime/fixtures/real-fleep-2017/${name}.json`, import.meta.url), 'utf8')) as {
    viewer: string;
    records: unknown[];
  };
  return {
    header: { kind: 'fleepkit-recording', version: 1, server: 'https://fleep.io', account_id: fixture.viewer, recorded_at: '2017-12-01T00:00:00Z', anonymised: false },
    calls: [
      { kind: 'call', seq: 1, phase: 'live', method: 'account/poll', path: '/api/account/poll', request: {}, status: 200, headers: {}, response: { event_horizon: 9, stream: fixture.records } },
    ],
  };
}

const watcher = (seen: string[]) =>
  definePlugin({
    name: 'watcher',
    setup(bot) {
      for (const type of ['message.new', 'message.edited', 'message.deleted', 'message.pinned', 'message.unpinned', 'task.created', 'member.joined', 'file.shared'] as const) {
        bot.on(type, (ctx) => void seen.push(`${type} ${'messageNr' in ctx ? String(ctx.messageNr) : ''}`.trim()));
      }
    },
  });

describe('createTestBot({ replay })', () => {
  it('a bot fed the real records of a never-seen delete and an unpin sees a delete and an unpin, nothing new', async () => {
    const seen: string[] = [];
    t = await createTestBot({ plugins: [watcher(seen)], replay: fixtureRecording('delete-never-seen') });
    await t.idle();
    expect(seen).toEqual(['message.deleted 3']);
    await t.close();
    seen.length = 0;
    t = await createTestBot({ plugins: [watcher(seen)], replay: fixtureRecording('unpin-never-seen') });
    await t.idle();
    expect(seen).toEqual(['message.unpinned 2']);
  });

  it('a bot fed a real post, edit and delete sees each change once', async () => {
    const seen: string[] = [];
    t = await createTestBot({ plugins: [watcher(seen)], replay: fixtureRecording('edit-delete-other-view') });
    await t.idle();
    expect(seen).toEqual(['message.new 2', 'file.shared 2', 'message.edited 2', 'message.deleted 2']);
    expect(t.replayed?.records).toBe(4);
    expect(t.replayed?.conversations.size).toBe(1);
  });

  it('replays a recorded sandbox session: the bot answers the recorded command in the stand-in conversation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleepkit-replay-'));
    const file = join(dir, 'traffic.jsonl');
    const other = await startSandbox({ port: 0, seed: 'demo', holdMs: 5_000 });
    try {
      const alice = new FleepClient({ baseUrl: other.url });
      await alice.login('alice@example.com', DEMO_PASSWORD);
      const conv = (await alice.createConversation({ topic: 'Ops', emails: ['bot@example.com'] })).header.conversation_id;
      let posted: Promise<unknown> = Promise.resolve();
      await recordSession({
        server: other.url,
        email: 'bot@example.com',
        password: DEMO_PASSWORD,
        out: file,
        polls: 1,
        onLivePoll: () => {
          posted = alice.sendMessage(conv, '!ping');
        },
      });
      await posted;
      await alice.logout();
    } finally {
      await other.close();
    }
    const ping = definePlugin({ name: 'ping', setup: (bot) => void bot.command('ping', { description: 'pong' }, (ctx) => ctx.reply('pong')) });
    t = await createTestBot({ plugins: [ping], replay: file });
    await t.idle();
    const [standIn] = [...t.replayed!.conversations.values()];
    expect(await t.lastReply(standIn!)).toBe('pong');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a bot added to a conversation with history sees the add and what follows, not the history (no old command re-run)', async () => {
    const seen: string[] = [];
    const ping = definePlugin({ name: 'ping', setup: (bot) => void bot.command('ping', { description: 'pong' }, (ctx) => ctx.reply('pong')) });
    t = await createTestBot({ plugins: [watcher(seen), ping], replay: fixtureRecording('added-with-history') });
    await t.idle();
    expect(seen).toEqual(['member.joined 5', 'message.new 6']);
    const [standIn] = [...t.replayed!.conversations.values()];
    expect(await t.replies(standIn!)).toEqual([]);
  });

  it('refuses replay without start, saying what to do', async () => {
    await expect(createTestBot({ start: false, replay: fixtureRecording('task') })).rejects.toThrow(/leave start at its default/);
  });
});

describe('fleepkit sandbox --replay (feedWhenPolling)', () => {
  it('feeds the recording once the account polls, under stand-in conversation ids and the account\'s own id', async () => {
    const { feedWhenPolling } = await import('../../src/record/replay.js');
    const sb = await startSandbox({ port: 0, seed: 'demo', holdMs: 5_000 });
    const recording = fixtureRecording('pin-unpin');
    const viewer = recording.header.account_id;
    try {
      const fed = new Promise<unknown>((resolve) => feedWhenPolling(recording, sb, { email: 'bot@example.com', password: DEMO_PASSWORD }, resolve));
      const bot = new FleepClient({ baseUrl: sb.url });
      const { accountId } = await bot.login('bot@example.com', DEMO_PASSWORD);
      let horizon = (await bot.accountSync()).event_horizon;
      const got: Array<Record<string, unknown>> = [];
      while (got.filter((r) => r['mk_rec_type'] === 'message' && r['message_nr'] === 2).length < 3) {
        const res = await bot.poll(horizon);
        horizon = res.event_horizon;
        got.push(...(res.stream as unknown as Array<Record<string, unknown>>));
      }
      const result = (await fed) as { records: number; conversations: Map<string, string> };
      expect(result.records).toBe(3);
      const standIn = [...result.conversations.values()][0];
      const replayed = got.filter((r) => r['mk_rec_type'] === 'message' && r['message_nr'] === 2);
      expect(replayed.map((r) => r['mk_message_state'])).toEqual([
        'urn:fleep:message:mk_message_state:plain',
        'urn:fleep:message:mk_message_state:pinned',
        'urn:fleep:message:mk_message_state:unpinned',
      ]);
      for (const r of replayed) expect(r).toMatchObject({ conversation_id: standIn, profile_id: accountId });
      expect(JSON.stringify(got)).not.toContain(viewer);
      await bot.logout();
    } finally {
      await sb.close();
    }
  });

  it('names the accounts there are when --replay-as is not one of them', async () => {
    const { feedWhenPolling } = await import('../../src/record/replay.js');
    const sb = await startSandbox({ port: 0, seed: 'demo', holdMs: 1_000 });
    try {
      const error = await new Promise((resolve) => feedWhenPolling(fixtureRecording('task'), sb, { email: 'nobody@example.com', password: 'x' }, resolve));
      expect(String(error)).toMatch(/--replay-as nobody@example.com: no such account in the sandbox; use one of .*bot@example.com/);
    } finally {
      await sb.close();
    }
  });
});
