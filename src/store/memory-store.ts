/**
 * The in-memory store for tests and benchmarks. It behaves exactly like `SqliteStore` (one
 * contract suite runs against both) but keeps everything in Maps and loses it on exit.
 */
import { systemClock } from '../util/clock.js';
import type { Clock } from '../util/clock.js';
import { StoreLifecycle } from './lifecycle.js';
import type { StoreState } from './lifecycle.js';
import { StoreConflictError } from './store.js';
import type { DeadLetter, EventCommit, JobRow, KvWrite, NewOutboxEntry, OutboxEntry, SetOptions, Store } from './store.js';
import {
  PRUNE_EVERY_WRITES,
  checkCursor,
  checkDeadLetter,
  checkId,
  checkKey,
  checkLimit,
  checkNumber,
  checkRead,
  compareKeys,
  fromJson,
  jsonEquals,
  prepareJob,
  prepareOutbox,
  prepareWrite,
  resolveRetention,
  toJson,
} from './values.js';
import type { LedgerRetention, PreparedJob, PreparedOutbox, ResolvedRetention } from './values.js';

const NONE: KvWrite[] = [];
const NONE_JSON: Array<string | undefined> = [];
const NONE_OUTBOX: PreparedOutbox[] = [];
const NONE_ENTRIES: NewOutboxEntry[] = [];

/**
 * Options of {@link MemoryStore}.
 * @example new MemoryStore({ clock: new ManualClock() })
 */
export interface MemoryStoreOptions {
  /** Clock TTLs and ledger ages are measured on. @default systemClock */
  clock?: Clock;
  /**
   * Ledger pruning policy, as in `SqliteStore`. A memory store keeps the newest keys only, so a
   * long-running bot on it has bounded memory. @default { maxAgeMs: 0, minKeys: 100000 }
   */
  ledgerRetention?: LedgerRetention;
  /** Test hook: open() takes this long (on `clock`) before the store is usable (R-24 tests). @default 0 */
  loadDelayMs?: number;
}

interface KvCell {
  json: string;
  expiresAt: number | undefined;
}

interface OutboxCell {
  id: string;
  lane: string;
  seq: number;
  effectJson: string;
  createdAt: number;
  attempts: number;
  notBefore: number;
  /** Set when sent: the cell stays in `outboxOrder` and `outbox` until the next compaction. */
  done: boolean;
}

interface JobCell {
  id: string;
  nextFireAt: number | null;
  dataJson: string;
}

/**
 * A {@link Store} held in memory. Values are stored as JSON strings: cloned on write and
 * parsed fresh on read, so callers never alias stored state.
 * @example
 * const store = new MemoryStore();
 * await store.open();
 */
export class MemoryStore implements Store {
  /** A memory store does not survive the process. */
  readonly durable = false;
  readonly description = 'memory';
  /** Always `false`: a memory store has no file to lose. */
  readonly recoveredFromCorruption = false;

  private readonly clock: Clock;
  private readonly retention: ResolvedRetention;
  private readonly loadDelayMs: number;
  private readonly lifecycle = new StoreLifecycle(this.description);
  private readonly kv = new Map<string, Map<string, KvCell>>();
  private cursor: number | undefined;
  /** Insertion order is handling order, which lets pruning stop at the first young entry. */
  private readonly ledger = new Map<string, number>();
  private readonly failures = new Map<string, { count: number; reason: string; at: number }>();
  private readonly dead: Array<Omit<DeadLetter, 'payload'> & { payloadJson: string }> = [];
  /** Cells by id; sent ones stay (marked `done`) until the next compaction. */
  private readonly outbox = new Map<string, OutboxCell>();
  /** The same cells in `seq` order, so reading after a seq is a binary search, not a walk. */
  private outboxOrder: OutboxCell[] = [];
  private outboxDoneCount = 0;
  /** Cells not sent yet. */
  private outboxLive = 0;
  private nextSeq = 1;
  private readonly jobs = new Map<string, JobCell>();
  private readonly fires = new Map<string, number>();
  private writes = 0;

  /** @throws RangeError on invalid options. */
  constructor(options: MemoryStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.retention = resolveRetention(options.ledgerRetention ?? { maxAgeMs: 0, minKeys: 100_000 });
    this.loadDelayMs = options.loadDelayMs ?? 0;
    checkNumber(this.loadDelayMs, 'MemoryStore loadDelayMs');
  }

  /** Where the store is in its life: `'new' | 'opening' | 'open' | 'failed' | 'closed'`. */
  get state(): StoreState {
    return this.lifecycle.state;
  }

  open(): Promise<void> {
    return this.lifecycle.open(() => undefined, this.clock, this.loadDelayMs);
  }

  async close(): Promise<void> {
    this.lifecycle.close();
  }

  async get<T = unknown>(namespace: string, key: string): Promise<T | undefined> {
    this.lifecycle.assertOpen('get');
    checkKey(namespace, key);
    const cell = this.live(namespace, key);
    return cell === undefined ? undefined : fromJson<T>(cell.json);
  }

  async getJson(namespace: string, key: string): Promise<string | undefined> {
    this.lifecycle.assertOpen('getJson');
    checkKey(namespace, key);
    return this.live(namespace, key)?.json;
  }

  async set(namespace: string, key: string, value: unknown, options?: SetOptions): Promise<void> {
    this.lifecycle.assertOpen('set');
    const write: KvWrite = { namespace, key, value, ttlMs: options?.ttlMs };
    this.applyWrite(write, prepareWrite(write), this.clock.now());
    this.tick();
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    this.lifecycle.assertOpen('delete');
    checkKey(namespace, key);
    const existed = this.live(namespace, key) !== undefined;
    this.kv.get(namespace)?.delete(key);
    return existed;
  }

  async compareAndSet(namespace: string, key: string, expected: unknown, next: unknown, options?: SetOptions): Promise<boolean> {
    this.lifecycle.assertOpen('compareAndSet');
    const write: KvWrite = { namespace, key, value: next, ttlMs: options?.ttlMs };
    const json = prepareWrite(write);
    const current = this.live(namespace, key);
    if (!jsonEquals(current?.json, expected, () => `compareAndSet('${namespace}', '${key}') expected value`)) return false;
    this.applyWrite(write, json, this.clock.now());
    this.tick();
    return true;
  }

  async list<T = unknown>(namespace: string, prefix = ''): Promise<Array<{ key: string; value: T }>> {
    this.lifecycle.assertOpen('list');
    checkKey(namespace, prefix);
    const cells = this.kv.get(namespace);
    if (!cells) return [];
    const now = this.clock.now();
    const keys: string[] = [];
    for (const [key, cell] of cells) {
      if (key.startsWith(prefix) && (cell.expiresAt === undefined || cell.expiresAt > now)) keys.push(key);
    }
    keys.sort(compareKeys);
    return keys.map((key) => ({ key, value: fromJson<T>((cells.get(key) as KvCell).json) }));
  }

  async getCursor(): Promise<number | undefined> {
    this.lifecycle.assertOpen('getCursor');
    return this.cursor;
  }

  async resetCursor(horizon: number): Promise<void> {
    this.lifecycle.assertOpen('resetCursor');
    checkCursor(horizon);
    this.cursor = horizon;
  }

  async isHandled(eventKey: string): Promise<boolean> {
    this.lifecycle.assertOpen('isHandled');
    return this.ledger.has(eventKey);
  }

  async commit(change: EventCommit): Promise<void> {
    this.lifecycle.assertOpen('commit');
    // Validate and serialise everything first: a bad value must leave no partial commit.
    if (change.eventKey !== undefined) checkId(change.eventKey, 'EventCommit.eventKey');
    if (change.cursor !== undefined) checkCursor(change.cursor);
    const kv = change.kv ?? NONE;
    // One write or one entry (the usual commit) is prepared without an array around it.
    const one = kv.length === 1 ? prepareWrite(kv[0] as KvWrite) : undefined;
    const prepared = kv.length <= 1 ? NONE_JSON : kv.map(prepareWrite);
    const entries = change.outbox ?? NONE_ENTRIES;
    const first = entries.length === 1 ? prepareOutbox(entries[0] as NewOutboxEntry) : undefined;
    const outbox = entries.length <= 1 ? NONE_OUTBOX : entries.map(prepareOutbox);
    const jobs = change.jobs === undefined ? undefined : change.jobs.map(prepareJob);
    if (change.cancelJobs !== undefined) for (const id of change.cancelJobs) checkId(id, 'EventCommit.cancelJobs id');
    if (change.expect !== undefined) this.checkExpectations(change);
    const now = this.clock.now();
    if (change.eventKey !== undefined && !this.ledger.has(change.eventKey)) this.ledger.set(change.eventKey, now);
    if (change.cursor !== undefined && (this.cursor === undefined || change.cursor > this.cursor)) this.cursor = change.cursor;
    if (kv.length === 1) this.applyWrite(kv[0] as KvWrite, one, now);
    else for (let i = 0; i < kv.length; i++) this.applyWrite(kv[i] as KvWrite, prepared[i], now);
    if (first) this.addOutbox(first);
    else for (const e of outbox) this.addOutbox(e);
    if (jobs !== undefined) for (const job of jobs) this.addJob(job);
    if (change.cancelJobs !== undefined) for (const id of change.cancelJobs) this.jobs.delete(id);
    this.tick();
  }

  /** @throws StoreConflictError when a conditional commit's reads are stale or its event is handled. */
  private checkExpectations(change: EventCommit): void {
    const expect = change.expect ?? [];
    for (const read of expect) checkRead(read);
    if (change.eventKey !== undefined && this.ledger.has(change.eventKey)) throw new StoreConflictError('handled', change.eventKey);
    for (const read of expect) {
      if (this.live(read.namespace, read.key)?.json !== read.json) {
        throw new StoreConflictError('changed', change.eventKey, { namespace: read.namespace, key: read.key });
      }
    }
  }

  private addJob(job: PreparedJob): void {
    if (!this.jobs.has(job.id)) this.jobs.set(job.id, { id: job.id, nextFireAt: job.nextFireAt, dataJson: job.dataJson });
  }

  private addOutbox(e: PreparedOutbox): void {
    // A pending entry is never added twice; a sent one may be (like a deleted row in SQLite).
    if (this.outbox.get(e.id)?.done === false) return;
    const cell: OutboxCell = { id: e.id, lane: e.lane, seq: this.nextSeq++, effectJson: e.effectJson, createdAt: e.createdAt, attempts: 0, notBefore: e.notBefore, done: false };
    this.outbox.set(e.id, cell);
    this.outboxOrder.push(cell);
    this.outboxLive++;
  }

  async recordFailure(eventKey: string, reason: string): Promise<number> {
    this.lifecycle.assertOpen('recordFailure');
    checkId(eventKey, 'recordFailure eventKey');
    const count = (this.failures.get(eventKey)?.count ?? 0) + 1;
    // Re-insert so the Map stays in last-failure order for pruning.
    this.failures.delete(eventKey);
    this.failures.set(eventKey, { count, reason: String(reason), at: this.clock.now() });
    this.tick();
    return count;
  }

  async addDeadLetter(entry: Omit<DeadLetter, 'at'>): Promise<void> {
    this.lifecycle.assertOpen('addDeadLetter');
    checkDeadLetter(entry);
    const payloadJson = toJson(entry.payload ?? null, `Dead letter '${entry.key}' payload`);
    this.dead.push({ kind: entry.kind, key: entry.key, payloadJson, reason: entry.reason, at: this.clock.now() });
  }

  async deadLetters(kind?: DeadLetter['kind']): Promise<DeadLetter[]> {
    this.lifecycle.assertOpen('deadLetters');
    return this.dead
      .filter((d) => kind === undefined || d.kind === kind)
      .map((d) => ({ kind: d.kind, key: d.key, payload: fromJson(d.payloadJson), reason: d.reason, at: d.at }));
  }

  async resolveDeadLetter(kind: DeadLetter['kind'], key: string, change?: EventCommit): Promise<boolean> {
    this.lifecycle.assertOpen('resolveDeadLetter');
    if (!this.dead.some((d) => d.kind === kind && d.key === key)) return false;
    // commit() validates everything before it changes anything, and runs to completion synchronously.
    if (change) await this.commit(change);
    for (let i = this.dead.length - 1; i >= 0; i--) {
      const d = this.dead[i]!;
      if (d.kind === kind && d.key === key) this.dead.splice(i, 1);
    }
    return true;
  }

  async outboxPending(options: { limit: number; afterSeq?: number; lane?: string }): Promise<OutboxEntry[]> {
    this.lifecycle.assertOpen('outboxPending');
    checkLimit(options.limit);
    const after = options.afterSeq ?? 0;
    const out: OutboxEntry[] = [];
    const order = this.outboxOrder;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (order[mid]!.seq <= after) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < order.length; i++) {
      const cell = order[i]!;
      if (cell.done || (options.lane !== undefined && cell.lane !== options.lane)) continue;
      out.push(toEntry(cell));
      if (out.length >= options.limit) break;
    }
    return out;
  }

  async outboxDone(id: string): Promise<void> {
    this.lifecycle.assertOpen('outboxDone');
    const cell = this.outbox.get(id);
    if (!cell || cell.done) return;
    cell.done = true;
    this.outboxLive--;
    // Sent cells leave the order list and the id map together, in bulk: no Map churn per send.
    if (++this.outboxDoneCount > 1024 && this.outboxDoneCount * 2 > this.outboxOrder.length) {
      const live: OutboxCell[] = [];
      for (const c of this.outboxOrder) {
        if (!c.done) live.push(c);
        else if (this.outbox.get(c.id) === c) this.outbox.delete(c.id);
      }
      this.outboxOrder = live;
      this.outboxDoneCount = 0;
    }
  }

  async outboxRetry(id: string, attempts: number, notBefore: number): Promise<void> {
    this.lifecycle.assertOpen('outboxRetry');
    checkNumber(attempts, 'outboxRetry attempts');
    checkNumber(notBefore, 'outboxRetry notBefore');
    const cell = this.outbox.get(id);
    if (cell && !cell.done) {
      cell.attempts = attempts;
      cell.notBefore = notBefore;
    }
  }

  async outboxSize(): Promise<number> {
    this.lifecycle.assertOpen('outboxSize');
    return this.outboxLive;
  }

  async saveJob(job: JobRow): Promise<void> {
    this.lifecycle.assertOpen('saveJob');
    checkId(job.id, 'JobRow.id');
    if (job.nextFireAt !== null) checkNumber(job.nextFireAt, 'JobRow.nextFireAt');
    this.jobs.set(job.id, { id: job.id, nextFireAt: job.nextFireAt, dataJson: toJson(job.data ?? null, `Job '${job.id}' data`) });
  }

  async getJob(id: string): Promise<JobRow | undefined> {
    this.lifecycle.assertOpen('getJob');
    const cell = this.jobs.get(id);
    return cell && toJob(cell);
  }

  async listJobs(): Promise<JobRow[]> {
    this.lifecycle.assertOpen('listJobs');
    return [...this.jobs.values()].sort(compareJobs).map(toJob);
  }

  async deleteJob(id: string): Promise<boolean> {
    this.lifecycle.assertOpen('deleteJob');
    return this.jobs.delete(id);
  }

  async claimFire(fireKey: string, at: number): Promise<boolean> {
    this.lifecycle.assertOpen('claimFire');
    checkId(fireKey, 'claimFire fireKey');
    checkNumber(at, 'claimFire at');
    if (this.fires.has(fireKey)) return false;
    this.fires.set(fireKey, at);
    this.tick();
    return true;
  }

  /**
   * Runs maintenance now: drops expired keys, prunes the ledger per `ledgerRetention` and old
   * fire keys. Runs on its own every 1,000 writes.
   */
  async prune(): Promise<void> {
    this.lifecycle.assertOpen('prune');
    this.maintain();
  }

  /** The live cell, dropping it when expired (lazy TTL). */
  private live(namespace: string, key: string): KvCell | undefined {
    const cells = this.kv.get(namespace);
    const cell = cells?.get(key);
    if (cell?.expiresAt !== undefined && cell.expiresAt <= this.clock.now()) {
      cells?.delete(key);
      return undefined;
    }
    return cell;
  }

  private applyWrite(w: KvWrite, json: string | undefined, now: number): void {
    let cells = this.kv.get(w.namespace);
    if (json === undefined) {
      cells?.delete(w.key);
      return;
    }
    if (!cells) this.kv.set(w.namespace, (cells = new Map()));
    cells.set(w.key, { json, expiresAt: w.ttlMs === undefined ? undefined : now + w.ttlMs });
  }

  private tick(): void {
    if (++this.writes % PRUNE_EVERY_WRITES === 0) this.maintain();
  }

  private maintain(): void {
    const now = this.clock.now();
    for (const [namespace, cells] of this.kv) {
      for (const [key, cell] of cells) if (cell.expiresAt !== undefined && cell.expiresAt <= now) cells.delete(key);
      if (cells.size === 0) this.kv.delete(namespace);
    }
    const cutoff = now - this.retention.maxAgeMs;
    for (const [key, handledAt] of this.ledger) {
      if (this.ledger.size <= this.retention.minKeys || handledAt >= cutoff) break;
      this.ledger.delete(key);
    }
    for (const [key, failure] of this.failures) {
      if (failure.at >= cutoff) break;
      this.failures.delete(key);
    }
    const fireCutoff = now - this.retention.fireMaxAgeMs;
    for (const [key, at] of this.fires) if (at < fireCutoff) this.fires.delete(key);
  }
}

function toEntry(cell: OutboxCell): OutboxEntry {
  return { id: cell.id, lane: cell.lane, seq: cell.seq, effect: fromJson(cell.effectJson), createdAt: cell.createdAt, attempts: cell.attempts, notBefore: cell.notBefore };
}

function toJob(cell: JobCell): JobRow {
  return { id: cell.id, nextFireAt: cell.nextFireAt, data: fromJson(cell.dataJson) };
}

/** Jobs by next fire instant (finished jobs last), then id; SqliteStore sorts the same way. */
export function compareJobs(a: { id: string; nextFireAt: number | null }, b: { id: string; nextFireAt: number | null }): number {
  if (a.nextFireAt !== b.nextFireAt) {
    if (a.nextFireAt === null) return 1;
    if (b.nextFireAt === null) return -1;
    return a.nextFireAt - b.nextFireAt;
  }
  return compareKeys(a.id, b.id);
}
