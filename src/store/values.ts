/**
 * Value handling shared by every store backend, so `MemoryStore` and `SqliteStore` agree on
 * serialisation, equality, ordering and input validation to the byte.
 */
import { isDeepStrictEqual } from 'node:util';
import type { JobRow, KvRead, KvWrite, NewOutboxEntry } from './store.js';

/**
 * Serialises a stored value to JSON. Values are stored as JSON in every backend, so what a
 * reader gets back is exactly what `JSON.parse(JSON.stringify(value))` gives.
 * @throws TypeError naming `what` when the value has no JSON form (function, symbol, BigInt, cycle).
 */
export function toJson(value: unknown, what: string | (() => string)): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new TypeError(`${describe(what)} must be JSON-serialisable (plain objects, arrays, strings, numbers, booleans, null): ${(error as Error).message}`, { cause: error });
  }
  if (json === undefined) {
    throw new TypeError(`${describe(what)} must be JSON-serialisable, got ${typeof value}. Store plain data (objects, arrays, strings, numbers, booleans, null).`);
  }
  return json;
}

/** Error subjects are built lazily: formatting them on every hot-path call costs more than the work. */
function describe(what: string | (() => string)): string {
  return typeof what === 'string' ? what : what();
}

/** Parses a value stored by {@link toJson}. */
export function fromJson<T>(json: string): T {
  return JSON.parse(json) as T;
}

/**
 * Whether the stored JSON equals `expected` as JSON values: key order and `undefined`
 * properties do not matter. `expected === undefined` means "absent".
 */
export function jsonEquals(storedJson: string | undefined, expected: unknown, what: string | (() => string)): boolean {
  if (expected === undefined || storedJson === undefined) return expected === undefined && storedJson === undefined;
  const expectedJson = toJson(expected, what);
  // Fast path: same serialisation; otherwise compare structurally (objects may differ in key order).
  if (expectedJson === storedJson) return true;
  return isDeepStrictEqual(JSON.parse(storedJson), JSON.parse(expectedJson));
}

/** Orders strings by Unicode code point, which is SQLite's BINARY order on UTF-8 text. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // Surrogates (0xD800-0xDFFF) encode code points above 0xFFFF, which sort after all BMP units.
    const sa = ca >= 0xd800 && ca <= 0xdfff;
    const sb = cb >= 0xd800 && cb <= 0xdfff;
    if (sa !== sb) return sa ? 1 : -1;
    return ca - cb;
  }
  return a.length - b.length;
}

/** @throws TypeError when a namespace or key is not a string (namespaces must be non-empty). */
export function checkKey(namespace: unknown, key: unknown): void {
  if (typeof namespace !== 'string' || namespace === '') {
    throw new TypeError(`Store namespace must be a non-empty string, got ${JSON.stringify(namespace)}. Use e.g. 'plugin:standup'.`);
  }
  if (typeof key !== 'string') throw new TypeError(`Store key must be a string, got ${typeof key} in namespace '${namespace}'.`);
}

/** @throws RangeError when `ttlMs` is given and is not a positive finite number. */
export function checkTtl(ttlMs: number | undefined): void {
  if (ttlMs === undefined) return;
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive number of milliseconds, got ${String(ttlMs)}. Omit it for a key that never expires.`);
  }
}

/** @throws RangeError when `cursor` is not a non-negative safe integer. */
export function checkCursor(cursor: number): void {
  if (!Number.isSafeInteger(cursor) || cursor < 0) {
    throw new RangeError(`EventCommit.cursor must be a non-negative integer (an event horizon), got ${String(cursor)}.`);
  }
}

/** @throws TypeError when `value` is not a finite number. */
export function checkNumber(value: number, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${what} must be a finite number, got ${String(value)}.`);
}

/** @throws TypeError when `value` is not a non-empty string. */
export function checkId(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${what} must be a non-empty string, got ${JSON.stringify(value)}.`);
}

/** @throws RangeError when an `outboxPending` limit is not a positive integer. */
export function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit <= 0) throw new RangeError(`outboxPending limit must be a positive integer, got ${String(limit)}.`);
}

/** Retention of the processed-event ledger: entries survive while young OR among the newest. */
export interface LedgerRetention {
  /** Keep entries handled within this many ms. @default 604800000 (7 days) */
  maxAgeMs?: number;
  /** Always keep at least the newest this-many entries. @default 100000 */
  minKeys?: number;
}

/** Resolved ledger retention with defaults applied. */
export interface ResolvedRetention {
  maxAgeMs: number;
  minKeys: number;
  /** Fire keys older than this are pruned (at least 30 days, so a late missed-run check still sees them). */
  fireMaxAgeMs: number;
}

/** How many writes pass between two maintenance passes (ledger pruning, TTL sweep). */
export const PRUNE_EVERY_WRITES = 1000;

/** Applies the defaults of {@link LedgerRetention} and validates it. */
export function resolveRetention(options: LedgerRetention | undefined): ResolvedRetention {
  const maxAgeMs = options?.maxAgeMs ?? 7 * 24 * 3600_000;
  const minKeys = options?.minKeys ?? 100_000;
  if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0) throw new RangeError(`ledgerRetention.maxAgeMs must be a non-negative number of ms, got ${String(maxAgeMs)}.`);
  if (!Number.isSafeInteger(minKeys) || minKeys < 0) throw new RangeError(`ledgerRetention.minKeys must be a non-negative integer, got ${String(minKeys)}.`);
  return { maxAgeMs, minKeys, fireMaxAgeMs: Math.max(maxAgeMs, 30 * 24 * 3600_000) };
}

const DEAD_LETTER_KINDS: ReadonlySet<string> = new Set(['event', 'effect', 'job']);

/** @throws TypeError when a dead letter's kind, key or reason is malformed. */
export function checkDeadLetter(entry: { kind: string; key: string; reason: string }): void {
  if (!DEAD_LETTER_KINDS.has(entry.kind)) throw new TypeError(`Dead letter kind must be 'event', 'effect' or 'job', got ${JSON.stringify(entry.kind)}.`);
  checkId(entry.key, 'Dead letter key');
  if (typeof entry.reason !== 'string') throw new TypeError(`Dead letter reason must be a string, got ${typeof entry.reason}.`);
}

/** An outbox entry validated and serialised for insertion. */
export interface PreparedOutbox {
  id: string;
  lane: string;
  effectJson: string;
  createdAt: number;
  notBefore: number;
}

/**
 * Validates a key/value write and serialises its value; `undefined` means "delete".
 * @throws TypeError / RangeError naming the bad part.
 */
export function prepareWrite(w: KvWrite): string | undefined {
  checkKey(w.namespace, w.key);
  checkTtl(w.ttlMs);
  return w.value === undefined ? undefined : toJson(w.value, () => `Value of '${w.namespace}' / '${w.key}'`);
}

/**
 * Validates a new outbox entry and serialises its effect. `notBefore` defaults to 0 (send now).
 * @throws TypeError naming the entry and the bad field.
 */
export function prepareOutbox(e: NewOutboxEntry): PreparedOutbox {
  const { id, lane, createdAt, notBefore } = e;
  // Test cheaply first; the checks below only run (and format their messages) on bad input.
  if (typeof id !== 'string' || id === '') checkId(id, 'Outbox entry id');
  if (typeof lane !== 'string' || lane === '') checkId(lane, `Outbox entry '${id}' lane`);
  if (!Number.isFinite(createdAt)) checkNumber(createdAt, `Outbox entry '${id}' createdAt`);
  if (notBefore !== undefined && !Number.isFinite(notBefore)) checkNumber(notBefore, `Outbox entry '${id}' notBefore`);
  return { id, lane, effectJson: toJson(e.effect, () => `Outbox entry '${id}' effect`), createdAt, notBefore: notBefore ?? 0 };
}

/** A job row validated and serialised for insertion. */
export interface PreparedJob {
  id: string;
  nextFireAt: number | null;
  dataJson: string;
}

/**
 * Validates a job row and serialises its data.
 * @throws TypeError naming the job and the bad field.
 */
export function prepareJob(job: JobRow): PreparedJob {
  checkId(job.id, 'JobRow.id');
  if (job.nextFireAt !== null) checkNumber(job.nextFireAt, `Job '${job.id}' nextFireAt`);
  return { id: job.id, nextFireAt: job.nextFireAt, dataJson: toJson(job.data ?? null, `Job '${job.id}' data`) };
}

/** @throws TypeError when an expected read is malformed. */
export function checkRead(read: KvRead): void {
  checkKey(read.namespace, read.key);
  if (read.json !== undefined && typeof read.json !== 'string') {
    throw new TypeError(`EventCommit.expect of '${read.namespace}' / '${read.key}' must hold the JSON text read (a string) or undefined, got ${typeof read.json}.`);
  }
}
