/**
 * Inbound delivery against the sandbox over real HTTP (R-01…R-07): every message handled once,
 * in order per conversation, concurrently across conversations; restarts lose and repeat
 * nothing; the same holds with faults on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Bot } from '../../src/runtime/bot.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { seededRandom } from '../../src/util/backoff.js';
import { ManualClock } from '../../src/util/clock.js';
import { sendMany, world, type World } from './world.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Seen {
  /** conversation id → message nrs in handling order */
  byConv: Map<string, number[]>;
  count: number;
  inFlight: number;
  maxInFlight: number;
}

function newSeen(): Seen {
  return { byConv: new Map(), count: 0, inFlight: 0, maxInFlight: 0 };
}

function makeBot(w: World, store: Store, seen: Seen, extra: Partial<ConstructorParameters<typeof Bot>[0]> = {}): Bot {
  const bot = new Bot({
    server: w.sandbox.url,
    email: 'bot@example.com',
    password: 'demo',
    store,
    outbound: { rates: false },
    random: seededRandom(3),
    ...extra,
  });
  bot.on('message.new', async (ctx) => {
    seen.inFlight++;
    seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
    // Yield to the event loop so other conversations' handlers overlap with this one.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const list = seen.byConv.get(ctx.conversationId) ?? [];
    list.push(ctx.messageNr ?? -1);
    seen.byConv.set(ctx.conversationId, list);
    seen.count++;
    seen.inFlight--;
  });
  return bot;
}

function expectOncePerMessageInOrder(seen: Seen, w: World, total: number): void {
  let sum = 0;
  for (const conv of w.conversations) {
    const nrs = seen.byConv.get(conv) ?? [];
    const sorted = [...nrs].sort((a, b) => a - b);
    expect(nrs, `order in ${conv}`).toEqual(sorted);
    expect(new Set(nrs).size, `duplicates in ${conv}`).toBe(nrs.length);
    sum += nrs.length;
  }
  expect(sum).toBe(total);
}

function tempStore(): { path: string; open: () => SqliteStore } {
  const dir = mkdtempSync(join(tmpdir(), 'fleepkit-delivery-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'bot.db');
  return { path, open: () => new SqliteStore({ path, synchronous: 'NORMAL' }) };
}

describe('inbound delivery', () => {
  it('handles 2,000 messages over 20 conversations from 3 people once each, in order, concurrently', async () => {
    const w = await world(20);
    cleanups.push(() => w.close());
    const seen = newSeen();
    const { open } = tempStore();
    const bot = makeBot(w, open(), seen);
    cleanups.push(() => bot.stop());
    await bot.start();
    await sendMany(w, 2_000, 12);
    await bot.idle();
    expectOncePerMessageInOrder(seen, w, 2_000);
    expect(seen.maxInFlight).toBeGreaterThan(1);
    expect(seen.maxInFlight).toBeLessThanOrEqual(16);
  });

  it('sees no history on first start, and after a graceful restart misses and repeats nothing', async () => {
    const w = await world(5);
    cleanups.push(() => w.close());
    await sendMany(w, 50, 4, 0); // history: before the bot's first start
    const seen = newSeen();
    const { open } = tempStore();
    const first = makeBot(w, open(), seen);
    await first.start();
    await sendMany(w, 300, 6, 50);
    await first.stop(); // graceful, possibly mid-stream
    await sendMany(w, 200, 6, 350); // while the bot is down
    const second = makeBot(w, open(), seen);
    cleanups.push(() => second.stop());
    await second.start();
    await second.idle();
    expectOncePerMessageInOrder(seen, w, 500);
  });

  it('keeps the invariants with 5xx, resets, latency, session expiry, duplicate batches and resyncs', async () => {
    const w = await world(10, 2_000);
    cleanups.push(() => w.close());
    const seen = newSeen();
    const { open } = tempStore();
    const clock = new ManualClock();
    // Backoff sleeps run on a manual clock that a pump advances, so retries take no real time.
    const pump = setInterval(() => void clock.advance(5_000), 5);
    cleanups.push(() => clearInterval(pump));
    const bot = makeBot(w, open(), seen, { clock, handlerTimeoutMs: 3_600_000 });
    cleanups.push(() => bot.stop());
    await bot.start();
    const res = await fetch(`${w.sandbox.url}/sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        seed: 42,
        error_rate: 0.05,
        reset_rate: 0.03,
        latency_ms: 1,
        expire_sessions_every: 100,
        duplicate_batches: 0.2,
        resync_every: 15,
      }),
    });
    expect(res.status).toBe(200);
    await sendManyDespiteFaults(w, 600);
    const faults = (await (await fetch(`${w.sandbox.url}/sandbox/faults`)).json()) as { stats: Record<string, number> };
    await fetch(`${w.sandbox.url}/sandbox/faults`, { method: 'DELETE' });
    await bot.idle();
    expectOncePerMessageInOrder(seen, w, 600);
    for (const kind of ['errors', 'resets', 'expired_sessions', 'duplicate_batches', 'resyncs']) {
      expect(faults.stats[kind], `fault ${kind} was injected`).toBeGreaterThan(0);
    }
  });
});

/** People retry their sends like a real client would; client_req_id keeps each send single. */
async function sendManyDespiteFaults(w: World, total: number): Promise<void> {
  for (let i = 0; i < total; i++) {
    const conv = w.conversations[i % w.conversations.length]!;
    const person = w.people[i % w.people.length]!;
    const id = crypto.randomUUID();
    for (let attempt = 0; ; attempt++) {
      try {
        await person.sendMessage(conv, `msg ${i}`, { clientReqId: id });
        break;
      } catch (error) {
        if (attempt > 50) throw error;
      }
    }
  }
}
