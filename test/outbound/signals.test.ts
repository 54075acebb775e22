import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createHarness, track } from './harness.js';

describe('OutboundQueue abort signals', () => {
  it('keeps abort listeners bounded over 10,000 sends, even when the transport never removes its own', async () => {
    const h = await createHarness();
    for (let c = 0; c < 100; c++) await h.enqueue(`conv-${c}`, 100);
    const signals = new Set<AbortSignal>();
    let maxListeners = 0;
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      // A careless transport: adds an abort listener per call and never removes it.
      h.setBehaviour((_call, signal) => {
        signals.add(signal);
        signal.addEventListener('abort', () => undefined);
        maxListeners = Math.max(maxListeners, getEventListeners(signal, 'abort').length);
        return {};
      });
      const q = h.queue({ rates: false, concurrency: 16 });
      await q.start();
      await q.idle();
      expect(h.calls).toHaveLength(10_000);
      // Sends share a signal for at most 256 sends, so what a careless transport leaves behind is
      // bounded per signal (and dropped with it) instead of piling up on one signal for ever.
      expect(maxListeners).toBeLessThanOrEqual(256);
      expect(signals.size).toBeGreaterThanOrEqual(10_000 / 256);
      // Warnings are emitted on a later tick.
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('adds no listener of its own: a transport that cleans up leaves at most the sends in flight', async () => {
    const h = await createHarness();
    for (let c = 0; c < 100; c++) await h.enqueue(`conv-${c}`, 100);
    let maxListeners = 0;
    h.setBehaviour(async (_call, signal) => {
      const onAbort = (): void => undefined;
      signal.addEventListener('abort', onAbort);
      maxListeners = Math.max(maxListeners, getEventListeners(signal, 'abort').length);
      await Promise.resolve();
      signal.removeEventListener('abort', onAbort);
      return {};
    });
    const q = h.queue({ rates: false, concurrency: 16 });
    await q.start();
    await q.idle();
    expect(h.calls).toHaveLength(10_000);
    expect(maxListeners).toBeGreaterThan(1);
    expect(maxListeners).toBeLessThanOrEqual(16);
  });

  it('aborts every send in flight at the stop deadline, with the stop reason', async () => {
    const h = await createHarness();
    for (let c = 0; c < 5; c++) await h.enqueue(`conv-${c}`, 1);
    const reasons: unknown[] = [];
    h.setBehaviour(
      (_call, signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            reasons.push(signal.reason);
            reject(signal.reason as Error);
          }),
        ),
    );
    const q = h.queue({ rates: false, concurrency: 5 });
    await q.start();
    expect(h.calls).toHaveLength(5);
    const stopped = track(q.stop({ deadlineMs: 1000 }));
    await h.runUntil(() => stopped.done);
    expect(reasons).toHaveLength(5);
    for (const r of reasons) expect(String(r)).toMatch(/outbound queue stopped/u);
    expect(await h.store.outboxSize()).toBe(5);
    expect(q.stats().retries).toBe(0);
  });
});
