/**
 * One retry owner for effects: the bot's transport calls the client with `retry: false`, so a
 * send that fails comes back to the outbound queue at once. The queue retries it with the shared
 * backoff on the bot's clock while its conversation's lane waits — other conversations keep
 * sending — counts it in `fleepkit_retries_total`, and gives up after `outbound.giveUpAfter`.
 * Failures are injected by the sandbox (`error_conversations`: every call on those conversations
 * answers 500); the clock only moves when a test moves it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestBot, type TestBot } from 'fleepkit/testing';
import type { OutboundQueue } from '../../src/outbound/queue.js';
import { instrumentBot, ObservedClient } from '../../src/cli/bot-metrics.js';
import { createMetrics } from '../../src/util/metrics.js';
import { seededRandom } from '../../src/util/backoff.js';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function faults(body: unknown): Promise<void> {
  const res = await fetch(`${t!.sandbox.url}/sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
}

async function clearFaults(): Promise<void> {
  await fetch(`${t!.sandbox.url}/sandbox/faults`, { method: 'DELETE' });
}

/** Resolves once the queue has emitted `event` for `count` distinct entries. */
function entries(queue: OutboundQueue, event: 'retry' | 'sent', count: number): Promise<Set<string>> {
  return new Promise((resolve) => {
    const ids = new Set<string>();
    const seen = (entry: { id: string }, _detail: unknown): void => {
      ids.add(entry.id);
      if (ids.size < count) return;
      queue.off(event, seen);
      resolve(ids);
    };
    queue.on(event, seen);
  });
}

/** A bot that forwards `to <n>` said in Team into conversation `sink-<n>`, and answers anything else in place. */
async function forwardingBot(options: { giveUpMs?: number } = {}): Promise<{ sinks: string[] }> {
  t = await createTestBot({ start: false, bot: { random: seededRandom(3), outbound: options.giveUpMs === undefined ? {} : { giveUpMs: options.giveUpMs } } });
  const sinks: string[] = [];
  for (let i = 0; i < 8; i++) sinks.push(await t.createConversation('alice', `sink-${i}`, ['bob']));
  t.bot.on('message.new', (ctx) => {
    const to = /^to (\d)$/.exec(ctx.text);
    if (to) ctx.send(sinks[Number(to[1])]!, `forwarded to sink-${to[1]}`);
    else ctx.reply(`re ${ctx.text}`);
  });
  return { sinks };
}

describe('effects have one retry owner: the outbound queue', () => {
  it('counts retries in fleepkit_retries_total under injected 5xx, and delivers once the server recovers', async () => {
    const { sinks } = await forwardingBot();
    const metrics = createMetrics();
    const probe = instrumentBot(t!.bot, new ObservedClient({ baseUrl: t!.sandbox.url, clock: t!.clock }), metrics, t!.clock);
    await t!.bot.start();
    await faults({ error_conversations: [sinks[0]] });
    const retried = entries(t!.bot.outbound, 'retry', 1);
    await t!.say('alice', 'Team', 'to 0');
    await retried;
    expect(await probe.render()).toMatch(/^fleepkit_retries_total [1-9]\d*$/m);
    await clearFaults();
    await t!.clock.advance('1m');
    await t!.idle();
    expect((await t!.replies('sink-0')).map((m) => m.text)).toEqual(['forwarded to sink-0']);
    expect(await t!.store.deadLetters('effect')).toEqual([]);
  });

  it('gives up after outbound.giveUpAfter, here 1 minute (not the client’s 15)', async () => {
    const { sinks } = await forwardingBot({ giveUpMs: 60_000 });
    await t!.bot.start();
    await faults({ error_conversations: [sinks[0]] });
    // Each retry waits on the bot's clock: move it to the retry's time, as time would pass.
    const queue = t!.bot.outbound;
    queue.on('retry', (entry) => void t!.clock.advanceTo(entry.notBefore));
    const started = t!.clock.now();
    const given = new Promise<string>((resolve) => queue.once('deadLetter', (_entry, reason) => resolve(reason)));
    await t!.say('alice', 'Team', 'to 0');
    const reason = await given;
    expect(reason).toMatch(/^gave up after \d+ ms of failures; last: HTTP 500/);
    expect(Number(/after (\d+) ms/.exec(reason)![1])).toBeGreaterThanOrEqual(60_000);
    expect(t!.clock.now() - started).toBeLessThan(2 * 60_000);
    expect(queue.stats().retries).toBeGreaterThan(0);
    await clearFaults();
    await t!.idle();
    expect(await t!.replies('sink-0')).toEqual([]);
    expect((await t!.store.deadLetters('effect')).map((d) => d.reason)).toEqual([reason]);
  });

  it("8 failing sends (every in-flight slot) do not stall other conversations' replies", async () => {
    const { sinks } = await forwardingBot();
    await t!.bot.start();
    await faults({ error_conversations: sinks });
    const retried = entries(t!.bot.outbound, 'retry', 8);
    for (let i = 0; i < 8; i++) await t!.say('alice', 'Team', `to ${i}`);
    await retried;
    // The clock stands still: the 8 failed sends wait for their backoff, holding no slot.
    const others: string[] = [];
    for (let i = 0; i < 8; i++) others.push(await t!.createConversation('bob', `other-${i}`, ['carol']));
    const sent = entries(t!.bot.outbound, 'sent', 8);
    for (let i = 0; i < 8; i++) await t!.say('bob', `other-${i}`, `hi ${i}`);
    await sent;
    for (let i = 0; i < 8; i++) expect(await t!.lastReply(`other-${i}`)).toBe(`re hi ${i}`);
    for (const sink of sinks) expect(await t!.replies(sink)).toEqual([]);
    await clearFaults();
    await t!.clock.advance('1m');
    await t!.idle();
    for (let i = 0; i < 8; i++) expect((await t!.replies(sinks[i]!)).map((m) => m.text)).toEqual([`forwarded to sink-${i}`]);
  });
});
