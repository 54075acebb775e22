import { afterEach, describe, expect, it } from 'vitest';
import { arg, definePlugin } from 'fleepkit';
import { createTestBot, type TestBot } from 'fleepkit/testing';

const echo = definePlugin({
  name: 'echo',
  setup(bot) {
    bot.command('echo', { description: 'Says it back', args: { text: arg.rest() } }, (ctx) => ctx.reply(ctx.args.text));
    bot.hears(/\bthanks\b/i, (ctx) => ctx.react('👍'));
    bot.reaction('📌', (ctx) => ctx.pin());
    bot.cron('0 9 * * *', { name: 'morning', tz: 'Europe/Tallinn' }, async (ctx) => {
      const team = (await ctx.deps.store.get<string>('test', 'team')) ?? '';
      await ctx.send(team, 'Good morning!');
    });
  },
});

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('createTestBot', () => {
  it('drives a plugin like the demo team would: commands, listeners, reactions', async () => {
    t = await createTestBot({ plugins: [echo] });
    await t.say('alice', 'Team', '!echo hello *world*');
    const thanks = await t.say('bob', 'Team', 'thanks for that');
    await t.idle();
    expect(await t.lastReply('Team')).toBe('hello world');
    const msgs = await t.messages('Team');
    expect(msgs.find((m) => m.nr === thanks)?.reactions).toEqual({ '👍': ['bot'] });

    await t.react('carol', 'Team', thanks, '📌');
    await t.idle();
    expect((await t.messages('Team')).find((m) => m.nr === thanks)?.isPinned).toBe(true);
    expect(await t.transcript('Team')).toContain('bob: thanks for that  [📌; 👍 bot; 📌 carol]');
  });

  it('moves time with the manual clock and fires cron jobs once', async () => {
    t = await createTestBot({ plugins: [echo], now: '2026-03-02T06:30:00Z' });
    await t.store.set('test', 'team', await t.conversation('Team'));
    await t.clock.advance('1h');
    await t.idle();
    expect((await t.replies('Team')).map((m) => m.text)).toEqual(['Good morning!']);
    await t.clock.advance('1h');
    await t.idle();
    expect((await t.replies('Team')).map((m) => m.text)).toEqual(['Good morning!']);
  });

  it('reports a message as edited only when its text changed, not when it was reacted to, pinned or tasked', async () => {
    t = await createTestBot({ plugins: [echo] });
    const reacted = await t.say('bob', 'Team', 'reacted to');
    const pinned = await t.say('bob', 'Team', 'pinned');
    const edited = await t.say('bob', 'Team', 'typo');
    await t.react('carol', 'Team', reacted, '🎉');
    await t.store_('alice', 'Team', pinned, { tags: ['pin'] });
    await t.edit('bob', 'Team', edited, 'fixed');
    await t.idle();
    const byNr = new Map((await t.messages('Team')).map((m) => [m.nr, m]));
    expect(byNr.get(reacted)).toMatchObject({ reactions: { '🎉': ['carol'] }, edited: false });
    expect(byNr.get(pinned)).toMatchObject({ isPinned: true, edited: false });
    expect(byNr.get(edited)).toMatchObject({ text: 'fixed', edited: true });
  });

  it('answers in the direct conversation without a prefix', async () => {
    t = await createTestBot({ plugins: [echo] });
    await t.say('alice', 'dm:alice', 'echo just us');
    await t.idle();
    expect(await t.lastReply('dm:alice')).toBe('just us');
  });
});
