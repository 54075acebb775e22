/**
 * The bounded in-memory window over the store's outbox: at most `perLane` entries per
 * lane and `total` overall; the rest waits in the store and is read in `seq` order as room frees.
 *
 * Invariant: a lane's entries enter memory in `seq` order and never twice, because an entry is
 * taken only when its `seq` is above the lane's `lastSeq`. A lane that overflowed (`spilled`) is
 * refilled by lane-filtered reads, and the global scan skips its rows meanwhile.
 */
import type { OutboxEntry } from '../store/store.js';
import type { Lane } from './lanes.js';
import type { OutboxStore } from './queue-options.js';

const PAGE = 1000;

/** Lanes plus what of the store is held in memory. Loads must not run concurrently. */
export class OutboxWindow {
  /** Lanes by id. */
  readonly lanes = new Map<string, Lane>();
  /** Spilled lanes waiting for a refill. */
  readonly refill = new Set<Lane>();
  /** Entries held in memory. */
  held = 0;
  /** The last scan stopped because the window was full: the store may hold more. */
  storeHasMore = false;
  private scanSeq = 0;
  /** Entries removed (sent or dead-lettered) so far. */
  private removed = 0;
  /** Pending entries in the store at the last count (held ones included); undefined: none beyond memory. */
  private storeCount: number | undefined;
  private removedAtCount = 0;
  private countedAt = 0;

  /**
   * @param store the outbox.
   * @param perLane window per lane. @param total window overall.
   * @param createLane makes a lane for an id. @param onAdded called after an entry joined `lane`.
   */
  constructor(
    private readonly store: OutboxStore,
    private readonly perLane: number,
    private readonly total: number,
    private readonly createLane: (id: string) => Lane,
    private readonly onAdded: (lane: Lane) => void,
  ) {}

  /** Reads the store in seq order after the last scanned row until the store or the window ends. */
  async scan(): Promise<void> {
    for (;;) {
      const room = this.total - this.held;
      if (room <= 0) {
        this.storeHasMore = true;
        return;
      }
      const limit = Math.min(room, PAGE);
      const page = await this.store.outboxPending({ limit, afterSeq: this.scanSeq });
      for (const entry of page) {
        if (this.held >= this.total) {
          this.storeHasMore = true;
          return;
        }
        this.scanSeq = entry.seq;
        this.add(entry, false);
      }
      if (page.length < limit) {
        this.storeHasMore = false;
        return;
      }
    }
  }

  /** Reads the next entries of each spilled lane, by lane. */
  async refillLanes(): Promise<void> {
    for (const lane of [...this.refill]) {
      lane.refillAsked = false;
      const limit = Math.min(this.perLane - lane.size, this.total - this.held);
      if (limit <= 0) continue;
      const page = await this.store.outboxPending({ limit, afterSeq: lane.lastSeq, lane: lane.id });
      for (const entry of page) this.add(entry, true);
      if (page.length < limit) {
        lane.spilled = false;
        this.refill.delete(lane);
      }
    }
  }

  /** Whether `lane` is spilled and low enough to be refilled; marks it asked. */
  wantsRefill(lane: Lane): boolean {
    if (!lane.spilled || lane.refillAsked || lane.size > this.perLane >> 1) return false;
    lane.refillAsked = true;
    this.refill.add(lane);
    return true;
  }

  /** Whether memory is low enough and the store may hold more. */
  wantsScan(): boolean {
    return this.storeHasMore && this.held <= this.total >> 1;
  }

  /** Drops the head of `lane` (sent or dead-lettered). */
  remove(lane: Lane): void {
    lane.shift();
    this.held--;
    this.removed++;
  }

  /**
   * Entries pending: held plus those the store holds beyond the window, as of the last
   * {@link countStore} lowered by the entries removed since (never below `held`).
   */
  get pending(): number {
    return this.storeCount === undefined ? this.held : Math.max(this.held, this.storeCount - (this.removed - this.removedAtCount));
  }

  /**
   * Re-counts the store's pending entries, at most once per `everyMs`, while the store holds more
   * than memory (the count costs a query); otherwise `pending` is just `held`. `undefined`: nothing
   * to count (no promise made for the usual case).
   */
  countStore(now: number, everyMs: number): Promise<void> | undefined {
    if (!this.storeHasMore && this.refill.size === 0) {
      this.storeCount = undefined;
      return undefined;
    }
    if (this.storeCount !== undefined && now - this.countedAt < everyMs) return undefined;
    return this.recount(now);
  }

  private async recount(now: number): Promise<void> {
    this.countedAt = now;
    // Taken before the read: entries removed meanwhile are then at worst subtracted twice (bounded
    // by the sends in flight, and `pending` never drops below `held`).
    const removed = this.removed;
    this.storeCount = await this.store.outboxSize();
    this.removedAtCount = removed;
  }

  private add(entry: OutboxEntry, refilling: boolean): void {
    let lane = this.lanes.get(entry.lane);
    if (!lane) {
      lane = this.createLane(entry.lane);
      this.lanes.set(entry.lane, lane);
    }
    // Rows at or below lastSeq were loaded before (and maybe sent): never twice.
    if (entry.seq <= lane.lastSeq) return;
    if ((lane.spilled && !refilling) || lane.size >= this.perLane) {
      lane.spilled = true;
      return;
    }
    lane.push({ entry, firstAttemptAt: 0 });
    lane.lastSeq = entry.seq;
    this.held++;
    this.onAdded(lane);
  }
}
