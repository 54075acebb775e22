/**
 * The outbound path against the sandbox's fault injection: with 30% 5xx and 5%
 * connection resets every reply arrives exactly once; with a 429 rate limit every reply still
 * arrives exactly once. (Pausing for Retry-After is timed in test/outbound's queue tests.)
 * Retries run on a manual clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FleepApiError } from '../../src/api/errors.js';
import { Bot } from '../../src/runtime/bot.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { seededRandom } from '../../src/util/backoff.js';
import { ManualClock } from '../../src/util/clock.js';
import { sendMany, world, type World } from '../runtime/world.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface LedgerEntry {
  method: string;
  account_id: string;
  body: Record<string, unknown>;
  at: number;
}

async function botReplies(w: World): Promise<LedgerEntry[]> {
  const { requests } = (await (await fetch(`${w.sandbox.url}/sandbox/requests?method=message/send`)).json()) as { requests: LedgerEntry[] };
  return requests.filter((r) => r.account_id === w.sandbox.accounts['bot@example.com']);
}

async function faults(w: World, body: unknown): Promise<void> {
  const res = await fetch(`${w.sandbox.url}/sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
}

function replyingBot(w: World, clock: ManualClock, rates?: ConstructorParameters<typeof Bot>[0]['outbound']): Bot {
  const bot = new Bot({
    server: w.sandbox.url,
    email: 'bot@example.com',
    password: 'demo',
    clock,
    store: new MemoryStore({ clock }),
    random: seededRandom(9),
    handlerTimeoutMs: 3_600_000,
    outbound: rates ?? { rates: false },
  });
  bot.on('message.new', (ctx) => {
    void ctx.reply(`re ${ctx.text}`);
  });
  cleanups.push(() => bot.stop());
  return bot;
}

/** Advances a manual clock in the background so backoff sleeps pass without real waiting. */
function pump(clock: ManualClock, stepMs: number): void {
  const timer = setInterval(() => void clock.advance(stepMs), 2);
  cleanups.push(() => clearInterval(timer));
}

describe('outbound against the sandbox', () => {
  it('delivers every reply exactly once through 30% 5xx and 5% connection resets', async () => {
    const w = await world(5, 2_000);
    cleanups.push(() => w.close());
    const clock = new ManualClock();
    pump(clock, 2_000);
    const bot = replyingBot(w, clock);
    await bot.start();
    await faults(w, { seed: 11, error_rate: 0.3, reset_rate: 0.05 });
    await sendMany(w, 200, 4);
    await bot.idle();
    const stats = ((await (await fetch(`${w.sandbox.url}/sandbox/faults`)).json()) as { stats: { errors: number; resets: number } }).stats;
    await fetch(`${w.sandbox.url}/sandbox/faults`, { method: 'DELETE' });
    const texts = (await botReplies(w)).map((r) => String(r.body.message));
    expect(stats.errors).toBeGreaterThan(20);
    expect(stats.resets).toBeGreaterThan(0);
    expect(texts).toHaveLength(200);
    expect(new Set(texts).size).toBe(200);
  });

  it('waits out 429 Retry-After windows and still delivers everything once', async () => {
    const clock = new ManualClock();
    // The sandbox's rate-limit window runs on the same manual clock as the bot.
    const w = await world(3, 2_000, clock);
    cleanups.push(() => w.close());
    pump(clock, 250);
    const bot = replyingBot(w, clock, { rates: { perConversation: { perSecond: 50, burst: 50 }, global: { perSecond: 100, burst: 100 } } });
    await bot.start();
    await faults(w, { seed: 5, rate_limit: { per_second: 3, retry_after_s: 2 } });
    // People are rate-limited too: they wait out Retry-After like a careful client would.
    for (let i = 0; i < 60; i++) {
      const conv = w.conversations[i % w.conversations.length]!;
      const id = crypto.randomUUID();
      for (;;) {
        try {
          await w.people[i % 3]!.sendMessage(conv, `msg ${i}`, { clientReqId: id });
          break;
        } catch (error) {
          if (!(error instanceof FleepApiError) || !error.isRateLimited) throw error;
          await clock.sleep(error.retryAfterMs ?? 1_000);
        }
      }
    }
    await bot.idle();
    const stats = ((await (await fetch(`${w.sandbox.url}/sandbox/faults`)).json()) as { stats: { rate_limited: number } }).stats;
    await fetch(`${w.sandbox.url}/sandbox/faults`, { method: 'DELETE' });
    const texts = (await botReplies(w)).map((r) => String(r.body.message));
    expect(stats.rate_limited).toBeGreaterThan(0);
    expect(new Set(texts).size).toBe(60);
    expect(texts).toHaveLength(60);
    expect(bot.outbound.stats().rateLimited).toBeGreaterThan(0);
  });
});
