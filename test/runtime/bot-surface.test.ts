/**
 * The `Bot` registers what a plugin's `bot` can (`bot.schedule`, `bot.jobs`), reports its start
 * stages, and exposes the counters metrics read (`bot.stats()`), against the sandbox.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { START_STAGES, type StartStage } from 'fleepkit';
import { createTestBot, type TestBot } from 'fleepkit/testing';
import { ObservedClient, instrumentBot } from '../../src/cli/bot-metrics.js';
import { Bot } from '../../src/runtime/bot.js';
import { createMetrics } from '../../src/util/metrics.js';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('the Bot surface', () => {
  it('bot.schedule(name, handler) works on the Bot itself, as in a plugin, and bot.jobs is there too', async () => {
    t = await createTestBot({ start: false });
    const bot = t.bot;
    bot.command('later', { description: 'Reminds in a minute' }, async (ctx) => {
      await ctx.jobs.at('nudge', ctx.deps.clock.now() + 60_000, { conversationId: ctx.conversationId, payload: { who: ctx.sender?.displayName } });
      await ctx.reply('ok, in a minute');
    });
    bot.schedule('nudge', (ctx) => ctx.reply(`nudge for ${(ctx.event.payload as { who: string }).who}`));
    expect(typeof bot.jobs.at).toBe('function');
    await bot.start();
    await t.say('alice', 'Team', '!later');
    await t.idle();
    expect(await t.lastReply('Team')).toBe('ok, in a minute');
    await t.clock.advance('61s');
    await t.idle();
    expect(await t.lastReply('Team')).toBe('nudge for Alice');
  });

  it('announces each start stage in order, and stats() reads the running bot', async () => {
    t = await createTestBot({ start: false });
    const stages: StartStage[] = [];
    t.bot.events.on('starting', ({ stage }) => stages.push(stage));
    const handled: string[] = [];
    t.bot.events.on('handled', ({ event, durationMs }) => {
      expect(durationMs).toBeGreaterThanOrEqual(0);
      handled.push(event.type);
    });
    t.bot.command('ping', { description: 'pong' }, (ctx) => ctx.reply('pong'));
    expect(t.bot.stats()).toMatchObject({ running: false, cursor: 0 });
    await t.bot.start();
    expect(stages).toEqual([...START_STAGES]);
    await t.say('alice', 'Team', '!ping');
    await t.idle();
    const stats = t.bot.stats();
    expect(stats.running).toBe(true);
    expect(stats.cursor).toBe(t.bot.cursor);
    expect(stats.cursor).toBeGreaterThan(0);
    expect(stats.outbound.depth).toBe(0);
    expect(stats.plugins.bot).toMatchObject({ handled: 1, errors: 0 });
    expect(handled).toEqual(['message.new']);
  });
});

describe('metrics of a running bot', () => {
  it('count an event once in events_handled_total however many attempts it took, and each attempt in event_attempts_total', async () => {
    t = await createTestBot({ start: false });
    const client = new ObservedClient({ baseUrl: t.sandbox.url, clock: t.clock });
    const bot = new Bot({ client, email: 'bot@example.com', password: 'demo', clock: t.clock, outbound: { rates: false } });
    let calls = 0;
    bot.command('flaky', { description: 'fails twice' }, (ctx) => {
      if (++calls < 3) throw new Error(`attempt ${calls} fails`);
      ctx.reply('third time lucky');
    });
    const metrics = instrumentBot(bot, client, createMetrics(), t.clock);
    await bot.start();
    try {
      await t.say('alice', 'Team', '!flaky');
      await bot.idle();
      const text = await metrics.render();
      expect(calls).toBe(3);
      expect(text).toContain('fleepkit_events_handled_total{type="message.new",outcome="handled"} 1');
      expect(text).toContain('fleepkit_event_attempts_total{type="message.new"} 3');
    } finally {
      await bot.stop();
    }
  });

  it('are read from bot.stats() and bot events: events, handler time, cursor, readiness', async () => {
    t = await createTestBot({ start: false });
    const client = new ObservedClient({ baseUrl: t.sandbox.url, clock: t.clock });
    const bot = new Bot({ client, email: 'bot@example.com', password: 'demo', clock: t.clock, outbound: { rates: false } });
    bot.command('ping', { description: 'pong' }, (ctx) => ctx.reply('pong'));
    const metrics = instrumentBot(bot, client, createMetrics(), t.clock);
    expect(metrics.readiness().ready).toBe(false);
    await bot.start();
    try {
      await t.say('alice', 'Team', '!ping');
      await bot.idle();
      const text = await metrics.render();
      expect(text).toContain('fleepkit_events_handled_total{type="message.new",outcome="handled"} 1');
      expect(text).toContain('fleepkit_handler_duration_seconds_count{plugin="all"} 1');
      expect(text).toContain(`fleepkit_cursor_horizon ${bot.cursor}`);
      expect(metrics.readiness()).toEqual({ ready: true, reason: `polling from horizon ${bot.cursor}` });
    } finally {
      await bot.stop();
    }
  });
});
