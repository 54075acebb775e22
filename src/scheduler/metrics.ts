/**
 * Scheduler counters as a plain object, for tests and for the runtime's Prometheus exporter.
 */

/** How many recent drift values {@link SchedulerMetrics.driftMs} keeps. */
export const DRIFT_SAMPLES = 1000;

/**
 * A snapshot of the scheduler's counters.
 * @example
 * const { fired, missed, driftMs } = scheduler.metrics;
 */
export interface SchedulerMetrics {
  /** Slots whose handler ran (successfully or not counts in `failed`). */
  fired: number;
  /** Slots that did not run: skipped by policy, beyond `maxCatchUp`, or older than `maxLateness`. */
  missed: number;
  /** Slots that ran later than the grace period (caught up after downtime or a slow run). */
  late: number;
  /** Handlers that threw. */
  failed: number;
  /** Slots re-run after their executor died mid-run. */
  recovered: number;
  /** Slots dead-lettered after crashing on every attempt. */
  abandoned: number;
  /** How late each of the most recent firings started, ms (histogram input). */
  driftMs: number[];
}

/** Mutable recorder behind {@link SchedulerMetrics}. */
export class SchedulerMetricsRecorder {
  private readonly counts = { fired: 0, missed: 0, late: 0, failed: 0, recovered: 0, abandoned: 0 };
  private readonly drift: number[] = [];

  /** A handler finished (or threw) for a slot that started `lateByMs` late. */
  fired(lateByMs: number, graceMs: number): void {
    this.counts.fired++;
    if (lateByMs > graceMs) this.counts.late++;
    this.drift.push(lateByMs);
    if (this.drift.length > DRIFT_SAMPLES) this.drift.shift();
  }

  /** A handler threw. */
  failed(): void {
    this.counts.failed++;
  }

  /** `n` slots will not run. */
  missed(n: number): void {
    this.counts.missed += n;
  }

  /** A crashed run is re-run. */
  recovered(): void {
    this.counts.recovered++;
  }

  /** A slot crashed on every attempt. */
  abandoned(): void {
    this.counts.abandoned++;
  }

  /** A copy of the current values. */
  snapshot(): SchedulerMetrics {
    return { ...this.counts, driftMs: [...this.drift] };
  }
}
