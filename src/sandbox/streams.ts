/**
 * Per-account event streams: every record pushed to an account advances that account's
 * `event_horizon` by one (PROTOCOL.md §12 #16). Waiting long polls are woken once the current
 * round of I/O callbacks has run (`setImmediate`), so all records of one change arrive in one
 * batch, and so do the changes of every request parsed in the same round: under load a held poll
 * answers once per round instead of once per request.
 */
import type { FleepRecord } from '../api/records.js';
import { DeferredRecord } from './deferred-record.js';
import { forViewer } from './views.js';

/** How many records each account keeps; older ones are dropped (pollers that far behind skip them). */
export const STREAM_KEEP = 20_000;

/** Snapshot form of one account's stream. */
export interface StreamSnapshot {
  horizon: number;
  records: FleepRecord[];
}

/**
 * A record shared by every member's stream, read as `{ ...base, profile_id: viewer }`. A message
 * reaches every member; keeping one copy plus this pair instead of a full copy per member cuts
 * what each send leaves on the heap by about a third (less for the GC to copy and mark).
 * `base` must not change after it is pushed.
 */
class ViewerRecord extends DeferredRecord {
  constructor(
    readonly base: FleepRecord,
    readonly viewer: string,
  ) {
    super();
  }

  expand(): FleepRecord {
    return forViewer(this.base, this.viewer);
  }
}

type Kept = FleepRecord | DeferredRecord;

function read(kept: Kept): FleepRecord {
  return kept instanceof DeferredRecord ? kept.expand() : kept;
}

class AccountStream {
  horizon = 0;
  /** Horizon of `records[0]` minus one. */
  base = 0;
  records: Kept[] = [];
  readonly waiters = new Set<() => void>();

  constructor(private readonly wakeLater: (stream: AccountStream) => void) {}

  push(record: Kept): void {
    this.horizon++;
    this.records.push(record);
    if (this.records.length > STREAM_KEEP + STREAM_KEEP / 4) {
      const drop = this.records.length - STREAM_KEEP;
      this.records.splice(0, drop);
      this.base += drop;
    }
    if (this.waiters.size > 0) this.wakeLater(this);
  }

  wake(): void {
    for (const wake of [...this.waiters]) wake();
  }

  since(horizon: number, limit: number): { records: FleepRecord[]; horizon: number } {
    const from = Math.max(horizon, this.base);
    const start = from - this.base;
    const end = Math.min(this.records.length, start + limit);
    const records: FleepRecord[] = [];
    for (let i = start; i < end; i++) records.push(read(this.records[i] as Kept));
    return { records, horizon: from + records.length };
  }
}

/** All accounts' streams. */
export class EventStreams {
  private readonly streams = new Map<string, AccountStream>();
  /** Streams with records for held polls, woken together by one immediate. */
  private readonly toWake = new Set<AccountStream>();
  private wakeScheduled = false;
  private readonly wakeLater = (stream: AccountStream): void => {
    this.toWake.add(stream);
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      const streams = [...this.toWake];
      this.toWake.clear();
      for (const s of streams) s.wake();
    });
  };

  private get(accountId: string): AccountStream {
    let s = this.streams.get(accountId);
    if (!s) {
      s = new AccountStream(this.wakeLater);
      this.streams.set(accountId, s);
    }
    return s;
  }

  /** Appends a record to an account's stream. */
  push(accountId: string, record: FleepRecord): void {
    this.get(accountId).push(record);
  }

  /**
   * Appends `{ ...shared, profile_id: accountId }` without copying `shared` now: push the same
   * object to every member, and never change it afterwards.
   */
  pushForViewer(accountId: string, shared: FleepRecord): void {
    this.get(accountId).push(new ViewerRecord(shared, accountId));
  }

  /** Appends a compact record, built when read (see {@link DeferredRecord}). */
  pushDeferred(accountId: string, record: DeferredRecord): void {
    this.get(accountId).push(record);
  }

  /** The account's current horizon. */
  horizon(accountId: string): number {
    return this.get(accountId).horizon;
  }

  /** The oldest horizon still kept (records after it are available). */
  base(accountId: string): number {
    return this.get(accountId).base;
  }

  /** Records after `horizon` (at most `limit`) and the horizon after the last one. */
  since(accountId: string, horizon: number, limit: number): { records: FleepRecord[]; horizon: number } {
    return this.get(accountId).since(horizon, limit);
  }

  /** Registers a wake-up for the next push; returns the unregister function. */
  wait(accountId: string, wake: () => void): () => void {
    const s = this.get(accountId);
    s.waiters.add(wake);
    return () => s.waiters.delete(wake);
  }

  /** Wakes every waiter (used on close). */
  wakeAll(): void {
    for (const s of this.streams.values()) s.wake();
  }

  /** Number of polls of one account currently held. */
  waitingFor(accountId: string): number {
    return this.streams.get(accountId)?.waiters.size ?? 0;
  }

  /** Number of polls currently held. */
  get waiting(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.waiters.size;
    return n;
  }

  /** Serialisable form (the last `keep` records of each account). */
  snapshot(keep = 1000): Record<string, StreamSnapshot> {
    const out: Record<string, StreamSnapshot> = {};
    for (const [id, s] of this.streams) out[id] = { horizon: s.horizon, records: s.records.slice(-keep).map(read) };
    return out;
  }

  /** Replaces all streams with a snapshot's. */
  restore(snap: Record<string, StreamSnapshot>): void {
    this.streams.clear();
    for (const [id, { horizon, records }] of Object.entries(snap)) {
      const s = this.get(id);
      s.horizon = horizon;
      s.records = records;
      s.base = horizon - records.length;
    }
  }

  /** Drops everything (waiters are woken so they answer). */
  clear(): void {
    this.wakeAll();
    this.streams.clear();
  }
}
