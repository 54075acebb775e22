/**
 * The promise an effect helper returns, as handlers rely on it: awaited, it settles when the
 * effect is sent (with the new message's number) or rejects when Fleep refuses it for good; not
 * awaited, a refused effect is dead-lettered and logged without an unhandled rejection.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DeadLetterError, definePlugin, type EffectResult } from 'fleepkit';
import { createTestBot, type TestBot } from 'fleepkit/testing';

/** A conversation id the sandbox does not know: Fleep refuses sends to it. */
const NOWHERE = '00000000-0000-4000-8000-00000000dead';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('effect promises', () => {
  it('awaited: resolve with the sent message number, or reject with DeadLetterError when refused', async () => {
    const seen: Array<EffectResult | string> = [];
    const plugin = definePlugin({
      name: 'awaits',
      setup(bot) {
        bot.command('both', async (ctx) => {
          seen.push(await ctx.reply('first'));
          try {
            await ctx.send(NOWHERE, 'lost');
          } catch (error) {
            seen.push(error instanceof DeadLetterError ? 'dead letter' : String(error));
          }
          seen.push(await ctx.reply('after'));
        });
      },
    });
    t = await createTestBot({ plugins: [plugin] });
    await t.say('alice', 'Team', '!both');
    await t.idle();
    const replies = await t.replies('Team');
    expect(replies.map((m) => m.text)).toEqual(['first', 'after']);
    expect(seen).toEqual([{ messageNr: replies[0]!.nr, response: expect.anything() }, 'dead letter', { messageNr: replies[1]!.nr, response: expect.anything() }]);
    expect((await t.store.deadLetters('effect')).map((d) => d.reason)).toEqual([expect.stringContaining('refused by Fleep')]);
  });

  it('returned, not awaited: the handler is done at once and a refused effect does not fail the event', async () => {
    const order: string[] = [];
    const plugin = definePlugin({
      name: 'returns',
      setup(bot) {
        bot.use(async (_ctx, next) => {
          const sends = (): number => t!.sandbox.ledger.list('message/send').length;
          const before = sends();
          await next();
          // The reply is not sent yet: it goes out with the event's commit, after this.
          order.push(`middleware done, ${sends() - before} sent meanwhile`);
        });
        bot.command('hi', (ctx) => ctx.reply('hello'));
        bot.command('lost', (ctx) => ctx.send(NOWHERE, 'lost'));
      },
    });
    t = await createTestBot({ plugins: [plugin] });
    await t.say('alice', 'Team', '!hi');
    await t.say('alice', 'Team', '!lost');
    await t.idle();
    expect(order).toEqual(['middleware done, 0 sent meanwhile', 'middleware done, 0 sent meanwhile']);
    expect(await t.lastReply('Team')).toBe('hello');
    expect(await t.store.deadLetters('event')).toEqual([]);
    expect(await t.store.deadLetters('effect')).toHaveLength(1);
  });

  it('not awaited: a refused effect is dead-lettered, the other effects of the event still go out', async () => {
    const plugin = definePlugin({
      name: 'fire-and-forget',
      setup(bot) {
        bot.command('go', (ctx) => {
          void ctx.send(NOWHERE, 'lost');
          void ctx.reply('sent anyway');
        });
      },
    });
    t = await createTestBot({ plugins: [plugin] });
    await t.say('alice', 'Team', '!go');
    await t.idle();
    expect(await t.lastReply('Team')).toBe('sent anyway');
    expect(await t.store.deadLetters('effect')).toHaveLength(1);
  });
});
