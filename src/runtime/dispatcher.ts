/**
 * In order per conversation, concurrent across conversations (R-03, FEATURES.md #6): each lane
 * is a FIFO; at most `concurrency` lanes run at once; waiting lanes take turns in arrival order.
 */

/** Options of {@link Dispatcher}. */
export interface DispatcherOptions<T> {
  /** Lanes that may run at the same time. @default 16 */
  concurrency?: number;
  /** Handles one item; must not reject (the dispatcher logs nothing itself). */
  run: (item: T) => Promise<unknown>;
  /** Reports a rejection of `run` (a bug: run is expected to catch). */
  onError?: (error: unknown, item: T) => void;
}

/** Emptied lanes kept (under their conversation) before a sweep forgets them. */
const IDLE_LANES = 1024;

interface Lane<T> {
  items: T[];
  head: number;
  running: boolean;
}

/** Serial per lane, concurrent across lanes, bounded. */
export class Dispatcher<T extends { lane: string }> {
  private readonly lanes = new Map<string, Lane<T>>();
  private readonly ready: Lane<T>[] = [];
  /** Lanes in `lanes` with nothing queued or running. */
  private idleLanes = 0;
  private readyHead = 0;
  private active = 0;
  private queued = 0;
  private waiters: Array<() => void> = [];
  private readonly concurrency: number;
  /** Most lanes seen running at once (for tests and metrics). */
  maxObserved = 0;

  constructor(private readonly options: DispatcherOptions<T>) {
    const c = options.concurrency ?? 16;
    if (!Number.isInteger(c) || c < 1) throw new RangeError(`concurrency must be a whole number ≥ 1, got ${c}`);
    this.concurrency = c;
  }

  /** Items queued or running. */
  get size(): number {
    return this.queued;
  }

  /** Adds an item to the end of its lane. */
  push(item: T): void {
    let lane = this.lanes.get(item.lane);
    if (!lane) {
      lane = { items: [], head: 0, running: false };
      this.lanes.set(item.lane, lane);
    } else if (!lane.running && lane.items.length === 0) {
      this.idleLanes--;
    }
    lane.items.push(item);
    this.queued++;
    if (!lane.running && lane.items.length - lane.head === 1) this.ready.push(lane);
    this.pump();
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.queued === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Forgets every idle lane (one pass per IDLE_LANES emptied lanes: O(1) per item). */
  private forgetIdle(): void {
    for (const [key, lane] of this.lanes) {
      if (!lane.running && lane.items.length === 0) this.lanes.delete(key);
    }
    this.idleLanes = 0;
  }

  private pump(): void {
    while (this.active < this.concurrency && this.readyHead < this.ready.length) {
      const lane = this.ready[this.readyHead++]!;
      if (this.readyHead > 1024) {
        this.ready.splice(0, this.readyHead);
        this.readyHead = 0;
      }
      this.active++;
      if (this.active > this.maxObserved) this.maxObserved = this.active;
      lane.running = true;
      void this.drain(lane);
    }
  }

  private async drain(lane: Lane<T>): Promise<void> {
    // Run a few items of this lane, then yield the slot so other lanes get their turn.
    let budget = 8;
    while (lane.head < lane.items.length && budget-- > 0) {
      const item = lane.items[lane.head]!;
      lane.items[lane.head++] = undefined as unknown as T;
      try {
        await this.options.run(item);
      } catch (error) {
        this.options.onError?.(error, item);
      }
      this.queued--;
    }
    lane.running = false;
    if (lane.head >= lane.items.length) {
      lane.items.length = 0;
      lane.head = 0;
      // Kept under its conversation (no Map churn when it gets work again soon), up to a bound.
      if (++this.idleLanes > IDLE_LANES) this.forgetIdle();
    } else {
      this.ready.push(lane);
    }
    this.active--;
    if (this.queued === 0 && this.waiters.length > 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }
    this.pump();
  }
}
