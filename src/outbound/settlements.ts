/** The promises `OutboundQueue.waitFor()` hands out, and a short memory of recent outcomes. */
import { OutboundStoppedError } from './errors.js';

/** Told the outcome of one entry: sent with the transport's result, or failed for good. */
export interface Waiter {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

const PENDING = 0;
const SENT = 1;
const FAILED = 2;

/** One entry: who waits for it, and once it is settled, how it ended. */
interface Slot {
  state: typeof PENDING | typeof SENT | typeof FAILED;
  /** The transport's result (SENT) or the error (FAILED). */
  outcome: unknown;
  waiters: Waiter | Waiter[] | undefined;
}

/**
 * Waiters and outcomes by entry id, in one map: an entry costs one slot from its first waiter
 * to the moment it falls out of the memory of the last `remember` outcomes (a ring: no iterator
 * per eviction).
 */
export class Settlements {
  private readonly slots = new Map<string, Slot>();
  /** Ids of settled slots, oldest at `next` once full. */
  private readonly order: string[] = [];
  private next = 0;

  /** @param remember how many recent outcomes to keep. */
  constructor(private readonly remember = 256) {}

  /** A promise for the outcome of entry `id`; rejects at once when `closed` and it is unknown. */
  waitFor(id: string, closed: boolean): Promise<unknown> {
    return new Promise((resolve, reject) => this.watch(id, { resolve, reject }, closed));
  }

  /**
   * Tells `waiter` the outcome of entry `id`: at once when it is known (or `closed`), else when it
   * happens. The promise-free form of {@link waitFor}, for callers that are a promise themselves.
   */
  watch(id: string, waiter: Waiter, closed: boolean): void {
    const slot = this.slots.get(id);
    if (slot !== undefined && slot.state !== PENDING) {
      tell(waiter, slot);
      return;
    }
    if (closed) {
      waiter.reject(new OutboundStoppedError(id));
      return;
    }
    if (slot === undefined) this.slots.set(id, { state: PENDING, outcome: undefined, waiters: waiter });
    else if (slot.waiters === undefined) slot.waiters = waiter;
    else if (Array.isArray(slot.waiters)) slot.waiters.push(waiter);
    else slot.waiters = [slot.waiters, waiter];
  }

  /** Entry `id` was sent with `value`. */
  resolve(id: string, value: unknown): void {
    this.settle(id, SENT, value);
  }

  /** Entry `id` failed for good. */
  reject(id: string, error: Error): void {
    this.settle(id, FAILED, error);
  }

  /** Forgets the outcome of `id`, which is about to be sent again; waiters of a pending `id` stay. */
  forget(id: string): void {
    if (this.slots.get(id)?.state !== PENDING) this.slots.delete(id);
  }

  /** The queue stopped: every open waiter rejects with {@link OutboundStoppedError}. */
  close(): void {
    for (const [id, slot] of this.slots) {
      if (slot.state !== PENDING) continue;
      this.slots.delete(id);
      const waiters = slot.waiters;
      slot.waiters = undefined;
      if (Array.isArray(waiters)) for (const w of waiters) w.reject(new OutboundStoppedError(id));
      else waiters?.reject(new OutboundStoppedError(id));
    }
  }

  private settle(id: string, state: typeof SENT | typeof FAILED, outcome: unknown): void {
    let slot = this.slots.get(id);
    const known = slot !== undefined && slot.state !== PENDING;
    if (slot === undefined) {
      slot = { state, outcome, waiters: undefined };
      this.slots.set(id, slot);
    } else {
      slot.state = state;
      slot.outcome = outcome;
      const waiters = slot.waiters;
      slot.waiters = undefined;
      if (Array.isArray(waiters)) for (const w of waiters) tell(w, slot);
      else if (waiters !== undefined) tell(waiters, slot);
    }
    // Settling a remembered id again only updates it.
    if (!known) this.rememberId(id);
  }

  private rememberId(id: string): void {
    if (this.order.length < this.remember) {
      this.order.push(id);
      return;
    }
    const evicted = this.order[this.next]!;
    // A forgotten id may be pending again under the same key: its waiters must not be lost.
    if (this.slots.get(evicted)?.state !== PENDING) this.slots.delete(evicted);
    this.order[this.next] = id;
    this.next = (this.next + 1) % this.remember;
  }
}

function tell(waiter: Waiter, slot: Slot): void {
  if (slot.state === SENT) waiter.resolve(slot.outcome);
  else waiter.reject(slot.outcome as Error);
}
