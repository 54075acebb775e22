/** Shared helpers of the store tests: temp directories and backend factories. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/util/clock.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { LedgerRetention } from '../../src/store/values.js';

/** Options every backend factory takes. */
export interface BackendOptions {
  clock?: Clock;
  ledgerRetention?: LedgerRetention;
  loadDelayMs?: number;
}

/** A backend under test: `make` builds a new, unopened store with its own data. */
export interface Backend {
  name: string;
  make(options?: BackendOptions): MemoryStore | SqliteStore;
}

/** A temp directory removed by the returned cleanup. */
export function tempDir(prefix = 'fleepkit-store-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The two backends, each writing to a fresh file/instance per `make`. */
export function backends(dir: () => string): Backend[] {
  let n = 0;
  return [
    { name: 'MemoryStore', make: (options = {}) => new MemoryStore(options) },
    { name: 'SqliteStore', make: (options = {}) => new SqliteStore({ ...options, path: join(dir(), `contract-${++n}.db`) }) },
  ];
}
