import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Bot, SqliteStore } from 'fleepkit';
import { createTestBot, type TestBot } from 'fleepkit/testing';
import help from '../help/index.js';
import standup, { StandupConfig } from './index.js';

// Monday 2 March 2026, 08:30 in Tallinn (UTC+2).
const MONDAY_0830 = '2026-03-02T06:30:00Z';
const NOTE = "Standup time! I'm asking each of you in a direct message. I'll post the summary here at 10:30 EET or when everyone has answered.";
const DM_QUESTIONS =
  'Good morning! Time for the standup in Team.\n1. What did you do yesterday?\n2. What will you do today?\n3. Is anything blocking you?\n' +
  "Answer here in one message (or with !standup answer …). I'll post the summary in Team at 10:30 EET or when everyone has answered.";
const NUDGE = 'A friendly nudge: the standup in Team is waiting for your answer (summary at 10:30 EET). Answer here in one message.';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const texts = async (w: TestBot, conv: string): Promise<string[]> => (await w.replies(conv)).map((m) => m.text);

/** Direct conversations between the bot and `person`, as the sandbox holds them. */
async function directsWith(w: TestBot, person: string): Promise<number> {
  const client = await w.as(person);
  const members = (await client.poll(0, { wait: false })).stream ?? [];
  const bot = w.accountId('bot');
  return members.filter((r) => r.mk_rec_type === 'conv' && Array.isArray(r.members) && r.members.length === 2 && r.members.includes(bot)).length;
}

describe("standup: collect: 'dm'", () => {
  it('asks in direct conversations (creating a missing one), takes the next direct message as the answer, sums up in Team', async () => {
    // help is loaded so that "Held …" looks like a typo of !help: the answer must not get "did you mean".
    t = await createTestBot({ plugins: [help, standup], config: { standup: { collect: 'dm', participants: ['alice@example.com', 'bob@example.com'] } }, now: MONDAY_0830 });
    const w = t;
    expect(await directsWith(w, 'bob')).toBe(0);
    await w.say('carol', 'Team', '!standup now');
    await w.idle();
    expect(await texts(w, 'Team')).toEqual([NOTE]);
    expect(await texts(w, 'dm:alice')).toEqual([DM_QUESTIONS]);
    expect(await texts(w, 'dm:bob')).toEqual([DM_QUESTIONS]);
    expect(await directsWith(w, 'bob')).toBe(1);

    // Chatter in Team is not an answer when answers are collected in direct conversations.
    await w.say('alice', 'Team', 'morning all');
    const a = await w.say('alice', 'dm:alice', 'Held the retro; today the release; no blockers');
    await w.idle();
    expect((await w.messages('dm:alice')).find((m) => m.nr === a)?.reactions).toEqual({ '✅': ['bot'] });
    expect(await texts(w, 'dm:alice')).toEqual([DM_QUESTIONS]);

    await w.say('bob', 'dm:bob', '!standup status');
    await w.say('bob', 'dm:bob', '!standup answer Reviewed PRs, writing docs, waiting for design');
    await w.idle();
    expect(await texts(w, 'dm:bob')).toEqual([DM_QUESTIONS, 'Standups happen in a team conversation: say !standup there.']);
    expect(await w.lastReply('Team')).toBe(
      'Standup summary, Mon 2 Mar:\n\nAlice:\nHeld the retro; today the release; no blockers\n\nBob:\nReviewed PRs, writing docs, waiting for design',
    );

    // Over: a later direct message is no answer, and the run is gone from the index.
    await w.say('alice', 'dm:alice', 'standup answer too late');
    await w.idle();
    expect(await w.lastReply('dm:alice')).toBe('No standup is waiting for your answer right now.');
    expect((await texts(w, 'Team')).filter((x) => x.startsWith('Standup summary'))).toHaveLength(1);

    // The next standup reuses bob's direct conversation.
    await w.say('carol', 'Team', '!standup now');
    await w.idle();
    expect(await directsWith(w, 'bob')).toBe(1);
    expect(await w.lastReply('dm:bob')).toBe(DM_QUESTIONS);
  });

  it('nudges in direct conversations, then closes the window naming who did not answer', async () => {
    t = await createTestBot({ plugins: [standup], config: { standup: { collect: 'dm', window: '2h', nudgeAfter: '30m' } }, now: MONDAY_0830 });
    const w = t;
    await w.say('alice', 'Team', '!standup now');
    await w.idle();
    await w.say('alice', 'dm:alice', 'Release notes, then the demo. No blockers.');
    await w.idle();
    await w.say('alice', 'dm:alice', 'also: coffee');
    await w.idle();

    await w.clock.advance('30m');
    await w.idle();
    expect(await texts(w, 'dm:bob')).toEqual([DM_QUESTIONS, NUDGE]);
    expect(await texts(w, 'dm:carol')).toEqual([DM_QUESTIONS, NUDGE]);
    expect(await texts(w, 'dm:alice')).toEqual([DM_QUESTIONS]);
    expect(await texts(w, 'Team')).toEqual([NOTE]);

    await w.say('bob', 'dm:bob', 'Support rotation');
    await w.idle();
    // `!standup answer` again replaces the answer.
    const b = await w.say('bob', 'dm:bob', '!standup answer Support rotation, then on-call handover');
    await w.idle();
    expect((await w.messages('dm:bob')).find((m) => m.nr === b)?.reactions).toEqual({ '✏️': ['bot'] });
    await w.say('bob', 'Team', '!standup status');
    await w.idle();
    expect(await w.lastReply('Team')).toBe('Standup running since 08:30 EET; summary at 10:30 EET.\nAnswered: Alice, Bob.\nWaiting for: Carol.');

    await w.clock.advance('90m');
    await w.idle();
    expect(await w.lastReply('Team')).toBe(
      'Standup summary, Mon 2 Mar:\n\nAlice:\nRelease notes, then the demo. No blockers.\n\nBob:\nSupport rotation, then on-call handover\n\nNo answer from Carol.',
    );
    await w.say('carol', 'dm:carol', 'Sorry, late: planning');
    await w.idle();
    expect(await texts(w, 'dm:carol')).toEqual([DM_QUESTIONS, NUDGE]);
    expect((await w.messages('dm:carol')).at(-1)?.reactions ?? {}).toEqual({});
  });

  it('loses no answer when the bot restarts mid-standup', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'standup-dm-'));
    const config = { standup: { collect: 'dm' } };
    let second: Bot | undefined;
    try {
      const file = path.join(dir, 'bot.db');
      t = await createTestBot({ plugins: [standup], config, now: MONDAY_0830, bot: { store: new SqliteStore({ path: file }) } });
      await t.say('alice', 'Team', '!standup now');
      await t.idle();
      await t.say('alice', 'dm:alice', 'Before the restart');
      await t.idle();
      await t.bot.stop();

      await t.clock.advance('5m');
      second = new Bot({ server: t.sandbox.url, email: 'bot@example.com', password: 'demo', clock: t.clock, store: new SqliteStore({ path: file }), outbound: { rates: false } });
      await second.plugin([standup], config);
      await second.start();
      await t.say('bob', 'dm:bob', 'After the restart');
      await second.idle();
      expect((await t.messages('dm:bob')).at(-1)?.reactions).toEqual({ '✅': ['bot'] });
      await t.clock.advance('2h');
      await second.idle();
      expect(await t.lastReply('Team')).toBe('Standup summary, Mon 2 Mar:\n\nAlice:\nBefore the restart\n\nBob:\nAfter the restart\n\nNo answer from Carol.');
      expect((await texts(t, 'dm:carol')).filter((x) => x.startsWith('A friendly nudge'))).toHaveLength(1);
    } finally {
      await second?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects an unknown collect mode, naming the choices', () => {
    const res = StandupConfig.safeParse({ collect: 'email' });
    expect(res.success).toBe(false);
    expect(res.error?.issues[0]?.message).toBe(`expected 'team' (or 'thread') or 'dm', got "email"`);
    expect(StandupConfig.parse({}).collect).toBe('team');
  });
});
