/**
 * The one storage interface of fleepkit. Backends: `MemoryStore` (tests), `SqliteStore` (the
 * embedded default), later Redis. Missing keys read as `undefined`; only real failures throw.
 *
 * The unit of durability is {@link EventCommit}: marking an event handled, advancing the cursor,
 * the handler's key/value writes and its outbox entries land in one transaction (R-01, R-02, R-10).
 */

/** A key/value write. `value: undefined` deletes the key. */
export interface KvWrite {
  namespace: string;
  key: string;
  value: unknown;
  /** Expire the key after this many ms (measured on the store's clock). */
  ttlMs?: number;
}

/** One queued outbound effect. `id` is its `client_req_id`. */
export interface OutboxEntry {
  /** The effect's stable `client_req_id`: the same after a crash and re-handling. */
  id: string;
  /** FIFO lane, normally the conversation id. */
  lane: string;
  /** Store-assigned, strictly increasing insertion order (FIFO within a lane). */
  seq: number;
  /** The effect, as JSON-serialisable data (see `src/api/effects.ts`). */
  effect: unknown;
  createdAt: number;
  /** Failed attempts so far. */
  attempts: number;
  /** Do not send before this epoch ms. */
  notBefore: number;
}

/** An outbox entry to add; the store assigns `seq`. Adding an `id` that exists is a no-op. */
export type NewOutboxEntry = Pick<OutboxEntry, 'id' | 'lane' | 'effect' | 'createdAt'> & { notBefore?: number };

/**
 * A key as a handler read it: the stored JSON text at that moment (`undefined`: absent or
 * expired). The text is the key's version: a commit that expects it applies only while the key
 * still holds exactly that text.
 */
export interface KvRead {
  namespace: string;
  key: string;
  json: string | undefined;
}

/**
 * Everything one handled event (or fired schedule slot) changes, committed atomically.
 *
 * A commit with `expect` is *conditional* (optimistic concurrency): it applies only when every
 * expected key still holds the text that was read and `eventKey` is not in the ledger yet;
 * otherwise nothing of it is applied and it rejects with {@link StoreConflictError}, and the
 * caller runs the unit again on fresh reads.
 */
export interface EventCommit {
  /** Ledger key to mark handled (conversation id + message nr + revision, or a record key). */
  eventKey?: string;
  /** New stream cursor (the low-water mark horizon). Never moves backwards. */
  cursor?: number;
  kv?: KvWrite[];
  outbox?: NewOutboxEntry[];
  /** Keys as the unit read them; makes the commit conditional (see above). */
  expect?: KvRead[];
  /** Jobs the unit created. A job whose id exists already is left as it is (re-handling after a crash). */
  jobs?: JobRow[];
  /** Ids of jobs the unit cancelled (deleted; a missing id is fine). */
  cancelJobs?: string[];
}

/** A persisted scheduled job: the scheduler owns `data`; the store indexes `nextFireAt`. */
export interface JobRow {
  id: string;
  /** Next fire instant, epoch ms UTC; `null` when the job is finished. */
  nextFireAt: number | null;
  data: unknown;
}

/** An entry of the dead-letter table. */
export interface DeadLetter {
  kind: 'event' | 'effect' | 'job';
  key: string;
  payload: unknown;
  reason: string;
  at: number;
}

/** Options of `set` and `compareAndSet`. */
export interface SetOptions {
  /** Expire after this many ms. */
  ttlMs?: number;
}

/**
 * A fleepkit store.
 * @example
 * const store = new SqliteStore({ path: './data/fleepkit.db' });
 * await store.open();
 * await store.set('plugin:standup', 'team', { answers: [] });
 */
export interface Store {
  /** Short name for logs, e.g. `sqlite:./data/fleepkit.db` or `memory`. */
  readonly description: string;
  /**
   * Whether what it holds survives the process. The runtime keeps state that only matters
   * across restarts (message snapshots) in memory when the store is not durable.
   * @default true
   */
  readonly durable?: boolean;
  /**
   * `true` when open() found the store unreadable, moved it aside and started empty
   * (`onCorrupt: 'resync'`): the runtime must then start from `account/sync`, not replay.
   */
  readonly recoveredFromCorruption?: boolean;
  /** Loads or creates the store; nothing may be written before it resolves (R-24). */
  open(): Promise<void>;
  /** Flushes and closes. Idempotent. */
  close(): Promise<void>;

  get<T = unknown>(namespace: string, key: string): Promise<T | undefined>;
  /**
   * The stored JSON text of a key (`undefined` when absent or expired): what {@link get} parses,
   * and the version a conditional commit compares (see {@link KvRead}).
   */
  getJson(namespace: string, key: string): Promise<string | undefined>;
  set(namespace: string, key: string, value: unknown, options?: SetOptions): Promise<void>;
  /** Deletes a key; resolves `true` when it existed. */
  delete(namespace: string, key: string): Promise<boolean>;
  /**
   * Writes `next` only when the current value deep-equals `expected` (`undefined` = absent);
   * `next: undefined` deletes. Resolves whether it wrote.
   */
  compareAndSet(namespace: string, key: string, expected: unknown, next: unknown, options?: SetOptions): Promise<boolean>;
  /** Live keys of a namespace, optionally under a key prefix, in key order. */
  list<T = unknown>(namespace: string, prefix?: string): Promise<Array<{ key: string; value: T }>>;

  /** The stored stream cursor, `undefined` on first start. */
  getCursor(): Promise<number | undefined>;
  /**
   * Sets the cursor unconditionally, also backwards. Only for a resync: the server's horizons
   * started over lower than ours, and commits never move the cursor back on their own.
   */
  resetCursor(horizon: number): Promise<void>;
  /** Whether the ledger has this event key. */
  isHandled(eventKey: string): Promise<boolean>;
  /**
   * Applies an {@link EventCommit} in one transaction; resolves once it is durable. A store may
   * write several commits in one transaction (group commit), as long as every later call sees them.
   * A conditional commit (with `expect`) whose reads are stale rejects with {@link StoreConflictError}
   * and changes nothing; the other commits of its group are not affected.
   */
  commit(change: EventCommit): Promise<void>;

  /** Counts a failed handling of an event (persisted across restarts); resolves the count. */
  recordFailure(eventKey: string, reason: string): Promise<number>;
  addDeadLetter(entry: Omit<DeadLetter, 'at'>): Promise<void>;
  deadLetters(kind?: DeadLetter['kind']): Promise<DeadLetter[]>;
  /**
   * Removes the dead letters of `kind` with `key` and applies `change` (e.g. the effect put back
   * in the outbox) in the same transaction, so two operators retrying at once queue it once.
   * Resolves `false`, changing nothing, when there is no such dead letter.
   */
  resolveDeadLetter(kind: DeadLetter['kind'], key: string, change?: EventCommit): Promise<boolean>;

  /** Pending outbox entries in `seq` order, at most `limit`, optionally only after `afterSeq`. */
  outboxPending(options: { limit: number; afterSeq?: number; lane?: string }): Promise<OutboxEntry[]>;
  /** Removes a sent entry; resolves once that is durable (a store may write several at once). */
  outboxDone(id: string): Promise<void>;
  /** Records a failed attempt and when to try again. */
  outboxRetry(id: string, attempts: number, notBefore: number): Promise<void>;
  /** Number of pending entries. */
  outboxSize(): Promise<number>;

  saveJob(job: JobRow): Promise<void>;
  getJob(id: string): Promise<JobRow | undefined>;
  listJobs(): Promise<JobRow[]>;
  deleteJob(id: string): Promise<boolean>;
  /**
   * Inserts a fire key (job id + scheduled instant) under a uniqueness constraint; resolves
   * `true` for the one caller that inserted it, `false` for everyone else (R-18).
   */
  claimFire(fireKey: string, at: number): Promise<boolean>;
}

/**
 * A conditional commit was refused: since the unit read its keys, another commit changed one of
 * them (`reason: 'changed'`), or marked the same event handled (`reason: 'handled'`). Nothing of
 * the commit was applied. Run the unit again on fresh reads (or, for `'handled'`, skip it).
 */
export class StoreConflictError extends Error {
  readonly code = 'STORE_CONFLICT' as const;
  constructor(
    readonly reason: 'changed' | 'handled',
    /** The ledger key of the refused commit. */
    readonly eventKey: string | undefined,
    /** The first key found changed (`reason: 'changed'`). */
    readonly changed?: { namespace: string; key: string },
  ) {
    super(
      reason === 'handled'
        ? `Commit of ${eventKey ?? 'a unit'} refused: the event was already marked handled by another commit.`
        : `Commit of ${eventKey ?? 'a unit'} refused: '${changed?.namespace}' / '${changed?.key}' changed after it was read; run the unit again.`,
    );
    this.name = 'StoreConflictError';
  }
}

/** Thrown when a store file cannot be read; the file has been moved aside to `movedTo`. */
export class StoreCorruptError extends Error {
  readonly code = 'STORE_CORRUPT' as const;
  constructor(
    readonly path: string,
    readonly movedTo: string,
    options?: { cause?: unknown },
  ) {
    super(
      `The store ${path} is unreadable${options?.cause instanceof Error ? ` (${options.cause.message})` : ''} and was moved aside to ${movedTo}. ` +
        'The bot will not start with an empty cursor on its own: restore the file, or start with ' +
        '`store.onCorrupt: resync` (CLI: --resync) to continue from account/sync.',
      options,
    );
    this.name = 'StoreCorruptError';
  }
}
