import { afterEach, describe, expect, it } from 'vitest';
import { createTestBot, type TestBot } from 'fleepkit/testing';
import kudos from './kudos.js';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('kudos (the README plugin tour)', () => {
  it('counts kudos from commands and reactions, and posts the board on Friday at 16:00', async () => {
    // Friday 6 March 2026, 15:00 in Tallinn (UTC+2).
    t = await createTestBot({ plugins: [kudos], now: '2026-03-06T13:00:00Z' });
    await t.say('alice', 'Team', '!kudos @bob for the fix');
    const nr = await t.say('carol', 'Team', 'Release notes are up');
    await t.react('bob', 'Team', nr, '🎉');
    await t.idle();
    expect(await t.lastReply('Team')).toBe('🎉 Kudos to Bob for the fix (1 so far)');

    await t.clock.advance('1h');
    await t.idle();
    expect(await t.lastReply('Team')).toBe('Kudos this week\nBob: 1\nCarol: 1');
  });

  it('gives kudos later through a persisted job, and answers bad arguments with the usage', async () => {
    t = await createTestBot({ plugins: [kudos] });
    await t.say('alice', 'Team', '!kudos-later 10m @carol');
    await t.idle();
    await t.clock.advance('10m');
    await t.idle();
    expect(await t.lastReply('Team')).toBe('🎉 Kudos to Carol (1 so far)');

    await t.say('alice', 'Team', '!kudos-later soon @carol');
    await t.idle();
    expect(await t.lastReply('Team')).toBe('Delay: expected a duration such as 10m, 1h or 2d, got "soon". Usage: !kudos-later <delay> <who>');
  });

  it('thanks back and cheers finished tasks', async () => {
    t = await createTestBot({ plugins: [kudos] });
    const nr = await t.say('alice', 'Team', 'Thanks for the review!');
    await t.store_('bob', 'Team', nr, { tags: ['is_todo'] });
    await t.store_('bob', 'Team', nr, { tags: ['is_done'] });
    await t.idle();
    expect(await t.transcript('Team')).toBe(['alice: Thanks for the review!  [done; 🙏 bot]', 'bot: ✔ Bob finished: Thanks for the review!'].join('\n'));
  });
});
