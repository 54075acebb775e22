/**
 * A stuck handler does not stall other conversations; a throwing handler is retried,
 * dead-lettered after 3 attempts, and does not stop the bot; stop() aborts a
 * held poll at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { definePlugin } from '../../src/pipeline/plugin.js';
import { Bot } from '../../src/runtime/bot.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { ManualClock } from '../../src/util/clock.js';
import { sandboxMessages, sendMany, world } from './world.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('handler isolation', () => {
  it('a handler that never resolves stalls only its own conversation until its deadline', async () => {
    const w = await world(3);
    cleanups.push(() => w.close());
    const clock = new ManualClock();
    const store = new MemoryStore({ clock });
    const bot = new Bot({ server: w.sandbox.url, email: 'bot@example.com', password: 'demo', store, clock, handlerTimeoutMs: 60_000, outbound: { rates: false } });
    const [stuckConv, ...others] = w.conversations as [string, ...string[]];
    const handled: string[] = [];
    bot.on('message.new', async (ctx) => {
      if (ctx.conversationId === stuckConv && ctx.text === 'hang') await new Promise(() => undefined);
      handled.push(`${ctx.conversationId}:${ctx.text}`);
      await ctx.reply(`ok ${ctx.text}`);
    });
    cleanups.push(() => bot.stop());
    await bot.start();
    await w.people[0]!.sendMessage(stuckConv, 'hang');
    await w.people[0]!.sendMessage(stuckConv, 'after the hang');
    for (const conv of others) await w.people[1]!.sendMessage(conv, 'hello');
    // Other conversations are answered while the stuck handler is still waiting.
    await waitUntil(async () => (await Promise.all(others.map(async (c) => (await sandboxMessages(w.sandbox.url, c)).some((m) => m.text === 'ok hello')))).every(Boolean));
    expect(handled).not.toContain(`${stuckConv}:after the hang`);
    // The deadline passes: the stuck event is dead-lettered and its conversation moves on.
    await clock.advance('61s');
    await bot.idle();
    expect(handled).toContain(`${stuckConv}:after the hang`);
    const dead = await store.deadLetters('event');
    expect(dead).toHaveLength(1);
    expect(dead[0]!.reason).toMatch(/did not finish within 60000 ms/);
  });

  it('a throwing handler is tried 3 times, dead-lettered, and the bot and other plugins keep going', async () => {
    const w = await world(1);
    cleanups.push(() => w.close());
    const store = new MemoryStore();
    const bot = new Bot({ server: w.sandbox.url, email: 'bot@example.com', password: 'demo', store, outbound: { rates: false } });
    const attempts = new Map<string, number>();
    const errors: unknown[] = [];
    bot.catch((error) => {
      errors.push(error);
    });
    bot.on('message.new', async (ctx) => {
      attempts.set(ctx.text, (attempts.get(ctx.text) ?? 0) + 1);
      if (ctx.text === 'poison') throw new Error('boom');
      await ctx.reply(`ok ${ctx.text}`);
    });
    await bot.plugin(
      definePlugin({
        name: 'witness',
        setup(b) {
          b.on('message.new', (ctx) => ctx.reply(`seen ${ctx.text}`));
        },
      }),
    );
    cleanups.push(() => bot.stop());
    await bot.start();
    const conv = w.conversations[0]!;
    await w.people[0]!.sendMessage(conv, 'poison');
    await w.people[0]!.sendMessage(conv, 'fine');
    await bot.idle();
    expect(attempts.get('poison')).toBe(3);
    expect(attempts.get('fine')).toBe(1);
    expect(errors).toHaveLength(3);
    expect((await store.deadLetters('event')).map((d) => d.reason)).toEqual([expect.stringContaining('boom')]);
    const texts = (await sandboxMessages(w.sandbox.url, conv)).map((m) => m.text);
    expect(texts).toContain('ok fine');
    // The plugin that did not fail answered the poison message, once.
    expect(texts.filter((t) => t === 'seen poison')).toHaveLength(1);
  });

  it('stop() aborts a held long poll at once, then drains the handlers and replies in flight', async () => {
    // The sandbox holds a poll for an hour: only an abort ends it.
    const w = await world(1, 3_600_000);
    cleanups.push(() => w.close());
    const [conv] = w.conversations as [string];
    const botId = w.sandbox.accounts['bot@example.com']!;
    const bot = new Bot({ server: w.sandbox.url, email: 'bot@example.com', password: 'demo', outbound: { rates: false } });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let started = 0;
    bot.on('message.new', async (ctx) => {
      started++;
      await gate;
      await ctx.reply(`pong ${ctx.text}`);
    });
    cleanups.push(() => bot.stop());
    await bot.start();
    await sendMany(w, 3, 1);
    // The first handler waits at the gate, two more events are queued behind it, and the bot
    // already holds its next poll.
    await waitUntil(async () => started === 1 && w.sandbox.state.streams.waitingFor(botId) === 1);

    const stopped = bot.stop();
    // At once: the held poll is released while the handlers are still waiting at the gate.
    await waitUntil(async () => w.sandbox.state.streams.waitingFor(botId) === 0);
    expect(started).toBe(1);
    expect((await sandboxMessages(w.sandbox.url, conv)).filter((m) => m.text.startsWith('pong'))).toEqual([]);

    // Then the drain: every queued event is handled and every reply sent before stop() resolves.
    open();
    await stopped;
    expect(bot.isRunning).toBe(false);
    expect((await sandboxMessages(w.sandbox.url, conv)).map((m) => m.text).filter((t) => t.startsWith('pong'))).toEqual(['pong msg 0', 'pong msg 1', 'pong msg 2']);
  });
});

/** Polls a condition on the event loop (no fixed sleep: each check yields one macrotask). */
async function waitUntil(check: () => Promise<boolean>, limit = 10_000): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (await check()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error('condition never became true');
}
