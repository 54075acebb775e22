import { describe, expect, it } from 'vitest';
import { FleepApiError, FleepNetworkError } from '../../src/api/errors.js';
import { DeadLetterError } from '../../src/outbound/errors.js';
import { classifyFailure } from '../../src/outbound/failure.js';
import { GLOBAL_LANE } from '../../src/outbound/plan.js';
import { seededRandom } from '../../src/util/backoff.js';
import { createHarness, track } from './harness.js';

const api = (status: number, extra: { errorId?: string; retryAfterMs?: number } = {}): FleepApiError =>
  new FleepApiError({ method: 'message/send', status, ...extra });

describe('OutboundQueue failure handling', () => {
  it('honours a 429 Retry-After on its conversation only, then succeeds', async () => {
    const h = await createHarness();
    const [a1] = await h.enqueue('conv-a', 3);
    await h.enqueue('conv-b', 10);
    let limited = false;
    h.setBehaviour((call) => {
      if (call.id === a1 && !limited) {
        limited = true;
        throw api(429, { errorId: 'rate_limited', retryAfterMs: 2000 });
      }
      return {};
    });
    const q = h.queue({ rates: { perConversation: { perSecond: 5, burst: 1 }, global: false } });
    await q.start();
    const idle = track(q.idle());
    await h.runUntil(() => idle.done);
    const aCalls = h.callsOf('conv-a');
    expect(aCalls.map((c) => c.id)[0]).toBe(a1);
    expect(aCalls[1]!.id).toBe(a1);
    expect(aCalls[1]!.at - aCalls[0]!.at).toBeGreaterThanOrEqual(2000);
    // B kept going while A was paused.
    expect(h.callsOf('conv-b').filter((c) => c.at < aCalls[0]!.at + 2000).length).toBeGreaterThanOrEqual(9);
    expect(q.stats()).toMatchObject({ sent: 13, rateLimited: 1, deadLetters: 0 });
  });

  it('pauses every conversation when the 429 says the limit is global', async () => {
    const h = await createHarness();
    await h.enqueue('conv-a', 5);
    await h.enqueue('conv-b', 5);
    let t429 = -1;
    h.setBehaviour((call) => {
      if (h.calls.length === 3) {
        t429 = call.at;
        throw api(429, { errorId: 'global_rate_limit', retryAfterMs: 2000 });
      }
      return {};
    });
    const q = h.queue({ rates: { perConversation: { perSecond: 1, burst: 1 }, global: false } });
    await q.start();
    const idle = track(q.idle());
    await h.runUntil(() => idle.done);
    expect(t429).toBeGreaterThan(0);
    const during = h.calls.filter((c) => c.at > t429 && c.at < t429 + 2000);
    expect(during).toEqual([]);
    expect(h.calls).toHaveLength(11);
  });

  it('dead-letters an effect whose Retry-After is a day instead of hanging, and moves on', async () => {
    const h = await createHarness();
    const [first, second] = await h.enqueue('conv-a', 2);
    h.setBehaviour((call) => {
      if (call.id === first) throw api(429, { retryAfterMs: 24 * 3600_000 });
      return {};
    });
    const q = h.queue();
    await q.start();
    const failed = q.waitFor(first!);
    await expect(failed).rejects.toBeInstanceOf(DeadLetterError);
    await expect(failed).rejects.toThrow(/maxRetryAfterMs/u);
    expect(await q.waitFor(second!)).toEqual({});
    const letters = await h.store.deadLetters('effect');
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ kind: 'effect', key: first });
    expect(await h.store.outboxSize()).toBe(0);
  });

  it('delivers every effect exactly once (by id) through 30% 5xx and 5% connection resets', async () => {
    const h = await createHarness();
    const planned: string[] = [];
    for (let c = 0; c < 20; c++) planned.push(...(await h.enqueue(`conv-${c}`, 25)));
    const faults = seededRandom(42);
    const ledger = new Map<string, number>();
    const failedAt = new Map<string, number[]>();
    h.setBehaviour((call) => {
      const roll = faults();
      if (roll < 0.3) {
        failedAt.set(call.id, [...(failedAt.get(call.id) ?? []), call.at]);
        throw api(503, { errorId: 'unavailable' });
      }
      // A reset after the server stored the message: ambiguous for the client.
      ledger.set(call.id, (ledger.get(call.id) ?? 0) + 1);
      if (roll < 0.35) {
        failedAt.set(call.id, [...(failedAt.get(call.id) ?? []), call.at]);
        throw new FleepNetworkError('message/send', 'ECONNRESET');
      }
      return {};
    });
    const q = h.queue({ rates: false });
    await q.start();
    const idle = track(q.idle());
    await h.runUntil(() => idle.done);
    // Every intended effect reached the server; with its de-dup on client_req_id, each is stored once.
    expect(new Set(ledger.keys())).toEqual(new Set(planned));
    expect(h.calls.length).toBeGreaterThan(planned.length * 1.3);
    expect(q.stats().deadLetters).toBe(0);
    expect(q.stats().retries).toBe(h.calls.length - planned.length);
    // Each retry came within the full-jitter ceiling (base 1 s, doubling, cap 60 s) of the failure.
    for (const [id, fails] of failedAt) {
      const attempts = h.calls.filter((c) => c.id === id).map((c) => c.at);
      fails.forEach((t, k) => {
        const next = attempts[k + 1]!;
        expect(next - t).toBeLessThanOrEqual(Math.min(60_000, 1000 * 2 ** k));
      });
    }
    expect(await h.store.outboxSize()).toBe(0);
  });

  it('gives up after 15 minutes of server errors and dead-letters the effect', async () => {
    const h = await createHarness();
    const [id] = await h.enqueue('conv-a', 1);
    h.setBehaviour(() => {
      throw api(500);
    });
    const q = h.queue();
    await q.start();
    const result = track(q.waitFor(id!));
    await h.runUntil(() => result.done);
    expect(result.error).toBeInstanceOf(DeadLetterError);
    expect((result.error as DeadLetterError).reason).toMatch(/gave up after \d+ ms.*HTTP 500/u);
    const elapsed = h.clock.now() - h.calls[0]!.at;
    expect(elapsed).toBeGreaterThanOrEqual(15 * 60_000);
    expect(elapsed).toBeLessThanOrEqual(15 * 60_000 + 1000);
    expect(h.calls.length).toBeGreaterThan(10);
    expect(h.calls.every((c) => c.id === id)).toBe(true);
    expect(await h.store.deadLetters('effect')).toHaveLength(1);
  });

  it('dead-letters 4xx refusals at once with the reason, without retrying', async () => {
    const h = await createHarness();
    const [bad, good] = await h.enqueue('conv-a', 2);
    h.setBehaviour((call) => {
      if (call.id === bad) throw new FleepApiError({ method: 'message/send', status: 431, errorId: 'not_member', errorMessage: 'Member has left the conversation' });
      return {};
    });
    const q = h.queue();
    await q.start();
    await expect(q.waitFor(bad!)).rejects.toThrow(/431 not_member.*Member has left/u);
    await q.waitFor(good!);
    expect(h.calls.map((c) => c.id)).toEqual([bad, good]);
    expect((await h.store.deadLetters('effect'))[0]!.reason).toMatch(/refused by Fleep: HTTP 431/u);
  });

  it('persists attempts and the next attempt time in the store', async () => {
    const h = await createHarness();
    const [id] = await h.enqueue('conv-a', 1);
    h.setBehaviour(() => {
      throw new FleepNetworkError('message/send', 'ETIMEDOUT');
    });
    const q = h.queue();
    await q.start();
    await h.clock.advance(0);
    const [row] = await h.store.outboxPending({ limit: 10 });
    expect(row).toMatchObject({ id, attempts: 1 });
    expect(row!.notBefore).toBeGreaterThanOrEqual(h.calls[0]!.at);
    expect(row!.notBefore).toBeLessThanOrEqual(h.calls[0]!.at + 1000);
    await q.stop({ deadlineMs: 0 });
  });

  it('classifies failures by status and error_id, never by message text', () => {
    expect(classifyFailure(api(429, { retryAfterMs: 5 }), 'c1')).toEqual({ kind: 'rate-limited', retryAfterMs: 5, global: false });
    expect(classifyFailure(api(429, { errorId: 'GLOBAL' }), 'c1')).toMatchObject({ global: true });
    expect(classifyFailure(api(429, { errorId: 'account_rate_limited' }), 'c1')).toMatchObject({ global: true });
    expect(classifyFailure(api(429, { errorId: 'rate_limited' }), 'c1')).toMatchObject({ global: false });
    expect(classifyFailure(api(429), GLOBAL_LANE)).toMatchObject({ global: true });
    expect(classifyFailure(api(502), 'c1')).toEqual({ kind: 'retry' });
    expect(classifyFailure(api(401), 'c1')).toEqual({ kind: 'retry' });
    expect(classifyFailure(new FleepNetworkError('m', 'ECONNRESET'), 'c1')).toEqual({ kind: 'retry' });
    expect(classifyFailure(api(400), 'c1').kind).toBe('refused');
    expect(classifyFailure(api(430, { errorId: 'not_found' }), 'c1').kind).toBe('refused');
  });
});
