/**
 * Small statistics and measurement helpers shared by the benchmarks: medians, percentiles,
 * allocation counting through `v8.GCProfiler`, and heap-after-GC readings.
 */
import { GCProfiler, getHeapStatistics } from 'node:v8';

/** Median of a list of numbers (NaN when empty). */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** The `p`-th percentile (nearest rank) of `values` (NaN when empty). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Rounds to `digits` significant decimals for printing. */
export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Runs a full GC when the process was started with `--expose-gc`; returns whether it could. */
export function fullGc(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return false;
  gc();
  gc();
  return true;
}

/** Heap in use (bytes), after a full GC when `--expose-gc` is on. */
export function heapAfterGc(): number {
  fullGc();
  return getHeapStatistics().used_heap_size;
}

/**
 * Counts bytes allocated on the JS heap between `start()` and `stop()`: the growth of the used
 * heap plus what every GC in between reclaimed (`v8.GCProfiler` reports the heap before and
 * after each collection). Node 20 has no `total_allocated_bytes`, so this is the method.
 */
export class AllocationMeter {
  private profiler: GCProfiler | undefined;
  private startUsed = 0;

  /** Starts counting. */
  start(): void {
    this.profiler = new GCProfiler();
    this.startUsed = getHeapStatistics().used_heap_size;
    this.profiler.start();
  }

  /** Stops counting and returns the bytes allocated since `start()`. */
  stop(): number {
    const endUsed = getHeapStatistics().used_heap_size;
    const result = this.profiler?.stop();
    this.profiler = undefined;
    let reclaimed = 0;
    for (const s of result?.statistics ?? []) {
      reclaimed += Math.max(0, s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize);
    }
    return Math.max(0, endUsed - this.startUsed + reclaimed);
  }
}

/** A deferred promise. */
export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

/** Creates a {@link Deferred}. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
