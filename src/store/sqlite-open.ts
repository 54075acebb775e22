/**
 * Opening a SQLite store file: pragmas, the integrity check, migrations and — when the file or
 * its write-ahead log is unreadable or the log is lost — the loud path of R-23 (move the files
 * aside, then refuse or start fresh).
 */
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Clock } from '../util/clock.js';
import { StoreCorruptError } from './store.js';
import { migrate } from './sqlite-schema.js';
import { inspectWal, WalGuard } from './sqlite-wal.js';

/** The logger a store reports corruption to; a pino logger fits. */
export interface StoreLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What to do with an unreadable file: refuse to start, or start fresh (and resync). */
export type OnCorrupt = 'refuse' | 'resync';

/** How much `open()` checks the file. */
export type OpenCheck = 'quick' | 'full' | 'none';

/** Settings {@link openSqlite} needs. */
export interface OpenSqliteSettings {
  path: string;
  synchronous: 'FULL' | 'NORMAL';
  busyTimeoutMs: number;
  onCorrupt: OnCorrupt;
  check: OpenCheck;
  clock: Clock;
  logger: StoreLogger | undefined;
}

/** An opened, migrated database. */
export interface OpenedSqlite {
  db: Database.Database;
  /** True when the file was unreadable, moved aside, and replaced by a fresh one. */
  recovered: boolean;
  /** The store's checkpoints (none for `:memory:`); call `afterWrite()` after writing. */
  wal: WalGuard | undefined;
}

/** What {@link connect} has made so far (kept on failure, so the caller can close it). */
interface Connection {
  db?: Database.Database;
  wal?: WalGuard;
}

/** Raised inside {@link openSqlite} when a check fails; turned into StoreCorruptError. */
class CorruptionFound extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'CorruptionFound';
  }
}

/** Whether an error means "this file is not a readable database" (as opposed to busy, EACCES…). */
export function isCorruption(error: unknown): boolean {
  if (error instanceof CorruptionFound) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
}

/**
 * Opens (creating when absent) and migrates the store file.
 * @throws StoreCorruptError when the file is unreadable and `onCorrupt` is `'refuse'`.
 * @throws StoreSchemaError when the file is newer than this code.
 */
export function openSqlite(settings: OpenSqliteSettings): OpenedSqlite {
  const { path } = settings;
  const inMemory = path === ':memory:' || path === '';
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });
  const handle: Connection = {};
  try {
    // Our open() always writes the schema, so an existing empty file is a truncated store.
    if (!inMemory && existsSync(path) && statSync(path).size === 0 && !existsSync(`${path}-wal`)) {
      throw new CorruptionFound('the file is empty (0 bytes)');
    }
    connect(settings, inMemory, handle);
    return { db: handle.db as Database.Database, recovered: false, wal: handle.wal };
  } catch (error) {
    if (inMemory || !isCorruption(error)) {
      handle.db?.close();
      throw error;
    }
    // Move aside before closing: closing a connection deletes the -wal file by name, and the
    // -wal may hold the newest commits someone will want to recover.
    const movedTo = moveAside(path, settings.clock.now());
    handle.db?.close();
    const detail = (error as Error).message;
    if (settings.onCorrupt === 'refuse') {
      settings.logger?.error({ path, movedTo, detail }, 'store file is unreadable; moved aside, refusing to start');
      throw new StoreCorruptError(path, movedTo, { cause: error });
    }
    settings.logger?.warn(
      { path, movedTo, detail },
      'store file is unreadable; moved aside and starting with a fresh store (onCorrupt: resync): the bot continues from account/sync',
    );
    // A failure on the brand-new file is not corruption we can fix: close it and let it throw.
    const fresh: Connection = {};
    try {
      connect(settings, false, fresh);
    } catch (freshError) {
      fresh.db?.close();
      throw freshError;
    }
    return { db: fresh.db as Database.Database, recovered: true, wal: fresh.wal };
  }
}

/** Opens, configures, checks and migrates; leaves the connection in `handle` even on failure. */
function connect(settings: OpenSqliteSettings, inMemory: boolean, handle: Connection): void {
  // The WAL is checked before SQLite reads it: SQLite would quietly drop what follows damage.
  const wal = inMemory ? undefined : inspectWal(settings.path);
  if (wal?.exists && wal.damage) throw new CorruptionFound(`its write-ahead log ${settings.path}-wal is damaged: ${wal.damage}`);
  const db = new Database(settings.path, { timeout: settings.busyTimeoutMs });
  handle.db = db;
  if (!inMemory) {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`Could not switch ${settings.path} to WAL mode (got ${String(mode)}).`);
  }
  db.pragma(`synchronous = ${settings.synchronous}`);
  if (settings.check !== 'none') {
    const pragma = settings.check === 'full' ? 'integrity_check' : 'quick_check';
    const rows = db.pragma(pragma) as Array<Record<string, unknown>>;
    const messages = rows.map((row) => String(Object.values(row)[0]));
    if (messages.length !== 1 || messages[0] !== 'ok') throw new CorruptionFound(`${pragma}: ${messages.slice(0, 5).join('; ')}`);
  }
  migrate(db, settings.path);
  if (wal) {
    handle.wal = new WalGuard(db, `${settings.path}-wal`);
    const lost = handle.wal.opened(wal.exists);
    if (lost) throw new CorruptionFound(lost);
  }
}

/** Renames the file and its -wal/-shm to `<path>.corrupt-<timestamp>[-n]`; resolves the new path. */
function moveAside(path: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
  let movedTo = `${path}.corrupt-${stamp}`;
  for (let n = 1; existsSync(movedTo); n++) movedTo = `${path}.corrupt-${stamp}-${n}`;
  if (existsSync(path)) renameSync(path, movedTo);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, movedTo + suffix);
  }
  return movedTo;
}
