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

  it('answers in the direct conversation without a prefix', async () => {
    t = await createTestBot({ plugins: [echo] });
    await t.say('alice', 'dm:alice', 'echo just us');
    await t.idle();
    expect(await t.lastReply('dm:alice')).toBe('just us');
  });
});
