/**
 * The embedded default store: one SQLite file (better-sqlite3, WAL). Every handled event is one
 * transaction; an unreadable file is never silently replaced.
 */
import type Database from 'better-sqlite3';
import { systemClock } from '../util/clock.js';
import type { Clock } from '../util/clock.js';
import { StoreLifecycle } from './lifecycle.js';
import type { StoreState } from './lifecycle.js';
import { openSqlite } from './sqlite-open.js';
import type { OnCorrupt, OpenCheck, StoreLogger } from './sqlite-open.js';
import type { WalGuard } from './sqlite-wal.js';
import { prepareStatements } from './sqlite-statements.js';
import type { JobDbRow, OutboxRow, Statements } from './sqlite-statements.js';
import { StoreConflictError } from './store.js';
import type { DeadLetter, EventCommit, JobRow, KvWrite, OutboxEntry, SetOptions, Store } from './store.js';
import {
  PRUNE_EVERY_WRITES,
  checkCursor,
  checkDeadLetter,
  checkId,
  checkKey,
  checkLimit,
  checkNumber,
  checkRead,
  fromJson,
  jsonEquals,
  prepareJob,
  prepareOutbox,
  prepareWrite,
  resolveRetention,
  toJson,
} from './values.js';
import type { LedgerRetention, PreparedJob, PreparedOutbox, ResolvedRetention } from './values.js';

/** The default store file. */
export const DEFAULT_SQLITE_PATH = './data/fleepkit.db';

/** Ledger rows removed per pruning pass at most, so one pass stays around a millisecond. */
const PRUNE_BATCH = 10_000;

/** A validated, serialised EventCommit. */
interface PreparedCommit {
  change: EventCommit;
  kv: KvWrite[];
  kvJson: Array<string | undefined>;
  outbox: PreparedOutbox[];
  jobs: PreparedJob[] | undefined;
  now: number;
  /** Set inside the transaction when a conditional commit was refused (and skipped). */
  conflict?: StoreConflictError;
}

/**
 * Commits and removals of sent entries waiting to be written, in call order, and the promise
 * their callers got. Written in one transaction (one fsync) on the next turn of the event loop,
 * or earlier when any other store call needs the file to be current.
 */
class WriteBatch {
  readonly commits: PreparedCommit[] = [];
  readonly done: string[] = [];
  /** Ledger keys of the commits, so `isHandled` answers without writing the batch first. */
  readonly keys = new Set<string>();
  resolve!: () => void;
  reject!: (error: unknown) => void;
  readonly promise = new Promise<void>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });
}

/** A validated compare-and-set. */
interface PreparedCas {
  write: KvWrite;
  json: string | undefined;
  expected: unknown;
}

/**
 * Options of {@link SqliteStore}.
 * @example new SqliteStore({ path: './data/bot.db', synchronous: 'FULL', onCorrupt: 'refuse' })
 */
export interface SqliteStoreOptions {
  /** The database file; its directory is created. `':memory:'` for a private in-memory database. @default './data/fleepkit.db' */
  path?: string;
  /** Clock TTLs, ledger ages and dead-letter times are measured on. @default systemClock */
  clock?: Clock;
  /**
   * An unreadable file is always moved aside to `<path>.corrupt-<timestamp>`. `'refuse'` then
   * throws `StoreCorruptError`; `'resync'` logs a warning, starts a fresh file and sets
   * `recoveredFromCorruption` so the runtime starts from `account/sync`. @default 'refuse'
   */
  onCorrupt?: OnCorrupt;
  /**
   * `'FULL'` survives power loss. `'NORMAL'` (faster) survives a process crash but may lose the
   * last commits on power loss or an OS crash. @default 'FULL'
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a write waits for another connection's lock before failing. @default 5000 */
  busyTimeoutMs?: number;
  /** Ledger pruning: keep entries younger than `maxAgeMs` OR among the newest `minKeys`. @default { maxAgeMs: 7 days, minKeys: 100000 } */
  ledgerRetention?: LedgerRetention;
  /** Integrity check run by open(): `quick_check`, full `integrity_check`, or none. @default 'quick' */
  openCheck?: OpenCheck;
  /** Receives the corruption error/warning; a pino logger fits. @default none */
  logger?: StoreLogger;
  /** Test hook: open() waits this long (on `clock`) before loading, to test R-24. @default 0 */
  loadDelayMs?: number;
}

/**
 * A {@link Store} in one SQLite file. Several instances (or processes) may share a file:
 * every read-modify-write runs in an IMMEDIATE transaction.
 * @example
 * const store = new SqliteStore({ path: './data/fleepkit.db' });
 * await store.open();
 * if (store.recoveredFromCorruption) log.warn('starting from account/sync');
 */
export class SqliteStore implements Store {
  readonly description: string;
  /** The resolved file path. */
  readonly path: string;
  private readonly clock: Clock;
  private readonly onCorrupt: OnCorrupt;
  private readonly synchronous: 'FULL' | 'NORMAL';
  private readonly busyTimeoutMs: number;
  private readonly retention: ResolvedRetention;
  private readonly openCheck: OpenCheck;
  private readonly logger: StoreLogger | undefined;
  private readonly loadDelayMs: number;
  private readonly lifecycle: StoreLifecycle;
  private db: Database.Database | undefined;
  private s!: Statements;
  private casTx!: Database.Transaction<(c: PreparedCas) => boolean>;
  private batchTx!: Database.Transaction<(batch: WriteBatch) => void>;
  /** The store's own checkpoints (SQLite's automatic ones are off). */
  private wal: WalGuard | undefined;
  /** Commits and removals not written yet (see {@link commit}). */
  private batch: WriteBatch | undefined;
  private writes = 0;
  private recovered = false;

  /** @throws RangeError naming the offending option. */
  constructor(options: SqliteStoreOptions = {}) {
    this.path = options.path ?? DEFAULT_SQLITE_PATH;
    if (typeof this.path !== 'string') throw new TypeError(`SqliteStore path must be a string, got ${typeof this.path}.`);
    this.description = `sqlite:${this.path}`;
    this.clock = options.clock ?? systemClock;
    this.onCorrupt = options.onCorrupt ?? 'refuse';
    if (this.onCorrupt !== 'refuse' && this.onCorrupt !== 'resync') {
      throw new RangeError(`SqliteStore onCorrupt must be 'refuse' or 'resync', got ${JSON.stringify(this.onCorrupt)}.`);
    }
    this.synchronous = options.synchronous ?? 'FULL';
    if (this.synchronous !== 'FULL' && this.synchronous !== 'NORMAL') {
      throw new RangeError(`SqliteStore synchronous must be 'FULL' or 'NORMAL', got ${JSON.stringify(this.synchronous)}.`);
    }
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    if (!Number.isSafeInteger(this.busyTimeoutMs) || this.busyTimeoutMs < 0) {
      throw new RangeError(`SqliteStore busyTimeoutMs must be a non-negative integer, got ${String(this.busyTimeoutMs)}.`);
    }
    this.openCheck = options.openCheck ?? 'quick';
    if (!['quick', 'full', 'none'].includes(this.openCheck)) {
      throw new RangeError(`SqliteStore openCheck must be 'quick', 'full' or 'none', got ${JSON.stringify(this.openCheck)}.`);
    }
    this.retention = resolveRetention(options.ledgerRetention);
    this.logger = options.logger;
    this.loadDelayMs = options.loadDelayMs ?? 0;
    checkNumber(this.loadDelayMs, 'SqliteStore loadDelayMs');
    this.lifecycle = new StoreLifecycle(this.description);
  }

  /** `true` when open() found the file unreadable, moved it aside and started fresh (`onCorrupt: 'resync'`). */
  get recoveredFromCorruption(): boolean {
    return this.recovered;
  }

  /** Where the store is in its life: `'new' | 'opening' | 'open' | 'failed' | 'closed'`. */
  get state(): StoreState {
    return this.lifecycle.state;
  }

  open(): Promise<void> {
    return this.lifecycle.open(
      () => {
        const opened = openSqlite({
          path: this.path,
          synchronous: this.synchronous,
          busyTimeoutMs: this.busyTimeoutMs,
          onCorrupt: this.onCorrupt,
          check: this.openCheck,
          clock: this.clock,
          logger: this.logger,
        });
        try {
          this.s = prepareStatements(opened.db);
          this.casTx = opened.db.transaction((c: PreparedCas) => this.applyCas(c));
          this.batchTx = opened.db.transaction((batch: WriteBatch) => {
            for (const c of batch.commits) this.applyCommit(c);
            for (const id of batch.done) this.s.outboxDone.run(id);
          });
          this.maintain();
        } catch (error) {
          opened.db.close();
          throw error;
        }
        this.db = opened.db;
        this.wal = opened.wal;
        this.recovered = opened.recovered;
      },
      this.clock,
      this.loadDelayMs,
    );
  }

  async close(): Promise<void> {
    // Pending writes first: whoever awaits them gets them on disk.
    if (this.db && this.lifecycle.state === 'open') this.flush();
    if (!this.lifecycle.close()) return;
    this.db?.close();
    this.db = undefined;
  }

  async get<T = unknown>(namespace: string, key: string): Promise<T | undefined> {
    this.use('get');
    checkKey(namespace, key);
    const json = this.liveJson(namespace, key);
    return json === undefined ? undefined : fromJson<T>(json);
  }

  async getJson(namespace: string, key: string): Promise<string | undefined> {
    this.use('getJson');
    checkKey(namespace, key);
    return this.liveJson(namespace, key);
  }

  async set(namespace: string, key: string, value: unknown, options?: SetOptions): Promise<void> {
    this.use('set');
    const write: KvWrite = { namespace, key, value, ttlMs: options?.ttlMs };
    this.applyWrite(write, prepareWrite(write), this.clock.now());
    this.tick();
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    this.use('delete');
    checkKey(namespace, key);
    const row = this.s.kvDelete.get(namespace, key);
    return row !== undefined && (row.expires_at === null || row.expires_at > this.clock.now());
  }

  async compareAndSet(namespace: string, key: string, expected: unknown, next: unknown, options?: SetOptions): Promise<boolean> {
    this.use('compareAndSet');
    const write: KvWrite = { namespace, key, value: next, ttlMs: options?.ttlMs };
    const json = prepareWrite(write);
    // IMMEDIATE: the read and the write hold the write lock together, also across processes.
    const wrote = this.casTx.immediate({ write, json, expected });
    if (wrote) this.tick();
    return wrote;
  }

  async list<T = unknown>(namespace: string, prefix = ''): Promise<Array<{ key: string; value: T }>> {
    this.use('list');
    checkKey(namespace, prefix);
    return this.s.kvList.all({ ns: namespace, prefix, now: this.clock.now() }).map((row) => ({ key: row.key, value: fromJson<T>(row.value) }));
  }

  async getCursor(): Promise<number | undefined> {
    this.use('getCursor');
    const row = this.s.cursorGet.get();
    return row === undefined ? undefined : Number(row.value);
  }

  async resetCursor(horizon: number): Promise<void> {
    this.use('resetCursor');
    checkCursor(horizon);
    this.s.cursorReset.run(horizon);
  }

  async isHandled(eventKey: string): Promise<boolean> {
    this.lifecycle.assertOpen('isHandled');
    // A pending commit counts: no need to write the batch to answer.
    if (this.batch?.keys.has(eventKey)) return true;
    return this.s.ledgerHas.get(eventKey) !== undefined;
  }

  /**
   * Commits a handled event: ledger entry, cursor, state and outbox entries in one transaction.
   * Commits made in the same turn of the event loop (concurrent conversations) share one
   * transaction — group commit, one fsync for all of them; each promise resolves once its commit
   * is on disk. Any other call of this store writes the pending ones first, so every read sees
   * every commit made before it.
   */
  commit(change: EventCommit): Promise<void> {
    try {
      this.lifecycle.assertOpen('commit');
      // Validate and serialise first, so a bad value is refused before anything is queued.
      const prepared = this.prepareCommit(change);
      const batch = this.openBatch();
      batch.commits.push(prepared);
      if (change.expect === undefined) {
        if (change.eventKey !== undefined) batch.keys.add(change.eventKey);
        return batch.promise;
      }
      // A conditional commit may be refused inside the transaction: it does not count as handled before.
      return batch.promise.then(() => {
        if (prepared.conflict) throw prepared.conflict;
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async recordFailure(eventKey: string, reason: string): Promise<number> {
    this.use('recordFailure');
    checkId(eventKey, 'recordFailure eventKey');
    const row = this.s.failureUpsert.get(eventKey, String(reason), this.clock.now()) as { count: number };
    this.tick();
    return row.count;
  }

  async addDeadLetter(entry: Omit<DeadLetter, 'at'>): Promise<void> {
    this.use('addDeadLetter');
    checkDeadLetter(entry);
    const payload = toJson(entry.payload ?? null, `Dead letter '${entry.key}' payload`);
    this.s.deadInsert.run(entry.kind, entry.key, payload, entry.reason, this.clock.now());
  }

  async deadLetters(kind?: DeadLetter['kind']): Promise<DeadLetter[]> {
    this.use('deadLetters');
    const rows = kind === undefined ? this.s.deadAll.all() : this.s.deadByKind.all(kind);
    return rows.map((r) => ({ kind: r.kind as DeadLetter['kind'], key: r.key, payload: fromJson(r.payload), reason: r.reason, at: r.at }));
  }

  async resolveDeadLetter(kind: DeadLetter['kind'], key: string, change?: EventCommit): Promise<boolean> {
    this.use('resolveDeadLetter');
    const prepared = change && this.prepareCommit(change);
    const resolve = this.db!.transaction(() => {
      if (this.s.deadDelete.run(kind, key).changes === 0) return false;
      if (prepared) this.applyCommit(prepared);
      // A refused conditional change rolls the whole transaction back.
      if (prepared?.conflict) throw prepared.conflict;
      return true;
    });
    return resolve.immediate();
  }

  async outboxPending(options: { limit: number; afterSeq?: number; lane?: string }): Promise<OutboxEntry[]> {
    this.use('outboxPending');
    checkLimit(options.limit);
    const after = options.afterSeq ?? 0;
    const rows =
      options.lane === undefined
        ? this.s.outboxPending.all({ after, limit: options.limit })
        : this.s.outboxPendingLane.all({ lane: options.lane, after, limit: options.limit });
    return rows.map(toEntry);
  }

  /**
   * Removes a sent entry. The removal joins the pending write batch (see {@link commit}): it is
   * written with the next commits, or alone on the next turn of the event loop — one fsync for
   * many sends. The promise resolves once it is written.
   */
  outboxDone(id: string): Promise<void> {
    try {
      this.lifecycle.assertOpen('outboxDone');
    } catch (error) {
      return Promise.reject(error);
    }
    const batch = this.openBatch();
    batch.done.push(id);
    return batch.promise;
  }

  /** The pending batch, opened (and its write scheduled) if there is none. */
  private openBatch(): WriteBatch {
    if (!this.batch) {
      const batch = (this.batch = new WriteBatch());
      setImmediate(() => {
        if (this.batch === batch) this.flush();
      });
    }
    return this.batch;
  }

  /** Writes the pending batch now, in one transaction. */
  private flush(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    if (!this.db) {
      batch.reject(new Error('The SQLite store was closed before these writes were made; they are lost and will be redone (events re-handled, sends repeated with the same id) on the next start.'));
      return;
    }
    try {
      this.batchTx.immediate(batch);
    } catch (error) {
      batch.reject(error);
      return;
    }
    batch.resolve();
    if (batch.commits.length > 0) this.tick(batch.commits.length);
    else this.wal?.afterWrite(); // removals of sent entries grow the WAL too
  }

  /** Asserts the store is open and writes pending commits, so `method` sees a current file. */
  private use(method: string): void {
    this.lifecycle.assertOpen(method);
    if (this.batch) this.flush();
  }

  async outboxRetry(id: string, attempts: number, notBefore: number): Promise<void> {
    this.use('outboxRetry');
    checkNumber(attempts, 'outboxRetry attempts');
    checkNumber(notBefore, 'outboxRetry notBefore');
    this.s.outboxRetry.run(attempts, notBefore, id);
  }

  async outboxSize(): Promise<number> {
    this.use('outboxSize');
    return (this.s.outboxSize.get() as { n: number }).n;
  }

  async saveJob(job: JobRow): Promise<void> {
    this.use('saveJob');
    checkId(job.id, 'JobRow.id');
    if (job.nextFireAt !== null) checkNumber(job.nextFireAt, 'JobRow.nextFireAt');
    this.s.jobUpsert.run(job.id, job.nextFireAt, toJson(job.data ?? null, `Job '${job.id}' data`));
  }

  async getJob(id: string): Promise<JobRow | undefined> {
    this.use('getJob');
    const row = this.s.jobGet.get(id);
    return row && toJob(row);
  }

  async listJobs(): Promise<JobRow[]> {
    this.use('listJobs');
    return this.s.jobList.all().map(toJob);
  }

  async deleteJob(id: string): Promise<boolean> {
    this.use('deleteJob');
    return this.s.jobDelete.run(id).changes > 0;
  }

  async claimFire(fireKey: string, at: number): Promise<boolean> {
    this.use('claimFire');
    checkId(fireKey, 'claimFire fireKey');
    checkNumber(at, 'claimFire at');
    // The primary key is the uniqueness constraint: exactly one connection inserts the row.
    const inserted = this.s.fireInsert.run(fireKey, at).changes === 1;
    this.tick();
    return inserted;
  }

  /**
   * Runs maintenance now: drops expired keys, prunes the ledger per `ledgerRetention`, old
   * failure counters and fire keys. Runs on its own at open and every 1,000 writes.
   */
  async prune(): Promise<void> {
    this.use('prune');
    this.maintain();
  }

  /** Validates and serialises a commit. @throws TypeError/RangeError naming the bad part. */
  private prepareCommit(change: EventCommit): PreparedCommit {
    if (change.eventKey !== undefined) checkId(change.eventKey, 'EventCommit.eventKey');
    if (change.cursor !== undefined) checkCursor(change.cursor);
    const kv = change.kv ?? [];
    const kvJson = kv.map(prepareWrite);
    const outbox = (change.outbox ?? []).map(prepareOutbox);
    const jobs = change.jobs?.map(prepareJob);
    if (change.cancelJobs !== undefined) for (const id of change.cancelJobs) checkId(id, 'EventCommit.cancelJobs id');
    if (change.expect !== undefined) for (const read of change.expect) checkRead(read);
    return { change, kv, kvJson, outbox, jobs, now: this.clock.now() };
  }

  private applyCommit(c: PreparedCommit): void {
    const { change, kv, kvJson, now } = c;
    if (change.expect !== undefined && (c.conflict = this.conflictOf(change)) !== undefined) return;
    if (change.eventKey !== undefined) this.s.ledgerInsert.run(change.eventKey, now);
    if (change.cursor !== undefined) this.s.cursorAdvance.run(change.cursor);
    for (let i = 0; i < kv.length; i++) this.applyWrite(kv[i] as KvWrite, kvJson[i], now);
    for (const e of c.outbox) this.s.outboxInsert.run(e.id, e.lane, e.effectJson, e.createdAt, e.notBefore);
    if (c.jobs !== undefined) for (const job of c.jobs) this.s.jobInsert.run(job.id, job.nextFireAt, job.dataJson);
    if (change.cancelJobs !== undefined) for (const id of change.cancelJobs) this.s.jobDelete.run(id);
  }

  /** Why a conditional commit must be refused (inside its transaction), or `undefined`. */
  private conflictOf(change: EventCommit): StoreConflictError | undefined {
    if (change.eventKey !== undefined && this.s.ledgerHas.get(change.eventKey) !== undefined) return new StoreConflictError('handled', change.eventKey);
    for (const read of change.expect ?? []) {
      if (this.liveJson(read.namespace, read.key) !== read.json) {
        return new StoreConflictError('changed', change.eventKey, { namespace: read.namespace, key: read.key });
      }
    }
    return undefined;
  }

  private applyCas(c: PreparedCas): boolean {
    const { namespace, key } = c.write;
    if (!jsonEquals(this.liveJson(namespace, key), c.expected, () => `compareAndSet('${namespace}', '${key}') expected value`)) return false;
    this.applyWrite(c.write, c.json, this.clock.now());
    return true;
  }

  /** The live value's JSON; an expired row is deleted on the way (lazy TTL). */
  private liveJson(namespace: string, key: string): string | undefined {
    const row = this.s.kvGet.get(namespace, key);
    if (row === undefined) return undefined;
    if (row.expires_at !== null) {
      const now = this.clock.now();
      if (row.expires_at <= now) {
        this.s.kvDeleteIfExpired.run(namespace, key, now);
        return undefined;
      }
    }
    return row.value;
  }

  private applyWrite(w: KvWrite, json: string | undefined, now: number): void {
    if (json === undefined) this.s.kvDelete.get(w.namespace, w.key);
    else this.s.kvSet.run(w.namespace, w.key, json, w.ttlMs === undefined ? null : now + w.ttlMs);
  }

  /** Counts `writes` writes; maintenance runs each time the count passes a multiple of PRUNE_EVERY_WRITES. */
  private tick(writes = 1): void {
    this.wal?.afterWrite();
    const before = this.writes;
    this.writes += writes;
    if (Math.floor(this.writes / PRUNE_EVERY_WRITES) > Math.floor(before / PRUNE_EVERY_WRITES)) this.maintain();
  }

  private maintain(): void {
    const now = this.clock.now();
    const cutoff = now - this.retention.maxAgeMs;
    this.s.kvSweep.run(now);
    this.s.failuresPrune.run(cutoff);
    this.s.firesPrune.run(now - this.retention.fireMaxAgeMs);
    // Rowids are handling order and contiguous at the top (only the oldest rows are deleted),
    // so "the newest minKeys" are exactly the rows above max(rowid) - minKeys.
    const oldest = this.s.ledgerOldest.get();
    if (oldest === undefined || oldest.handled_at >= cutoff) return;
    const max = this.s.ledgerMaxRowid.get()?.m ?? 0;
    const boundary = max - this.retention.minKeys;
    if (oldest.rowid > boundary) return;
    this.s.ledgerPrune.run({ boundary, cutoff, batch: PRUNE_BATCH });
  }
}

function toEntry(r: OutboxRow): OutboxEntry {
  return { id: r.id, lane: r.lane, seq: r.seq, effect: fromJson(r.effect), createdAt: r.created_at, attempts: r.attempts, notBefore: r.not_before };
}

function toJob(r: JobDbRow): JobRow {
  return { id: r.id, nextFireAt: r.next_fire_at, data: fromJson(r.data) };
}
