import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Bot, SqliteStore } from 'fleepkit';
import { createTestBot, type TestBot } from 'fleepkit/testing';
import reminders from './index.js';

// Monday 2 March 2026, 10:00 in Tallinn (UTC+2).
const MONDAY_10 = '2026-03-02T08:00:00Z';

let t: TestBot | undefined;
let extra: Bot | undefined;
afterEach(async () => {
  await extra?.stop();
  extra = undefined;
  await t?.close();
  t = undefined;
});

async function world(config: Record<string, unknown> = {}): Promise<TestBot> {
  t = await createTestBot({ plugins: [reminders], config: { reminders: config }, now: MONDAY_10 });
  return t;
}

const texts = async (w: TestBot, conv: string): Promise<string[]> => (await w.replies(conv)).map((m) => m.text);

describe('reminders: !remind', () => {
  it('reminds me in 10 minutes, mentioning me in the same conversation, once', async () => {
    const w = await world();
    await w.say('alice', 'Team', '!remind me in 10 minutes to check the build');
    await w.idle();
    expect(await w.lastReply('Team')).toBe("OK, I'll remind you on Mon 2 Mar, 10:10 EET: check the build (#1).");

    await w.clock.advance('9m');
    await w.idle();
    expect(await texts(w, 'Team')).toHaveLength(1);

    await w.clock.advance('1m');
    await w.idle();
    expect(await w.lastReply('Team')).toBe('@alice ⏰ Reminder: check the build');

    await w.clock.advance('1d');
    await w.idle();
    expect((await texts(w, 'Team')).filter((x) => x.includes('⏰'))).toHaveLength(1);
    // Fired one-offs leave the list.
    await w.say('alice', 'Team', '!reminders');
    await w.idle();
    expect(await w.lastReply('Team')).toMatch(/^No reminders here/);
  });

  it('reminds the whole conversation tomorrow at 9:00 in the configured time zone', async () => {
    const w = await world({ timezone: 'Europe/Tallinn' });
    await w.say('bob', 'Team', '!remind here tomorrow at 9:00 to deploy');
    await w.idle();
    expect(await w.lastReply('Team')).toBe("OK, I'll remind everyone here on Tue 3 Mar, 09:00 EET: deploy (#1).");
    // 09:00 Tallinn is 07:00 UTC: 23 hours from now.
    await w.clock.advance(23 * 3_600_000 - 60_000);
    await w.idle();
    expect(await w.lastReply('Team')).not.toContain('⏰');
    await w.clock.advance('1m');
    await w.idle();
    expect(await w.lastReply('Team')).toBe('⏰ Reminder: deploy');
  });

  it("reads times in the asker's own zone when configured", async () => {
    const w = await world({ timezones: { 'carol@example.com': 'UTC' } });
    await w.say('carol', 'Team', '!remind me tomorrow at 9:00 to call the bank');
    await w.idle();
    // 09:00 UTC, shown in carol's zone.
    expect(await w.lastReply('Team')).toBe("OK, I'll remind you on Tue 3 Mar, 09:00 UTC: call the bank (#1).");
    await w.clock.advance(25 * 3_600_000 - 60_000);
    await w.idle();
    expect(await w.lastReply('Team')).not.toContain('⏰');
    await w.clock.advance('1m');
    await w.idle();
    expect(await w.lastReply('Team')).toBe('@carol ⏰ Reminder: call the bank');
  });

  it('reminds @bob every monday at 10:00, from alice, every week until cancelled', async () => {
    const w = await world();
    await w.say('alice', 'Team', '!remind @bob every monday at 10:00 to send the report');
    await w.idle();
    expect(await w.lastReply('Team')).toBe("OK, I'll remind Bob every Monday at 10:00: send the report (#1).");

    await w.clock.advance('7d');
    await w.idle();
    expect(await w.lastReply('Team')).toBe('@bob ⏰ Reminder from Alice: send the report');
    await w.clock.advance('7d');
    await w.idle();
    expect((await texts(w, 'Team')).filter((x) => x.includes('⏰'))).toHaveLength(2);

    await w.say('alice', 'Team', '!reminders');
    await w.idle();
    expect(await w.lastReply('Team')).toBe('Reminders here:\n#1 every Monday at 10:00 (next Mon 23 Mar, 10:00 EET) — Bob: send the report');

    await w.say('bob', 'Team', '!reminders cancel 1');
    await w.idle();
    expect(await w.lastReply('Team')).toBe('Cancelled #1: send the report.');
    await w.clock.advance('7d');
    await w.idle();
    expect((await texts(w, 'Team')).filter((x) => x.includes('⏰'))).toHaveLength(2);
  });

  it('understands "every weekday at 9" and "every 2 hours"', async () => {
    const w = await world();
    await w.say('alice', 'Team', '!remind here every weekday at 9 to stand up');
    await w.say('bob', 'Team', '!remind me to drink water every 2 hours');
    await w.idle();
    const replies = await texts(w, 'Team');
    expect(replies).toContain("OK, I'll remind everyone here every weekday at 09:00: stand up (#1).");
    expect(replies).toContain("OK, I'll remind you every 2 hours: drink water (#2).");
    // Tuesday 09:00 Tallinn is 23 h away; the water reminder fires 11 times meanwhile.
    await w.clock.advance('23h');
    await w.idle();
    const fired = (await texts(w, 'Team')).filter((x) => x.includes('⏰'));
    expect(fired.filter((x) => x.includes('stand up'))).toEqual(['⏰ Reminder: stand up']);
    expect(fired.filter((x) => x.includes('drink water'))).toHaveLength(11);
  });

  it('answers in a direct conversation without a prefix or a mention', async () => {
    const w = await world();
    await w.say('alice', 'dm:alice', 'remind me in 5 minutes to stretch');
    await w.idle();
    expect(await w.lastReply('dm:alice')).toBe("OK, I'll remind you on Mon 2 Mar, 10:05 EET: stretch (#1).");
    await w.clock.advance('5m');
    await w.idle();
    expect(await w.lastReply('dm:alice')).toBe('⏰ Reminder: stretch');
    expect(await w.replies('Team')).toEqual([]);
  });

  it('answers what it cannot read with examples', async () => {
    const w = await world();
    await w.say('alice', 'Team', '!remind me sometime to do things');
    await w.idle();
    expect(await w.lastReply('Team')).toBe(
      'I could not tell when. Try for example:\n!remind me in 10 minutes to check the build\n!remind here tomorrow at 9:00 to deploy\n!remind @bob every monday at 10:00 to send the report',
    );
    await w.say('bob', 'Team', '!remind the team in 5 minutes to x');
    await w.say('carol', 'Team', '!remind');
    await w.say('carol', 'Team', '!remind me in 10 minutes');
    await w.idle();
    const replies = await texts(w, 'Team');
    expect(replies[1]).toMatch(/^Start with who to remind: "me", "here" or "@someone" \(got "the"\)\. Try for example:/);
    expect(replies[2]).toMatch(/^Start with who to remind/);
    expect(replies[3]).toMatch(/^What should I remind about\?/);
  });
});

describe('reminders: list and cancel', () => {
  it('lists id, when and what, soonest first, and only lets the owner or the target cancel', async () => {
    const w = await world();
    await w.say('alice', 'Team', '!remind here tomorrow at 9:00 to deploy');
    await w.say('alice', 'Team', '!remind me in 1 hour to eat');
    await w.idle();
    await w.say('bob', 'Team', '!reminders');
    await w.idle();
    expect(await w.lastReply('Team')).toBe('Reminders here:\n#2 Mon 2 Mar, 11:00 EET — Alice: eat\n#1 Tue 3 Mar, 09:00 EET — here: deploy');

    await w.say('carol', 'Team', '!reminders cancel 2');
    await w.say('carol', 'Team', '!reminders cancel 9');
    await w.say('carol', 'Team', '!reminders cancel');
    await w.idle();
    const replies = await texts(w, 'Team');
    expect(replies.slice(-3)).toEqual([
      'Only Alice can cancel #2.',
      'There is no reminder #9 here; !reminders lists them.',
      'Which one? Say !reminders cancel <id>, with the id from !reminders (e.g. !reminders cancel 3).',
    ]);

    await w.say('alice', 'Team', '!reminders cancel #2');
    await w.idle();
    expect(await w.lastReply('Team')).toBe('Cancelled #2: eat.');
    await w.clock.advance('2h');
    await w.idle();
    expect((await texts(w, 'Team')).some((x) => x.includes('⏰'))).toBe(false);
  });

  it('keeps lists per conversation', async () => {
    const w = await world();
    await w.say('alice', 'Team', '!remind here tomorrow at 9:00 to deploy');
    await w.say('alice', 'dm:alice', 'reminders');
    await w.idle();
    expect(await w.lastReply('dm:alice')).toMatch(/^No reminders here/);
  });
});

describe('reminders: persistence', () => {
  it('survives a restart and says a late reminder is late', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'reminders-'));
    try {
      const file = path.join(dir, 'bot.db');
      t = await createTestBot({ plugins: [reminders], now: MONDAY_10, bot: { store: new SqliteStore({ path: file }) } });
      await t.say('alice', 'Team', '!remind me in 10 minutes to check the build');
      await t.idle();
      await t.bot.stop();

      // Down for two hours; a new process on the same database.
      await t.clock.advance('2h');
      extra = new Bot({ server: t.sandbox.url, email: 'bot@example.com', password: 'demo', clock: t.clock, store: new SqliteStore({ path: file }), outbound: { rates: false } });
      await extra.plugin([reminders], {});
      await extra.start();
      await extra.idle();
      expect(await t.lastReply('Team')).toBe('@alice ⏰ Reminder: check the build (1h 50m late, sorry: I was not running)');
      await t.clock.advance('1d');
      await extra.idle();
      expect((await texts(t, 'Team')).filter((x) => x.includes('⏰'))).toHaveLength(1);
    } finally {
      await extra?.stop();
      extra = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
