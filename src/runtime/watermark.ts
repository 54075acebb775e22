/**
 * The durable cursor is a low-water mark: it may move past a poll batch only when every
 * unit of that batch and of all earlier batches is handled. With conversations handled
 * concurrently, the newest finished event is not safe to store — a crash would lose the
 * unfinished ones before it.
 */

/** A poll batch in flight: its horizon and how many of its units are not finished. */
export interface Batch {
  readonly horizon: number;
  pending: number;
}

/** Tracks batches in stream order and yields the horizon that is safe to persist. */
export class Watermark {
  private readonly batches: Batch[] = [];
  private head = 0;
  private mark: number;

  /** @param start the cursor the bot resumed from. */
  constructor(start: number) {
    this.mark = start;
  }

  /** The current low-water mark. */
  get value(): number {
    return this.mark;
  }

  /** Registers a batch that ends at `horizon` with `units` units to handle. */
  add(horizon: number, units: number): Batch {
    const batch: Batch = { horizon, pending: units };
    this.batches.push(batch);
    return batch;
  }

  /**
   * Marks one unit of `batch` finished (or, with `units = 0`, just re-checks) and returns the
   * new mark when it moved, `undefined` otherwise.
   */
  finish(batch: Batch, units = 1): number | undefined {
    batch.pending -= units;
    const before = this.mark;
    while (this.head < this.batches.length && this.batches[this.head]!.pending <= 0) {
      this.mark = Math.max(this.mark, this.batches[this.head]!.horizon);
      this.head++;
    }
    if (this.head > 1024) {
      this.batches.splice(0, this.head);
      this.head = 0;
    }
    return this.mark !== before ? this.mark : undefined;
  }

  /** Forgets everything and restarts from `horizon` (resync). */
  reset(horizon: number): void {
    this.batches.length = 0;
    this.head = 0;
    this.mark = horizon;
  }

  /** Batches not yet fully handled. */
  get open(): number {
    return this.batches.length - this.head;
  }
}
