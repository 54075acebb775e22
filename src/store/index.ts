/**
 * The store layer: the `Store` interface, its two backends and a factory that picks one.
 */
import type { Clock } from '../util/clock.js';
import { MemoryStore } from './memory-store.js';
import type { OnCorrupt, StoreLogger } from './sqlite-open.js';
import { SqliteStore } from './sqlite-store.js';
import type { SqliteStoreOptions } from './sqlite-store.js';

export * from './store.js';
export { StoreStateError, StoreSchemaError } from './store-errors.js';
export type { StoreStateCode } from './store-errors.js';
export { MemoryStore } from './memory-store.js';
export type { MemoryStoreOptions } from './memory-store.js';
export { SqliteStore, DEFAULT_SQLITE_PATH } from './sqlite-store.js';
export type { SqliteStoreOptions } from './sqlite-store.js';
export type { OnCorrupt, OpenCheck, StoreLogger } from './sqlite-open.js';
export type { LedgerRetention } from './values.js';
export type { StoreState } from './lifecycle.js';

/**
 * Which store {@link createStore} builds.
 * @example { sqlite: './data/bot.db', onCorrupt: 'refuse' }
 * @example { memory: true }
 */
export interface StoreConfig {
  /** Path of the SQLite file. @default './data/fleepkit.db' (when `memory` is not set) */
  sqlite?: string;
  /** Use an in-memory store (tests); exclusive with `sqlite`. @default false */
  memory?: boolean;
  /** What an unreadable SQLite file leads to (see `SqliteStoreOptions.onCorrupt`). @default 'refuse' */
  onCorrupt?: OnCorrupt;
  /** Clock for TTLs and ledger ages. @default systemClock */
  clock?: Clock;
  /** Logger for corruption reports (SQLite only). @default none */
  logger?: StoreLogger;
  /** Extra SQLite options (synchronous, busyTimeoutMs, ledgerRetention…). @default {} */
  sqliteOptions?: Omit<SqliteStoreOptions, 'path' | 'clock' | 'onCorrupt' | 'logger'>;
}

/**
 * Builds the configured store (not yet opened: call `open()`).
 * @throws TypeError when both `memory` and `sqlite` are set.
 * @example
 * const store = createStore({ sqlite: './data/fleepkit.db' });
 * await store.open();
 */
export function createStore(config: StoreConfig = {}): MemoryStore | SqliteStore {
  if (config.memory && config.sqlite !== undefined) {
    throw new TypeError(`Store config sets both memory: true and sqlite: ${JSON.stringify(config.sqlite)}; choose one.`);
  }
  if (config.memory) return new MemoryStore({ clock: config.clock });
  return new SqliteStore({
    ...config.sqliteOptions,
    path: config.sqlite,
    onCorrupt: config.onCorrupt,
    clock: config.clock,
    logger: config.logger,
  });
}
