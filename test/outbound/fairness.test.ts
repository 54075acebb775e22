import { describe, expect, it } from 'vitest';
import type { Effect } from '../../src/api/effects.js';
import { planEffects } from '../../src/outbound/plan.js';
import { createHarness, track } from './harness.js';
import type { Call, Harness } from './harness.js';

/** Commits `n` replies to `lane`, one event each (as a handler answering n messages would). */
async function replies(h: Harness, lane: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let k = 0; k < n; k++) {
    const key = `${lane}-ev-${k}-${h.clock.now()}`;
    const effect: Effect = { method: 'message/send', conversationId: lane, body: { message: `${lane} ${k}` } };
    const outbox = planEffects(key, [effect], h.clock.now());
    await h.store.commit({ eventKey: key, outbox });
    ids.push(outbox[0]!.id);
  }
  return ids;
}

function maxGap(calls: Call[]): number {
  let gap = 0;
  for (let i = 1; i < calls.length; i++) gap = Math.max(gap, calls[i]!.at - calls[i - 1]!.at);
  return gap;
}

// Mirrors bench/outbound.ts: 1,000 replies into 10 conversations at 2/s each and 10/s overall.
const BENCH_RATES = { perConversation: { perSecond: 2, burst: 1 }, global: { perSecond: 10, burst: 1 } };

describe('OutboundQueue fairness (least recently served lane first)', () => {
  it('sends a reply to an 11th conversation within one global slot behind a 1,000-reply flood', async () => {
    const h = await createHarness();
    const planned = new Map<string, string[]>();
    for (let c = 0; c < 10; c++) planned.set(`conv-${c}`, await replies(h, `conv-${c}`, 100));
    const q = h.queue({ rates: BENCH_RATES });
    await q.start();
    await h.clock.advance(10_000);
    expect(h.calls.length).toBeGreaterThan(90);
    const [lateId] = await replies(h, 'latecomer', 1);
    const asked = h.clock.now();
    q.notify();
    const late = track(q.waitFor(lateId!));
    await h.runUntil(() => late.done, 5000);
    const wait = h.callsOf('latecomer')[0]!.at - asked;
    expect(wait).toBeLessThanOrEqual(1000);
    // The latecomer takes the next global slot (10/s), not a place behind all ten busy lanes.
    expect(wait).toBeLessThanOrEqual(100);

    const idle = track(q.idle());
    await h.runUntil(() => idle.done);
    const flood = h.calls.filter((c) => c.lane !== 'latecomer');
    expect(flood).toHaveLength(1000);
    const rate = ((flood.length - 1) / (flood.at(-1)!.at - flood[0]!.at)) * 1000;
    expect(rate).toBeGreaterThan(10 * 0.95);
    expect(rate).toBeLessThan(10 * 1.05);
    for (const [lane, ids] of planned) {
      const calls = h.callsOf(lane);
      expect(calls.map((c) => c.id)).toEqual(ids);
      // No starvation: with 10 lanes sharing 10/s, each lane sends about once a second.
      expect(maxGap(calls)).toBeLessThanOrEqual(1200);
      for (let i = 1; i < calls.length; i++) expect(calls[i]!.at - calls[i - 1]!.at).toBeGreaterThanOrEqual(500);
    }
  });

  it('serves a lane that sent a while ago (still remembered) before lanes that just sent', async () => {
    const h = await createHarness();
    for (let c = 0; c < 10; c++) await replies(h, `conv-${c}`, 50);
    await replies(h, 'quiet', 1);
    const q = h.queue({ rates: BENCH_RATES });
    await q.start();
    await h.clock.advance(3000);
    expect(h.callsOf('quiet')).toHaveLength(1);
    // 3 s later the quiet lane replies again; its bucket refilled long ago.
    const [second] = await replies(h, 'quiet', 1);
    const asked = h.clock.now();
    q.notify();
    const sent = track(q.waitFor(second!));
    await h.runUntil(() => sent.done, 5000);
    expect(h.callsOf('quiet')[1]!.at - asked).toBeLessThanOrEqual(100);
    await q.stop({ deadlineMs: 0 });
  });

  it('keeps round-robin among lanes that all keep sending (rates off, one in flight)', async () => {
    const h = await createHarness();
    for (const lane of ['a', 'b', 'c']) await h.enqueue(lane, 4);
    const q = h.queue({ rates: false, concurrency: 1 });
    await q.start();
    await q.idle();
    expect(h.calls.map((c) => c.lane).join('')).toBe('abcabcabcabc');
  });
});
