/**
 * Options of {@link FleepClient}, validated once at construction with messages that name the
 * offending value.
 */
import { pino } from 'pino';
import type { Logger } from 'pino';
import { DEFAULT_BACKOFF } from '../util/backoff.js';
import { systemClock } from '../util/clock.js';
import type { Clock } from '../util/clock.js';

/**
 * Retry policy for read calls and calls carrying a `client_req_id` (RELIABILITY.md R-12).
 * @example { baseMs: 1000, capMs: 60_000, giveUpMs: 15 * 60_000 }
 */
export interface RetryOptions {
  /** First back-off ceiling (full jitter). @default 1000 */
  baseMs?: number;
  /** Largest back-off ceiling. @default 60000 */
  capMs?: number;
  /** Stop retrying once this much clock time has passed since the first attempt. @default 900000 */
  giveUpMs?: number;
}

/**
 * Options of {@link FleepClient}.
 * @example
 * new FleepClient({ baseUrl: 'http://127.0.0.1:8080', retry: { giveUpMs: 60_000 } })
 */
export interface FleepClientOptions {
  /** Server root; `/api/<method>` is appended. @default 'https://fleep.io' */
  baseUrl?: string;
  /** Clock used for retry and re-login back-off sleeps. @default systemClock */
  clock?: Clock;
  /** Retry policy. @default { baseMs: 1000, capMs: 60000, giveUpMs: 900000 } */
  retry?: RetryOptions;
  /** Client-side timeout of `account/poll`; Fleep holds a poll ~90 s, so at least 120000. @default 120000 */
  pollTimeoutMs?: number;
  /** Socket timeout of every other call. @default 30000 */
  requestTimeoutMs?: number;
  /** Random source in [0, 1) for back-off jitter; inject a seeded one in tests. @default Math.random */
  random?: () => number;
  /** pino logger; the client logs methods, statuses and delays, never bodies. @default a silent logger */
  logger?: Logger;
  /** Consecutive failed re-logins after which calls fail with `SessionExpiredError` without trying again. @default 5 */
  maxReloginAttempts?: number;
  /** `User-Agent` header. @default 'fleepkit' */
  userAgent?: string;
  /**
   * Sees every HTTP exchange as sent and answered — bodies, ticket and cookies included — for
   * the traffic recorder (`fleepkit record`), which redacts before it writes. Never log what
   * it receives as it is. A throwing tap is ignored. @default none
   */
  onExchange?: (exchange: HttpExchange) => void;
}

/** One request and its answer, as {@link FleepClientOptions.onExchange} sees it. */
export interface HttpExchange {
  /** Fleep method, e.g. `account/poll`. */
  method: string;
  /** Path and query, e.g. `/api/conversation/sync/<id>`. */
  url: string;
  /** The request body (JSON object; a FormData for uploads). */
  request: unknown;
  status: number;
  /** Response headers, lower-case names. */
  headers: Record<string, unknown>;
  /** The response body text. */
  body: string;
}

/** Options with every default applied. */
export interface ResolvedClientOptions {
  baseUrl: string;
  clock: Clock;
  retry: Required<RetryOptions>;
  pollTimeoutMs: number;
  requestTimeoutMs: number;
  random: () => number;
  logger: Logger;
  maxReloginAttempts: number;
  userAgent: string;
  onExchange: ((exchange: HttpExchange) => void) | undefined;
}

/** The smallest poll timeout accepted: Fleep holds a waiting poll about 90 s (PROTOCOL.md §3.3). */
export const MIN_POLL_TIMEOUT_MS = 120_000;

/** Shows an offending value exactly (`NaN` stays `NaN`, strings keep their quotes). */
function show(value: unknown): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

function positiveNumber(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`FleepClient option ${name} must be a positive finite number of ms, got ${show(value)}`);
  }
  return value;
}

/**
 * Applies defaults and validates every option.
 * @throws TypeError naming the option and the value it got.
 */
export function resolveClientOptions(options: FleepClientOptions = {}): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`FleepClient options must be an object, got ${JSON.stringify(options)}`);
  }
  const baseUrl = options.baseUrl ?? 'https://fleep.io';
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new TypeError(`FleepClient option baseUrl must be an absolute http(s) URL such as 'https://fleep.io', got ${JSON.stringify(baseUrl)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`FleepClient option baseUrl must use http or https, got ${JSON.stringify(baseUrl)}`);
  }
  const pollTimeoutMs = options.pollTimeoutMs ?? MIN_POLL_TIMEOUT_MS;
  if (typeof pollTimeoutMs !== 'number' || !Number.isFinite(pollTimeoutMs) || pollTimeoutMs < MIN_POLL_TIMEOUT_MS) {
    throw new TypeError(
      `FleepClient option pollTimeoutMs must be a number >= ${MIN_POLL_TIMEOUT_MS} (Fleep holds a poll ~90 s), got ${show(pollTimeoutMs)}`,
    );
  }
  const retry = options.retry ?? {};
  if (typeof retry !== 'object' || retry === null) {
    throw new TypeError(`FleepClient option retry must be an object, got ${JSON.stringify(retry)}`);
  }
  const baseMs = positiveNumber('retry.baseMs', retry.baseMs, DEFAULT_BACKOFF.baseMs);
  const capMs = positiveNumber('retry.capMs', retry.capMs, DEFAULT_BACKOFF.capMs);
  if (capMs < baseMs) {
    throw new TypeError(`FleepClient option retry.capMs (${capMs}) must be >= retry.baseMs (${baseMs})`);
  }
  const giveUpMs = positiveNumber('retry.giveUpMs', retry.giveUpMs, 15 * 60_000);
  const maxReloginAttempts = options.maxReloginAttempts ?? 5;
  if (!Number.isInteger(maxReloginAttempts) || maxReloginAttempts < 1) {
    throw new TypeError(`FleepClient option maxReloginAttempts must be an integer >= 1, got ${show(maxReloginAttempts)}`);
  }
  if (options.random !== undefined && typeof options.random !== 'function') {
    throw new TypeError(`FleepClient option random must be a function returning [0, 1), got ${typeof options.random}`);
  }
  if (options.onExchange !== undefined && typeof options.onExchange !== 'function') {
    throw new TypeError(`FleepClient option onExchange must be a function, got ${typeof options.onExchange}`);
  }
  if (options.userAgent !== undefined && (typeof options.userAgent !== 'string' || options.userAgent === '')) {
    throw new TypeError(`FleepClient option userAgent must be a non-empty string, got ${JSON.stringify(options.userAgent)}`);
  }
  return {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    clock: options.clock ?? systemClock,
    retry: { baseMs, capMs, giveUpMs },
    pollTimeoutMs,
    requestTimeoutMs: positiveNumber('requestTimeoutMs', options.requestTimeoutMs, 30_000),
    random: options.random ?? Math.random,
    logger: options.logger ?? pino({ level: 'silent' }),
    maxReloginAttempts,
    userAgent: options.userAgent ?? 'fleepkit',
    onExchange: options.onExchange,
  };
}
