import { describe, expect, it } from 'vitest';
import type { Effect } from '../../src/api/effects.js';
import { OutboundStoppedError } from '../../src/outbound/errors.js';
import { OutboundQueue } from '../../src/outbound/queue.js';
import { planEffects } from '../../src/outbound/plan.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { ManualClock } from '../../src/util/clock.js';
import { createHarness, track } from './harness.js';

describe('OutboundQueue lifecycle', () => {
  it('stop() drains until the deadline, leaves the rest in the store, and a new queue sends it', async () => {
    const h = await createHarness();
    const ids = await h.enqueue('conv-a', 40);
    const q1 = h.queue({ rates: { perConversation: { perSecond: 2, burst: 1 }, global: false } });
    await q1.start();
    await h.clock.advance(5_000);
    const last = track(q1.waitFor(ids[39]!));
    const stopped = track(q1.stop({ deadlineMs: 2_000 }));
    await h.clock.advance(1_999);
    expect(stopped.done).toBe(false);
    await h.clock.advance(1);
    expect(stopped.done).toBe(true);
    expect(last.error).toBeInstanceOf(OutboundStoppedError);
    const sentByFirst = h.calls.length;
    // 0 s … 6.5 s at 2/s; the slot at 7 s coincides with the deadline, which fires first.
    expect(sentByFirst).toBe(14);
    expect(await h.store.outboxSize()).toBe(40 - sentByFirst);
    await q1.idle(); // resolves once stopped, though entries remain in the store
    // Stopped: new entries are not picked up, time passing sends nothing.
    q1.notify();
    await h.clock.advance(60_000);
    expect(h.calls).toHaveLength(sentByFirst);

    const q2 = h.queue({ rates: false });
    await q2.start();
    await q2.idle();
    expect(h.calls.map((c) => c.id)).toEqual(ids);
    expect(await h.store.outboxSize()).toBe(0);
  });

  it('forgets idle lanes: a reply each into 5,000 conversations within a second keeps few lanes in memory', async () => {
    const h = await createHarness();
    const q = h.queue({ rates: false });
    await q.start();
    const lanes = (q as unknown as { window: { lanes: Map<string, unknown> } }).window.lanes;
    let most = 0;
    for (let c = 0; c < 5000; c++) {
      await h.enqueue(`conv-${c}`, 1);
      q.notify();
      if (c % 100 === 99) {
        await q.idle();
        most = Math.max(most, lanes.size);
      }
    }
    await q.idle();
    expect(h.calls).toHaveLength(5000);
    expect(most).toBeLessThanOrEqual(1024 + 100);
    await q.stop();
  });

  it('aborts a hung send at the stop deadline and re-sends it with the same id after restart', async () => {
    const h = await createHarness();
    const [id] = await h.enqueue('conv-a', 1);
    let aborted = false;
    h.setBehaviour((_call, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => ((aborted = true), reject(signal.reason)))));
    const q1 = h.queue();
    await q1.start();
    const stopped = track(q1.stop({ deadlineMs: 1000 }));
    await h.clock.advance(1000);
    expect(stopped.done).toBe(true);
    expect(aborted).toBe(true);
    // Untouched by the abort: no attempt counted, still pending.
    expect(await h.store.outboxPending({ limit: 5 })).toMatchObject([{ id, attempts: 0 }]);
    h.setBehaviour(() => ({ ok: true }));
    const q2 = h.queue();
    await q2.start();
    expect(await q2.waitFor(id!)).toEqual({ ok: true });
    expect(h.calls.map((c) => c.id)).toEqual([id, id]);
  });

  it('after a crash between "sent" and "marked done" the entry is sent again with the same id', async () => {
    const clock = new ManualClock(0);
    const store = new MemoryStore({ clock });
    await store.open();
    const outbox = planEffects('conv-a:7:0', [{ method: 'message/send', conversationId: 'conv-a', body: { message: 'hi' } }], 0);
    await store.commit({ eventKey: 'conv-a:7:0', outbox });
    const seen: string[] = [];
    // The first process's send reaches the server, then the process "dies" before marking it done.
    const crashed = new OutboundQueue({ store, clock, transport: async (_e, id) => (seen.push(id), new Promise<never>(() => undefined)) });
    await crashed.start();
    const restarted = new OutboundQueue({ store, clock, transport: async (_e, id) => (seen.push(id), {}) });
    await restarted.start();
    await restarted.idle();
    expect(seen).toEqual([outbox[0]!.id, outbox[0]!.id]);
    // Re-planning the same event yields the same id, so a re-handled event is de-duplicated too.
    expect(planEffects('conv-a:7:0', [{ method: 'message/send', conversationId: 'conv-a', body: { message: 'hi' } }], 99)[0]!.id).toBe(outbox[0]!.id);
  });

  it('waitFor resolves with the transport result, also when asked after the send', async () => {
    const h = await createHarness();
    const [a, b] = await h.enqueue('conv-a', 2);
    h.setBehaviour((call) => ({ echo: call.id }));
    const q = h.queue();
    const first = q.waitFor(a!);
    await q.start();
    expect(await first).toEqual({ echo: a });
    await q.idle();
    expect(await q.waitFor(b!)).toEqual({ echo: b });
  });

  it('picks up entries committed after start when notified, and reports stats and events', async () => {
    const h = await createHarness();
    const q = h.queue({ rates: false });
    const sent: string[] = [];
    let idles = 0;
    q.on('sent', (entry) => sent.push(entry.id));
    q.on('idle', () => idles++);
    await q.start();
    await q.idle();
    const ids = await h.enqueue('conv-x', 3);
    expect(q.stats().depth).toBe(0);
    q.notify();
    await q.idle();
    expect(sent).toEqual(ids);
    expect(idles).toBe(1);
    expect(q.stats()).toEqual({ depth: 0, held: 0, oldestAgeMs: 0, inFlight: 0, sent: 3, retries: 0, rateLimited: 0, deadLetters: 0 });
  });

  it('dead-letters a malformed stored effect without calling the transport', async () => {
    const h = await createHarness();
    await h.store.commit({ outbox: [{ id: 'bad-1', lane: 'conv-a', effect: { nope: true }, createdAt: 0 }] });
    const q = h.queue();
    await q.start();
    await expect(q.waitFor('bad-1')).rejects.toThrow(/malformed effect/u);
    expect(h.calls).toEqual([]);
  });

  it('validates options with messages that name the option and value', () => {
    const base = { store: new MemoryStore(), transport: async () => ({}) };
    expect(() => new OutboundQueue({ ...base, rates: { perConversation: { perSecond: -1, burst: 5 } } })).toThrow(
      /rates.perConversation.perSecond must be a positive number.*got -1/u,
    );
    expect(() => new OutboundQueue({ ...base, window: { perLane: 100, total: 10 } })).toThrow(/window.total \(10\) must be at least window.perLane \(100\)/u);
    expect(() => new OutboundQueue({ ...base, concurrency: 0 })).toThrow(/concurrency must be an integer of at least 1, got 0/u);
    expect(() => new OutboundQueue({ ...base, transport: 'x' as never })).toThrow(/transport must be a function/u);
    expect(() => new OutboundQueue({ ...base, rates: { global: { perSecond: Infinity, burst: 1 } } })).not.toThrow();
  });

  // The cost per effect is measured in bench/micro.ts, not asserted here.
  it('sends 20,000 effects with rates off, each exactly once, in order per conversation (null transport)', async () => {
    const clock = new ManualClock(0);
    const store = new MemoryStore({ clock });
    await store.open();
    for (let e = 0; e < 2000; e++) {
      const effects = Array.from({ length: 10 }, (_, i) => ({ method: 'message/send' as const, conversationId: `c${e % 50}`, body: { message: `m${i}` } }));
      await store.commit({ eventKey: `e${e}`, outbox: planEffects(`e${e}`, effects, 0) });
    }
    const sent: Array<{ conv: string | undefined; message: unknown }> = [];
    const transport = async (effect: Effect): Promise<undefined> => {
      sent.push({ conv: effect.conversationId, message: effect.body.message });
      return undefined;
    };
    const q = new OutboundQueue({ store, clock, transport, rates: false, concurrency: 16 });
    await q.start();
    await q.idle();
    expect(q.stats().sent).toBe(20_000);
    expect(sent).toHaveLength(20_000);
    expect(await store.outboxSize()).toBe(0);
    // Conversation c0 got events 0, 50, 100, … each with m0…m9, in commit order.
    const c0 = sent.filter((s) => s.conv === 'c0').map((s) => s.message);
    expect(c0).toEqual(Array.from({ length: 40 }, () => Array.from({ length: 10 }, (_, i) => `m${i}`)).flat());
  });
});
