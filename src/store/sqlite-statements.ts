/**
 * Every SQL statement of the SQLite store, prepared once per connection.
 */
import type Database from 'better-sqlite3';

/** A row of the outbox table. */
export interface OutboxRow {
  seq: number;
  id: string;
  lane: string;
  effect: string;
  created_at: number;
  attempts: number;
  not_before: number;
}

/** A row of the jobs table. */
export interface JobDbRow {
  id: string;
  next_fire_at: number | null;
  data: string;
}

/** A row of the dead_letters table. */
export interface DeadLetterRow {
  kind: string;
  key: string;
  payload: string;
  reason: string;
  at: number;
}

type Stmt<P extends unknown[] | object, R = unknown> = Database.Statement<P, R>;

/** The prepared statements, by purpose. */
export interface Statements {
  kvGet: Stmt<[string, string], { value: string; expires_at: number | null }>;
  kvSet: Stmt<[string, string, string, number | null]>;
  kvDelete: Stmt<[string, string], { expires_at: number | null }>;
  kvDeleteIfExpired: Stmt<[string, string, number]>;
  kvList: Stmt<{ ns: string; prefix: string; now: number }, { key: string; value: string }>;
  kvSweep: Stmt<[number]>;
  cursorGet: Stmt<[], { value: number }>;
  cursorAdvance: Stmt<[number]>;
  cursorReset: Stmt<[number]>;
  ledgerHas: Stmt<[string], { one: number }>;
  ledgerInsert: Stmt<[string, number]>;
  ledgerOldest: Stmt<[], { rowid: number; handled_at: number }>;
  ledgerMaxRowid: Stmt<[], { m: number | null }>;
  ledgerPrune: Stmt<{ boundary: number; cutoff: number; batch: number }>;
  failureUpsert: Stmt<[string, string, number], { count: number }>;
  failuresPrune: Stmt<[number]>;
  deadInsert: Stmt<[string, string, string, string, number]>;
  deadAll: Stmt<[], DeadLetterRow>;
  deadByKind: Stmt<[string], DeadLetterRow>;
  deadDelete: Stmt<[string, string]>;
  outboxInsert: Stmt<[string, string, string, number, number]>;
  outboxPending: Stmt<{ after: number; limit: number }, OutboxRow>;
  outboxPendingLane: Stmt<{ lane: string; after: number; limit: number }, OutboxRow>;
  outboxDone: Stmt<[string]>;
  outboxRetry: Stmt<[number, number, string]>;
  outboxSize: Stmt<[], { n: number }>;
  jobUpsert: Stmt<[string, number | null, string]>;
  jobInsert: Stmt<[string, number | null, string]>;
  jobGet: Stmt<[string], JobDbRow>;
  jobList: Stmt<[], JobDbRow>;
  jobDelete: Stmt<[string]>;
  fireInsert: Stmt<[string, number]>;
  firesPrune: Stmt<[number]>;
}

const OUTBOX_COLUMNS = 'seq, id, lane, effect, created_at, attempts, not_before';

/** Prepares all statements on `db` (after migration). */
export function prepareStatements(db: Database.Database): Statements {
  // Each statement's parameter and row types are declared once, in Statements above.
  const p = (sql: string): never => db.prepare(sql) as never;
  return {
    kvGet: p('SELECT value, expires_at FROM kv WHERE namespace = ? AND key = ?'),
    kvSet: p(
      'INSERT INTO kv (namespace, key, value, expires_at) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
    ),
    kvDelete: p('DELETE FROM kv WHERE namespace = ? AND key = ? RETURNING expires_at'),
    kvDeleteIfExpired: p('DELETE FROM kv WHERE namespace = ? AND key = ? AND expires_at <= ?'),
    // `key >= prefix` lets the primary key seek; substr() makes the prefix test exact.
    kvList: p(
      'SELECT key, value FROM kv WHERE namespace = @ns AND key >= @prefix AND substr(key, 1, length(@prefix)) = @prefix ' +
        'AND (expires_at IS NULL OR expires_at > @now) ORDER BY key',
    ),
    kvSweep: p('DELETE FROM kv WHERE expires_at <= ?'),
    cursorGet: p("SELECT value FROM meta WHERE key = 'cursor'"),
    // The cursor never moves backwards, whatever order commits arrive in.
    cursorAdvance: p("INSERT INTO meta (key, value) VALUES ('cursor', ?) ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)"),
    cursorReset: p("INSERT INTO meta (key, value) VALUES ('cursor', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
    ledgerHas: p('SELECT 1 AS one FROM ledger WHERE event_key = ?'),
    ledgerInsert: p('INSERT OR IGNORE INTO ledger (event_key, handled_at) VALUES (?, ?)'),
    ledgerOldest: p('SELECT rowid, handled_at FROM ledger ORDER BY rowid LIMIT 1'),
    ledgerMaxRowid: p('SELECT max(rowid) AS m FROM ledger'),
    ledgerPrune: p(
      'DELETE FROM ledger WHERE rowid IN (SELECT rowid FROM ledger WHERE rowid <= @boundary ORDER BY rowid LIMIT @batch) AND handled_at < @cutoff',
    ),
    failureUpsert: p(
      'INSERT INTO failures (event_key, count, last_reason, updated_at) VALUES (?, 1, ?, ?) ' +
        'ON CONFLICT (event_key) DO UPDATE SET count = count + 1, last_reason = excluded.last_reason, updated_at = excluded.updated_at RETURNING count',
    ),
    failuresPrune: p('DELETE FROM failures WHERE updated_at < ?'),
    deadInsert: p('INSERT INTO dead_letters (kind, key, payload, reason, at) VALUES (?, ?, ?, ?, ?)'),
    deadAll: p('SELECT kind, key, payload, reason, at FROM dead_letters ORDER BY id'),
    deadByKind: p('SELECT kind, key, payload, reason, at FROM dead_letters WHERE kind = ? ORDER BY id'),
    deadDelete: p('DELETE FROM dead_letters WHERE kind = ? AND key = ?'),
    outboxInsert: p('INSERT OR IGNORE INTO outbox (id, lane, effect, created_at, attempts, not_before) VALUES (?, ?, ?, ?, 0, ?)'),
    outboxPending: p(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE seq > @after ORDER BY seq LIMIT @limit`),
    outboxPendingLane: p(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE lane = @lane AND seq > @after ORDER BY seq LIMIT @limit`),
    outboxDone: p('DELETE FROM outbox WHERE id = ?'),
    outboxRetry: p('UPDATE outbox SET attempts = ?, not_before = ? WHERE id = ?'),
    outboxSize: p('SELECT count(*) AS n FROM outbox'),
    jobUpsert: p(
      'INSERT INTO jobs (id, next_fire_at, data) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET next_fire_at = excluded.next_fire_at, data = excluded.data',
    ),
    jobInsert: p('INSERT OR IGNORE INTO jobs (id, next_fire_at, data) VALUES (?, ?, ?)'),
    jobGet: p('SELECT id, next_fire_at, data FROM jobs WHERE id = ?'),
    jobList: p('SELECT id, next_fire_at, data FROM jobs ORDER BY next_fire_at IS NULL, next_fire_at, id'),
    jobDelete: p('DELETE FROM jobs WHERE id = ?'),
    fireInsert: p('INSERT OR IGNORE INTO fires (fire_key, at) VALUES (?, ?)'),
    firesPrune: p('DELETE FROM fires WHERE at < ?'),
  };
}
