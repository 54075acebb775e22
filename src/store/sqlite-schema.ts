/**
 * The SQLite store's schema and its migrations. The schema version lives in
 * `PRAGMA user_version`; migrations run in order, all in one transaction, so a crash mid-upgrade
 * leaves the previous version intact.
 */
import type Database from 'better-sqlite3';
import { StoreSchemaError } from './store-errors.js';

/** One migration: brings the schema from version `index` to `index + 1`. */
export type Migration = (db: Database.Database) => void;

/**
 * The migrations, in order. Append only: never edit one that has shipped.
 * The ledger is a rowid table on purpose: its rowid is handling order, which makes pruning by
 * "newest N" an O(log n) lookup instead of a scan.
 */
export const MIGRATIONS: readonly Migration[] = [
  (db) =>
    db.exec(`
      CREATE TABLE kv (
        namespace TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        expires_at INTEGER,
        PRIMARY KEY (namespace, key)
      ) WITHOUT ROWID;
      CREATE INDEX kv_expires ON kv (expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
      CREATE TABLE ledger (event_key TEXT PRIMARY KEY, handled_at INTEGER NOT NULL);
      CREATE TABLE failures (
        event_key TEXT PRIMARY KEY,
        count INTEGER NOT NULL,
        last_reason TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX failures_updated ON failures (updated_at);
      CREATE TABLE dead_letters (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        payload TEXT NOT NULL,
        reason TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX dead_letters_kind ON dead_letters (kind, id);
      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        lane TEXT NOT NULL,
        effect TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        not_before INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX outbox_lane ON outbox (lane, seq);
      CREATE TABLE jobs (id TEXT PRIMARY KEY, next_fire_at INTEGER, data TEXT NOT NULL) WITHOUT ROWID;
      CREATE INDEX jobs_next_fire_at ON jobs (next_fire_at);
      CREATE TABLE fires (fire_key TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX fires_at ON fires (at);
    `),
];

/** The schema version this fleepkit writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to {@link SCHEMA_VERSION}. Runs in an IMMEDIATE transaction so two
 * processes opening a new file at once do not both create the tables.
 * @throws StoreSchemaError when the file's version is newer than this code knows.
 */
export function migrate(db: Database.Database, path: string, migrations: readonly Migration[] = MIGRATIONS): void {
  const run = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > migrations.length) throw new StoreSchemaError(path, current, migrations.length);
    for (let v = current; v < migrations.length; v++) (migrations[v] as Migration)(db);
    // user_version cannot be bound as a parameter; it is an integer we computed.
    if (current !== migrations.length) db.pragma(`user_version = ${migrations.length}`);
  });
  run.immediate();
}
