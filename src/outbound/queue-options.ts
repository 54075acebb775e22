/** Options of the outbound queue, their defaults and their validation. */
import type { Effect } from '../api/effects.js';
import type { Store } from '../store/store.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from '../util/backoff.js';
import { systemClock } from '../util/clock.js';
import type { Clock } from '../util/clock.js';
import { silentLogger } from '../util/logger.js';
import type { Logger } from '../util/logger.js';
import type { Rate } from './token-bucket.js';

/** Sends in flight at once unless `concurrency` says otherwise: the one place this default is stated. */
export const DEFAULT_SEND_CONCURRENCY = 8;

/**
 * Sends one effect. Rejects with `FleepApiError` / `FleepNetworkError` (src/api/errors.ts).
 * @example (e, id, signal) => client.call(e.method, e.body, { conversationId: e.conversationId, clientReqId: id, signal })
 */
export type Transport = (effect: Effect, clientReqId: string, signal: AbortSignal) => Promise<unknown>;

/** The part of the {@link Store} the queue uses. */
export type OutboxStore = Pick<Store, 'outboxPending' | 'outboxDone' | 'outboxRetry' | 'addDeadLetter' | 'outboxSize'>;

/**
 * Pacing. `false` (or `perSecond: Infinity`) turns a limit off.
 * @example { perConversation: { perSecond: 2, burst: 5 }, global: { perSecond: 20, burst: 20 } }
 */
export interface OutboundRates {
  /** Per-conversation rate. @default { perSecond: 2, burst: 5 } */
  perConversation?: Rate | false;
  /** Rate over all conversations. @default { perSecond: 20, burst: 20 } */
  global?: Rate | false;
}

/**
 * Options of `OutboundQueue`.
 * @example
 * new OutboundQueue({ store, transport: (e, id, signal) => client.call(e.method, e.body, { clientReqId: id }), clock })
 */
export interface OutboundQueueOptions {
  /** Where the outbox lives. */
  store: OutboxStore;
  /** Sends one effect with its `client_req_id`. */
  transport: Transport;
  /** Time source for pacing, backoff and deadlines. @default systemClock */
  clock?: Clock;
  /** Logger; effect bodies are never logged, only ids, lanes and methods. @default silentLogger */
  logger?: Logger;
  /** Source of backoff jitter (inject `seededRandom(n)` in tests). @default Math.random */
  random?: () => number;
  /** Pacing; `false` disables all rate limiting (benchmarks, tests). @default see {@link OutboundRates} */
  rates?: OutboundRates | false;
  /** A 429 asking to wait longer than this dead-letters the effect instead. @default 900000 (15 min) */
  maxRetryAfterMs?: number;
  /**
   * Stop retrying an effect this long after its first attempt and dead-letter it. The clock starts
   * at the first attempt in this process (attempt times are not persisted), so a restart restarts it.
   * @default 900000 (15 min)
   */
  giveUpMs?: number;
  /** Full-jitter backoff for 5xx and network failures. @default { baseMs: 1000, capMs: 60000 } */
  backoff?: BackoffOptions;
  /** Entries held in memory; the rest waits in the store. @default { perLane: 1000, total: 10000 } */
  window?: { perLane?: number; total?: number };
  /** Effects in flight at once (across conversations; one per conversation). @default {@link DEFAULT_SEND_CONCURRENCY} (8) */
  concurrency?: number;
  /** Default drain deadline of `stop()`. @default 10000 */
  stopDeadlineMs?: number;
  /** After a stop deadline aborts the in-flight sends, wait this long for them to settle. @default 1000 */
  abortGraceMs?: number;
}

/** Options with defaults applied. */
export interface ResolvedOptions {
  store: OutboxStore;
  transport: Transport;
  clock: Clock;
  logger: Logger;
  random: () => number;
  perConversation: Rate | undefined;
  global: Rate | undefined;
  maxRetryAfterMs: number;
  giveUpMs: number;
  backoff: Required<BackoffOptions>;
  perLane: number;
  total: number;
  concurrency: number;
  stopDeadlineMs: number;
  abortGraceMs: number;
}

const MINUTES_15 = 15 * 60_000;

/**
 * Applies defaults and validates once, naming the offending option and value.
 * @throws TypeError or RangeError that says what to pass instead.
 */
export function resolveOptions(options: OutboundQueueOptions): ResolvedOptions {
  const where = 'OutboundQueue';
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where} needs an options object`);
  const { store, transport } = options;
  if (typeof transport !== 'function') throw new TypeError(`${where}: transport must be a function (effect, clientReqId, signal) => Promise`);
  for (const method of ['outboxPending', 'outboxDone', 'outboxRetry', 'addDeadLetter', 'outboxSize'] as const) {
    if (typeof store?.[method] !== 'function') throw new TypeError(`${where}: store must implement ${method}() (pass a fleepkit Store)`);
  }
  const rates = options.rates === false ? { perConversation: false as const, global: false as const } : (options.rates ?? {});
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  const resolved: ResolvedOptions = {
    store,
    transport,
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger,
    random: options.random ?? Math.random,
    perConversation: rate(rates.perConversation, { perSecond: 2, burst: 5 }, `${where}: rates.perConversation`),
    global: rate(rates.global, { perSecond: 20, burst: 20 }, `${where}: rates.global`),
    maxRetryAfterMs: duration(options.maxRetryAfterMs ?? MINUTES_15, `${where}: maxRetryAfterMs`),
    giveUpMs: duration(options.giveUpMs ?? MINUTES_15, `${where}: giveUpMs`),
    backoff: { baseMs: duration(backoff.baseMs, `${where}: backoff.baseMs`), capMs: duration(backoff.capMs, `${where}: backoff.capMs`) },
    perLane: count(options.window?.perLane ?? 1000, `${where}: window.perLane`),
    total: count(options.window?.total ?? 10_000, `${where}: window.total`),
    concurrency: count(options.concurrency ?? DEFAULT_SEND_CONCURRENCY, `${where}: concurrency`),
    stopDeadlineMs: duration(options.stopDeadlineMs ?? 10_000, `${where}: stopDeadlineMs`),
    abortGraceMs: duration(options.abortGraceMs ?? 1000, `${where}: abortGraceMs`),
  };
  if (resolved.total < resolved.perLane) {
    throw new RangeError(`${where}: window.total (${resolved.total}) must be at least window.perLane (${resolved.perLane})`);
  }
  return resolved;
}

function rate(value: Rate | false | undefined, fallback: Rate, name: string): Rate | undefined {
  if (value === false) return undefined;
  const r = value ?? fallback;
  if (typeof r !== 'object' || r === null) throw new TypeError(`${name} must be { perSecond, burst } or false, got ${String(r)}`);
  if (r.perSecond === Infinity) return undefined;
  if (typeof r.perSecond !== 'number' || !(r.perSecond > 0)) {
    throw new RangeError(`${name}.perSecond must be a positive number (or Infinity to disable), got ${String(r.perSecond)}`);
  }
  if (typeof r.burst !== 'number' || !Number.isFinite(r.burst) || r.burst < 1) {
    throw new RangeError(`${name}.burst must be a number of at least 1, got ${String(r.burst)}`);
  }
  return { perSecond: r.perSecond, burst: r.burst };
}

function duration(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative number of milliseconds, got ${String(value)}`);
  }
  return value;
}

function count(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be an integer of at least 1, got ${String(value)}`);
  return value;
}
