/**
 * What an effect helper returns, as handlers rely on it: the effect is queued in the event's
 * unit of work when the helper returns — the same whether the handler is `async`, returns the
 * helper's result or ignores it — and `delivered()` is the one explicit way to wait for Fleep's
 * answer. A failing plugin's queued effects are dropped with the rest of its work on the event.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DeadLetterError, definePlugin, EffectDroppedError, type Context, type EffectResult, type QueuedEffect } from 'fleepkit';
import { createTestBot, type TestBot } from 'fleepkit/testing';
import { instrumentBot, ObservedClient } from '../../src/cli/bot-metrics.js';
import { createMetrics } from '../../src/util/metrics.js';

/** A conversation id the sandbox does not know: Fleep refuses sends to it. */
const NOWHERE = '00000000-0000-4000-8000-00000000dead';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('effect helpers', () => {
  const variants: Array<[string, (ctx: Context) => unknown]> = [
    ['async (ctx) => ctx.send(x)', async (ctx) => ctx.send(NOWHERE, 'lost')],
    ['(ctx) => ctx.send(x)', (ctx) => ctx.send(NOWHERE, 'lost')],
  ];
  it.each(variants)('%s with a send Fleep refuses: one effect dead letter, the event handled once, its lane not held for the send', async (_name, handler) => {
    let calls = 0;
    const deadLettersWhenHandled: string[] = [];
    const plugin = definePlugin({
      name: 'refused',
      setup(bot) {
        bot.use(async (ctx, next) => {
          try {
            await next();
          } finally {
            // The handling of !lost is over before its send is even tried: nothing refused yet.
            deadLettersWhenHandled.push(`${ctx.text}: ${t!.bot.outbound.stats().deadLetters}`);
          }
        });
        bot.command('lost', (ctx) => {
          calls++;
          return handler(ctx);
        });
        bot.command('hi', (ctx) => ctx.reply('hello'));
      },
    });
    t = await createTestBot({ plugins: [plugin] });
    await t.say('alice', 'Team', '!lost');
    await t.say('alice', 'Team', '!hi');
    await t.idle();
    expect(calls).toBe(1);
    expect(deadLettersWhenHandled[0]).toBe('!lost: 0');
    expect(await t.store.deadLetters('event')).toEqual([]);
    expect((await t.store.deadLetters('effect')).map((d) => d.reason)).toEqual([expect.stringContaining('refused by Fleep')]);
    expect(await t.lastReply('Team')).toBe('hello');
  });

  it('delivered(): resolves with the sent message number, or rejects with DeadLetterError when refused', async () => {
    const seen: Array<EffectResult | string> = [];
    const plugin = definePlugin({
      name: 'awaits',
      setup(bot) {
        bot.command('both', async (ctx) => {
          seen.push(await ctx.reply('first').delivered());
          try {
            await ctx.send(NOWHERE, 'lost').delivered();
          } catch (error) {
            seen.push(error instanceof DeadLetterError ? 'dead letter' : String(error));
          }
          seen.push(await ctx.reply('after').delivered());
        });
      },
    });
    t = await createTestBot({ plugins: [plugin] });
    await t.say('alice', 'Team', '!both');
    await t.idle();
    const replies = await t.replies('Team');
    expect(replies.map((m) => m.text)).toEqual(['first', 'after']);
    expect(seen).toEqual([{ messageNr: replies[0]!.nr, response: expect.anything() }, 'dead letter', { messageNr: replies[1]!.nr, response: expect.anything() }]);
    expect(await t.store.deadLetters('event')).toEqual([]);
  });

  it("a failing plugin: its queued effects are dropped, those it awaited with delivered() stay (sent once), other plugins' go out", async () => {
    const queued: QueuedEffect[] = [];
    const failing = definePlugin({
      name: 'failing',
      setup(bot) {
        bot.command('go', async (ctx) => {
          await ctx.reply('awaited before failing').delivered();
          queued.push(ctx.reply('queued before failing'));
          throw new Error('boom');
        });
      },
    });
    const steady = definePlugin({
      name: 'steady',
      setup(bot) {
        bot.on('message.new', (ctx) => ctx.reply(`steady: ${ctx.text}`));
      },
    });
    t = await createTestBot({ plugins: [failing, steady] });
    await t.say('alice', 'Team', '!go');
    await t.idle();
    expect((await t.replies('Team')).map((m) => m.text)).toEqual(['awaited before failing', 'steady: !go']);
    expect((await t.store.deadLetters('event')).map((d) => d.reason)).toEqual([expect.stringContaining('boom')]);
    // Three attempts queued it three times under one id; none of them was committed.
    expect(new Set(queued.map((q) => q.id)).size).toBe(1);
    expect(queued).toHaveLength(3);
    for (const q of queued) await expect(q.delivered()).rejects.toBeInstanceOf(EffectDroppedError);
  });

  it('dead letters of both kinds are counted in fleepkit_dead_letters_total', async () => {
    const plugin = definePlugin({
      name: 'unlucky',
      setup(bot) {
        bot.command('crash', () => {
          throw new Error('always');
        });
        bot.command('lost', (ctx) => ctx.send(NOWHERE, 'lost'));
      },
    });
    t = await createTestBot({ plugins: [plugin], start: false });
    const metrics = instrumentBot(t.bot, new ObservedClient({ baseUrl: t.sandbox.url, clock: t.clock }), createMetrics(), t.clock);
    await t.bot.start();
    await t.say('alice', 'Team', '!crash');
    await t.say('alice', 'Team', '!lost');
    await t.idle();
    const text = await metrics.render();
    expect(text).toContain('fleepkit_dead_letters_total{kind="event"} 1');
    expect(text).toContain('fleepkit_dead_letters_total{kind="outbound"} 1');
    expect(await t.store.deadLetters('event')).toHaveLength(1);
  });
});
