/**
 * The queue's in-memory bookkeeping: one FIFO lane per conversation, the lanes ready to send
 * ordered least recently served first, and a min-heap of lanes waiting for a time (pause,
 * backoff, rate token).
 */
import type { OutboxEntry } from '../store/store.js';
import type { TokenBucket } from './token-bucket.js';

/** An outbox entry held in memory. */
export interface Pending {
  entry: OutboxEntry;
  /** Epoch ms of the first attempt since this process loaded it; 0 before the first attempt. */
  firstAttemptAt: number;
}

/** One conversation's FIFO. At most one of its entries is in flight. */
export class Lane {
  /** Highest seq loaded into this lane; store rows at or below it are never loaded again. */
  lastSeq = 0;
  /** The store holds entries of this lane beyond the in-memory window. */
  spilled = false;
  /** A refill from the store is requested and has not run yet. */
  refillAsked = false;
  /** An entry of this lane is being sent. */
  busy = false;
  /** Held in the ready set. */
  isReady = false;
  /** Stamp of this lane's last dispatch (0 = none since the lane was made); lower goes first. */
  servedAt = 0;
  /** Stamp of the lane's entry into the ready set: first-come order among equal `servedAt`. */
  readyOrder = 0;
  /** When > 0: the lane sleeps in the heap until this epoch ms. */
  wakeAt = 0;
  /** Do not send before this epoch ms (a 429 on this lane). */
  pausedUntil = 0;
  /** Nothing to send: counted by the queue, and forgotten by its next sweep. */
  idle = false;
  private items: Pending[] = [];
  private first = 0;

  /** @param id the lane key (conversation id). @param bucket its rate limiter, if rates are on. */
  constructor(
    readonly id: string,
    readonly bucket: TokenBucket | undefined,
  ) {}

  /** Entries held (including one in flight). */
  get size(): number {
    return this.items.length - this.first;
  }

  /** The oldest entry, if any. */
  peek(): Pending | undefined {
    return this.items[this.first];
  }

  /** Appends an entry. */
  push(item: Pending): void {
    this.items.push(item);
  }

  /** Removes the oldest entry. */
  shift(): void {
    this.items[this.first++] = undefined as unknown as Pending;
    if (this.first === this.items.length) {
      this.items = [];
      this.first = 0;
    } else if (this.first > 64 && this.first * 2 > this.items.length) {
      this.items = this.items.slice(this.first);
      this.first = 0;
    }
  }
}

/**
 * The lanes ready to send, least recently served first (a binary min-heap on
 * `(servedAt, readyOrder)`). A lane that has not sent for a while, or never, goes ahead of lanes that
 * just sent, so a conversation that becomes active waits for at most one slot, not for a whole
 * round of busy lanes; among lanes that keep sending this is plain round-robin, so none starves:
 * every dispatch stamps the lane after all lanes waiting.
 */
export class ReadyLanes {
  private readonly heap: Lane[] = [];
  private stamp = 0;

  /** Number of lanes held. */
  get size(): number {
    return this.heap.length;
  }

  /** The lane to serve next, if any. */
  peek(): Lane | undefined {
    return this.heap[0];
  }

  /** Adds a lane that is not held. */
  push(lane: Lane): void {
    lane.isReady = true;
    lane.readyOrder = ++this.stamp;
    const heap = this.heap;
    let i = heap.length;
    heap.push(lane);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!before(lane, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = lane;
  }

  /** Removes and returns the lane to serve next. */
  shift(): Lane | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (!top) return undefined;
    top.isReady = false;
    const last = heap.pop()!;
    if (heap.length === 0) return top;
    const n = heap.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(heap[r]!, heap[l]!) ? r : l;
      if (!before(heap[c]!, last)) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = last;
    return top;
  }

  /** Marks `lane` as served now: it goes behind every lane served before. */
  served(lane: Lane): void {
    lane.servedAt = ++this.stamp;
  }
}

function before(a: Lane, b: Lane): boolean {
  return a.servedAt < b.servedAt || (a.servedAt === b.servedAt && a.readyOrder < b.readyOrder);
}

interface Sleeper {
  at: number;
  lane: Lane;
}

/** Lanes waiting for a time, earliest first. Stale nodes (lane.wakeAt changed) are skipped. */
export class SleepHeap {
  private nodes: Sleeper[] = [];

  /** Puts `lane` to sleep until `at`. */
  add(lane: Lane, at: number): void {
    lane.wakeAt = at;
    const nodes = this.nodes;
    nodes.push({ at, lane });
    let i = nodes.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (nodes[parent]!.at <= at) break;
      [nodes[i], nodes[parent]] = [nodes[parent]!, nodes[i]!];
      i = parent;
    }
  }

  /** Earliest wake time of a live sleeper, or undefined. */
  nextAt(): number | undefined {
    this.dropStale();
    return this.nodes[0]?.at;
  }

  /** Removes and returns a lane due at `now`, earliest first, or undefined. */
  popDue(now: number): Lane | undefined {
    this.dropStale();
    const top = this.nodes[0];
    if (!top || top.at > now) return undefined;
    this.pop();
    top.lane.wakeAt = 0;
    return top.lane;
  }

  private dropStale(): void {
    while (this.nodes.length > 0 && this.nodes[0]!.lane.wakeAt !== this.nodes[0]!.at) this.pop();
  }

  private pop(): void {
    const nodes = this.nodes;
    const last = nodes.pop()!;
    if (nodes.length === 0) return;
    nodes[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < nodes.length && nodes[l]!.at < nodes[min]!.at) min = l;
      if (r < nodes.length && nodes[r]!.at < nodes[min]!.at) min = r;
      if (min === i) break;
      [nodes[i], nodes[min]] = [nodes[min]!, nodes[i]!];
      i = min;
    }
  }
}
