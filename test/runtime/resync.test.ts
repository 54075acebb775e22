/**
 * Resyncs against the sandbox: after a forced resync, messages in conversations created
 * in the gap are handled once; a server that keeps answering horizon 0 makes the bot back off,
 * not spin. Time is the test kit's manual clock: while it stands still, a bot that backs off
 * cannot resync more than a couple of times.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestBot, type TestBot } from 'fleepkit/testing';
import type { ResyncAttempt } from '../../src/runtime/poller.js';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function setFaults(url: string, faults: object): Promise<void> {
  const res = await fetch(`${url}/sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  expect(res.status).toBe(200);
}

/**
 * Resolves with the next resync attempt that waits before running, and fails as soon as the bot
 * has resynced `limit` times without waiting: a spin is a failure, not a timeout.
 */
function nextBackoff(bot: TestBot['bot'], resyncs: { count: number }, limit = 10): Promise<ResyncAttempt> {
  return new Promise((resolve, reject) => {
    const onResync = (): void => {
      if (++resyncs.count < limit) return;
      off();
      reject(new Error(`the bot resynced ${resyncs.count} times while the clock stood still: it spins`));
    };
    const onResyncing = (info: ResyncAttempt): void => {
      if (info.delayMs === 0) return;
      off();
      resolve(info);
    };
    const off = (): void => {
      bot.events.off('resync', onResync);
      bot.events.off('resyncing', onResyncing);
    };
    bot.events.on('resync', onResync);
    bot.events.on('resyncing', onResyncing);
  });
}

describe('resync', () => {
  it('handles, once, the messages of a conversation created while the server forced a resync', async () => {
    t = await createTestBot({ bot: { random: () => 0.5 }, start: false });
    const seen: string[] = [];
    t.bot.on('message.new', async (ctx) => {
      seen.push(`${ctx.deps.conversations.topic(ctx.conversationId ?? '') ?? ctx.conversationId}: ${ctx.text}`);
      await ctx.reply(`seen: ${ctx.text}`);
    });
    await t.bot.start();
    await t.say('alice', 'Team', 'before');
    await t.idle();

    // From now on every poll answers horizon 0: the poll held now still answers normally once.
    await setFaults(t.sandbox.url, { resync_every: 1 });
    const resyncs = { count: 0 };
    const backoff = nextBackoff(t.bot, resyncs);
    await t.say('alice', 'Team', 'trigger');
    const waiting = await backoff;

    // The gap: the bot is waiting before its next resync; a conversation appears and talks.
    const gap = await t.createConversation('alice', 'Gap', ['bob']);
    await t.say('bob', gap, 'hello from the gap');
    await t.say('alice', 'Team', 'also in the gap');
    await setFaults(t.sandbox.url, {});
    await t.clock.advance(waiting.delayMs);
    await t.idle();

    expect(seen.filter((s) => s.includes('hello from the gap'))).toEqual(['Gap: hello from the gap']);
    expect(seen.filter((s) => s.includes('also in the gap'))).toEqual(['Team: also in the gap']);
    expect((await t.replies(gap)).map((m) => m.text)).toEqual(['seen: hello from the gap']);
    // Handled once: still once after more traffic.
    await t.say('bob', gap, 'after');
    await t.idle();
    expect((await t.replies(gap)).map((m) => m.text)).toEqual(['seen: hello from the gap', 'seen: after']);
  });

  it('backs off between repeated resyncs when the server keeps answering horizon 0, and says so', async () => {
    const lines: string[] = [];
    const { pino } = await import('pino');
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    t = await createTestBot({ bot: { random: () => 0.5 }, logger });
    await t.idle();
    await setFaults(t.sandbox.url, { resync_every: 1 });
    const resyncs = { count: 0 };
    const delays: number[] = [];
    let backoff = nextBackoff(t.bot, resyncs);
    await t.say('alice', 'Team', 'wake the held poll');
    for (let i = 0; i < 8; i++) {
      const { delayMs } = await backoff;
      delays.push(delayMs);
      backoff = nextBackoff(t.bot, resyncs);
      await t.clock.advance(delayMs);
    }
    // Half of an exponential ceiling plus half of it at random (here 0.5): 1 s, 2 s, 4 s … capped at 60 s.
    expect(delays).toEqual([750, 1_500, 3_000, 6_000, 12_000, 24_000, 45_000, 45_000]);
    expect(lines.some((l) => l.includes('backing off'))).toBe(true);
    await setFaults(t.sandbox.url, {});
    await t.clock.advance(60_000);
    await t.say('alice', 'Team', 'back to normal');
    await t.idle();
  });
});
