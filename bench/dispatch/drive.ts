/**
 * The common driver of the peer benchmarks: hands `n` updates to `handle`, one at a time (the
 * next only after the previous one is fully handled, reply included) or through a pool of
 * `inFlight` workers (up to that many updates being handled at once).
 */
import { AllocationMeter, heapAfterGc } from '../lib/stats.js';
import type { DispatchResult } from '../lib/workload.js';

/** Runs the updates and measures msg/s and bytes allocated per message. */
export async function drive(n: number, inFlight: number, handle: (i: number) => Promise<unknown>, replies: () => number): Promise<DispatchResult> {
  const heapBefore = heapAfterGc();
  const meter = new AllocationMeter();
  const before = replies();
  meter.start();
  const t0 = performance.now();
  if (inFlight <= 1) {
    for (let i = 0; i < n; i++) await handle(i);
  } else {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < n) await handle(next++);
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
  }
  const ms = performance.now() - t0;
  const bytes = meter.stop();
  return { msgsPerS: (n / ms) * 1000, bytesPerMsg: bytes / n, replies: replies() - before, heapAfterBytes: heapAfterGc() - heapBefore };
}
