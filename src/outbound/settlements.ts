/** The promises `OutboundQueue.waitFor()` hands out, and a short memory of recent outcomes. */
import { OutboundStoppedError } from './errors.js';

type Outcome = { ok: true; value: unknown } | { ok: false; error: Error };

/** Told the outcome of one entry: sent with the transport's result, or failed for good. */
export interface Waiter {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** Waiters by entry id; outcomes of the last `remember` entries answer late callers. */
export class Settlements {
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly recent = new Map<string, Outcome>();
  /** Ids in `recent`, oldest at `next` once full (a ring: no iterator per eviction). */
  private readonly order: string[];
  private next = 0;

  /** @param remember how many recent outcomes to keep. */
  constructor(private readonly remember = 256) {
    this.order = [];
  }

  /** A promise for the outcome of entry `id`; rejects at once when `closed` and it is unknown. */
  waitFor(id: string, closed: boolean): Promise<unknown> {
    return new Promise((resolve, reject) => this.watch(id, { resolve, reject }, closed));
  }

  /**
   * Tells `waiter` the outcome of entry `id`: at once when it is known (or `closed`), else when it
   * happens. The promise-free form of {@link waitFor}, for callers that are a promise themselves.
   */
  watch(id: string, waiter: Waiter, closed: boolean): void {
    const done = this.recent.get(id);
    if (done) {
      if (done.ok) waiter.resolve(done.value);
      else waiter.reject(done.error);
      return;
    }
    if (closed) {
      waiter.reject(new OutboundStoppedError(id));
      return;
    }
    const list = this.waiters.get(id);
    if (list) list.push(waiter);
    else this.waiters.set(id, [waiter]);
  }

  /** Entry `id` was sent with `value`. */
  resolve(id: string, value: unknown): void {
    this.settle(id, { ok: true, value });
  }

  /** Entry `id` failed for good. */
  reject(id: string, error: Error): void {
    this.settle(id, { ok: false, error });
  }

  /** The queue stopped: every open waiter rejects with {@link OutboundStoppedError}. */
  close(): void {
    for (const [id, list] of this.waiters) for (const w of list) w.reject(new OutboundStoppedError(id));
    this.waiters.clear();
  }

  private settle(id: string, outcome: Outcome): void {
    const list = this.waiters.get(id);
    if (list) {
      this.waiters.delete(id);
      for (const w of list) {
        if (outcome.ok) w.resolve(outcome.value);
        else w.reject(outcome.error);
      }
    }
    if (this.recent.has(id)) {
      this.recent.set(id, outcome);
      return;
    }
    if (this.order.length < this.remember) {
      this.order.push(id);
    } else {
      this.recent.delete(this.order[this.next]!);
      this.order[this.next] = id;
      this.next = (this.next + 1) % this.remember;
    }
    this.recent.set(id, outcome);
  }
}
