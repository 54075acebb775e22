import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Bot, SqliteStore } from 'fleepkit';
import { createTestBot, type TestBot } from 'fleepkit/testing';
import standup from './index.js';

// Monday 2 March 2026, 08:30 in Tallinn (UTC+2): the 09:00 standup is 30 minutes away.
const MONDAY_0830 = '2026-03-02T06:30:00Z';
const QUESTIONS =
  "Good morning! Time for the standup.\n1. What did you do yesterday?\n2. What will you do today?\n3. Is anything blocking you?\nAnswer here in one message (or with !standup answer …). I'll post the summary at ";

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function world(config: Record<string, unknown> = {}): Promise<TestBot> {
  t = await createTestBot({ plugins: [standup], config: { standup: config }, now: MONDAY_0830 });
  return t;
}

const texts = async (w: TestBot, conv: string): Promise<string[]> => (await w.replies(conv)).map((m) => m.text);

describe('standup: !standup now and answers', () => {
  it('asks, collects next messages and !standup answer, and posts the summary when everyone answered', async () => {
    const w = await world();
    await w.say('alice', 'Team', '!standup now');
    await w.idle();
    expect(await w.lastReply('Team')).toBe(`${QUESTIONS}10:30 EET or when everyone has answered.`);

    const a = await w.say('alice', 'Team', 'Fixed the login bug; today the release; no blockers');
    const b = await w.say('bob', 'Team', '!standup answer Reviewed PRs, writing docs, waiting for design');
    await w.idle();
    const msgs = await w.messages('Team');
    expect(msgs.find((m) => m.nr === a)?.reactions).toEqual({ '✅': ['bot'] });
    expect(msgs.find((m) => m.nr === b)?.reactions).toEqual({ '✅': ['bot'] });

    await w.say('carol', 'Team', '!standup status');
    await w.idle();
    expect(await w.lastReply('Team')).toBe('Standup running since 08:30 EET; summary at 10:30 EET.\nAnswered: Alice, Bob.\nWaiting for: Carol.');

    await w.say('carol', 'Team', 'Holiday prep. Nothing blocking.');
    await w.idle();
    expect(await w.lastReply('Team')).toBe(
      'Standup summary, Mon 2 Mar:\n\nAlice:\nFixed the login bug; today the release; no blockers\n\nBob:\nReviewed PRs, writing docs, waiting for design\n\nCarol:\nHoliday prep. Nothing blocking.',
    );

    // Done: later chatter is not an answer, and the window's end posts nothing more.
    await w.say('alice', 'Team', 'lunch?');
    await w.clock.advance('3h');
    await w.idle();
    expect((await texts(w, 'Team')).filter((x) => x.startsWith('Standup summary'))).toHaveLength(1);
    await w.say('bob', 'Team', '!standup now');
    await w.idle();
    expect(await w.lastReply('Team')).toMatch(/^Good morning!/);
  });

  it('nudges who has not answered, then closes the window naming them', async () => {
    const w = await world({ window: '2h', nudgeAfter: '30m' });
    await w.say('alice', 'Team', '!standup now');
    await w.idle();
    await w.say('alice', 'Team', 'Release notes, then the demo. No blockers.');
    await w.say('alice', 'Team', 'also: coffee');
    await w.idle();

    await w.clock.advance('30m');
    await w.idle();
    expect(await w.lastReply('Team')).toBe('@bob @carol a friendly nudge: the standup is waiting for your answer (summary at 10:30 EET).');

    await w.say('bob', 'Team', '!standup answer Support rotation');
    await w.idle();
    await w.say('bob', 'Team', '!standup answer Support rotation, then on-call handover');
    await w.idle();
    await w.clock.advance('90m');
    await w.idle();
    expect(await w.lastReply('Team')).toBe(
      'Standup summary, Mon 2 Mar:\n\nAlice:\nRelease notes, then the demo. No blockers.\n\nBob:\nSupport rotation, then on-call handover\n\nNo answer from Carol.',
    );
    expect((await texts(w, 'Team')).filter((x) => x.includes('nudge'))).toHaveLength(1);
  });

  it('asks only the configured participants', async () => {
    const w = await world({ participants: ['bob@example.com'], questions: ['What is your focus today?'] });
    await w.say('alice', 'Team', '!standup now');
    await w.idle();
    expect(await w.lastReply('Team')).toMatch(/^Good morning! Time for the standup.\n1. What is your focus today\?\n/);
    await w.say('alice', 'Team', 'I am not asked');
    await w.say('bob', 'Team', 'The migration');
    await w.idle();
    expect(await w.lastReply('Team')).toBe('Standup summary, Mon 2 Mar:\n\nBob:\nThe migration');
  });

  it('refuses in a direct conversation and when one is already running', async () => {
    const w = await world();
    await w.say('alice', 'dm:alice', 'standup now');
    await w.say('alice', 'Team', '!standup now');
    await w.idle();
    await w.say('bob', 'Team', '!standup now');
    await w.idle();
    expect(await w.lastReply('dm:alice')).toBe('Standups happen in a team conversation: say !standup there.');
    expect(await w.lastReply('Team')).toBe('A standup is already running here; !standup status shows who has answered.');
  });
});

describe('standup: on a schedule', () => {
  it('runs at 09:00 on weekdays in conversations named by topic, skipping holidays', async () => {
    const w = await world({ conversations: ['Daily'], holidays: ['2026-03-03'], window: '1h' });
    await w.createConversation('alice', 'Daily', ['bob', 'carol']);
    await w.idle();

    await w.clock.advance('30m');
    await w.idle();
    expect(await w.lastReply('Daily')).toBe(`${QUESTIONS}10:00 EET or when everyone has answered.`);
    await w.clock.advance('1h');
    await w.idle();
    expect(await w.lastReply('Daily')).toBe('Standup summary, Mon 2 Mar:\n\nNobody answered.');

    await w.say('bob', 'Daily', '!standup status');
    await w.idle();
    expect(await w.lastReply('Daily')).toBe('No standup running. Next one: Wed 4 Mar at 09:00 EET.');

    // Tuesday is a holiday; Wednesday asks again.
    await w.clock.advance('1d');
    await w.idle();
    expect((await texts(w, 'Daily')).filter((x) => x.startsWith('Good morning'))).toHaveLength(1);
    await w.clock.advance('1d');
    await w.idle();
    expect((await texts(w, 'Daily')).filter((x) => x.startsWith('Good morning'))).toHaveLength(2);
    expect(await w.replies('Team')).toEqual([]);
  });

  it('!standup here schedules it in this conversation; !standup skip skips the next one', async () => {
    const w = await world();
    await w.say('alice', 'Team', '!standup status');
    await w.say('alice', 'Team', '!standup here');
    await w.say('alice', 'Team', '!standup skip');
    await w.idle();
    expect(await texts(w, 'Team')).toEqual([
      'No standups are scheduled here. !standup now starts one; !standup here schedules them here.',
      'Standups will run here, next on Mon 2 Mar at 09:00 EET.',
      "OK, I'll skip the next standup here (Mon 2 Mar).",
    ]);
    await w.clock.advance('30m');
    await w.idle();
    expect((await texts(w, 'Team')).some((x) => x.startsWith('Good morning'))).toBe(false);
    await w.clock.advance('1d');
    await w.idle();
    expect(await w.lastReply('Team')).toMatch(/^Good morning!/);

    // Skipping a running standup ends it without a summary.
    await w.say('bob', 'Team', 'Deploys');
    await w.say('alice', 'Team', '!standup skip');
    await w.idle();
    expect(await w.lastReply('Team')).toBe('OK, this standup is skipped: no summary today.');
    await w.clock.advance('3h');
    await w.idle();
    expect((await texts(w, 'Team')).some((x) => x.startsWith('Standup summary'))).toBe(false);
  });
});

describe('standup: restarts', () => {
  it('loses no answer when the bot restarts mid-standup', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'standup-'));
    let second: Bot | undefined;
    try {
      const file = path.join(dir, 'bot.db');
      t = await createTestBot({ plugins: [standup], now: MONDAY_0830, bot: { store: new SqliteStore({ path: file }) } });
      await t.say('alice', 'Team', '!standup now');
      await t.idle();
      await t.say('alice', 'Team', 'Before the restart');
      await t.idle();
      await t.bot.stop();

      await t.clock.advance('5m');
      second = new Bot({ server: t.sandbox.url, email: 'bot@example.com', password: 'demo', clock: t.clock, store: new SqliteStore({ path: file }), outbound: { rates: false } });
      await second.plugin([standup], {});
      await second.start();
      await t.say('bob', 'Team', 'After the restart');
      await second.idle();
      await t.clock.advance('2h');
      await second.idle();
      expect(await t.lastReply('Team')).toBe(
        'Standup summary, Mon 2 Mar:\n\nAlice:\nBefore the restart\n\nBob:\nAfter the restart\n\nNo answer from Carol.',
      );
    } finally {
      await second?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
