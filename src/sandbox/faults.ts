/**
 * Deterministic, seeded fault injection for /api/ calls (never /sandbox/): 5xx, connection
 * resets mid-response, latency, 429 with Retry-After, session expiry every N requests,
 * overlapping poll batches and horizon-0 resyncs. This is test machinery, not Fleep behaviour.
 */
import { seededRandom } from '../util/backoff.js';
import { badRequest } from './errors.js';

/**
 * Fault schedule as posted to `POST /sandbox/faults`.
 * @example { seed: 7, error_rate: 0.3, reset_rate: 0.05, rate_limit: { per_second: 5, retry_after_s: 2 } }
 */
export interface FaultConfig {
  /** PRNG seed. @default 1 */
  seed?: number;
  /** Probability (0–1) of a 500 before the call runs. @default 0 */
  error_rate?: number;
  /** Conversation ids whose calls (`/api/<method>/<conversation id>`) all answer 500, for as long as the schedule is set. @default none */
  error_conversations?: string[];
  /** Probability (0–1) that the call runs but the response is cut mid-body and the socket destroyed. @default 0 */
  reset_rate?: number;
  /** Extra delay before every response, ms. @default 0 */
  latency_ms?: number;
  /** Overrides the long-poll hold time, ms. @default the sandbox's holdMs */
  hold_ms?: number;
  /** Per-second request budget; beyond it 429 with Retry-After. @default off */
  rate_limit?: { per_second: number; retry_after_s?: number; global?: boolean };
  /** Every Nth authenticated call answers 401 and drops its session. @default off */
  expire_sessions_every?: number;
  /** Probability (0–1) that a poll batch re-delivers some already-delivered records. @default 0 */
  duplicate_batches?: number;
  /** Every Nth poll answers `{event_horizon: 0, stream: []}`. @default off */
  resync_every?: number;
}

/** How many faults of each kind were injected since the schedule was set. */
export interface FaultStats {
  errors: number;
  resets: number;
  rate_limited: number;
  expired_sessions: number;
  duplicate_batches: number;
  resyncs: number;
}

function rate(v: unknown, key: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw badRequest(`${key} must be a probability between 0 and 1, got ${JSON.stringify(v)}`);
  return v;
}

function count(v: unknown, key: string, min = 1): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw badRequest(`${key} must be a number ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}

/** Validates a posted fault schedule; throws 400 naming the bad key. */
export function parseFaultConfig(input: unknown): FaultConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw badRequest('Fault schedule must be a JSON object');
  const o = input as Record<string, unknown>;
  const known = ['seed', 'error_rate', 'error_conversations', 'reset_rate', 'latency_ms', 'hold_ms', 'rate_limit', 'expire_sessions_every', 'duplicate_batches', 'resync_every'];
  for (const k of Object.keys(o)) if (!known.includes(k)) throw badRequest(`Unknown fault key ${k}; known keys: ${known.join(', ')}`);
  const cfg: FaultConfig = {
    seed: count(o.seed, 'seed', 0) ?? 1,
    error_rate: rate(o.error_rate, 'error_rate'),
    reset_rate: rate(o.reset_rate, 'reset_rate'),
    latency_ms: count(o.latency_ms, 'latency_ms', 0) ?? 0,
    duplicate_batches: rate(o.duplicate_batches, 'duplicate_batches'),
  };
  if (o.error_conversations !== undefined && o.error_conversations !== null) {
    const ids = o.error_conversations;
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || id === '')) {
      throw badRequest(`error_conversations must be a list of conversation ids, got ${JSON.stringify(ids)}`);
    }
    cfg.error_conversations = ids as string[];
  }
  const hold = count(o.hold_ms, 'hold_ms', 0);
  if (hold !== undefined) cfg.hold_ms = hold;
  const every = count(o.expire_sessions_every, 'expire_sessions_every');
  if (every !== undefined) cfg.expire_sessions_every = Math.floor(every);
  const resync = count(o.resync_every, 'resync_every');
  if (resync !== undefined) cfg.resync_every = Math.floor(resync);
  if (o.rate_limit !== undefined && o.rate_limit !== null) {
    const rl = o.rate_limit as Record<string, unknown>;
    if (typeof rl !== 'object') throw badRequest('rate_limit must be an object {per_second, retry_after_s?, global?}');
    const perSecond = count(rl.per_second, 'rate_limit.per_second');
    if (perSecond === undefined) throw badRequest('rate_limit.per_second is required');
    cfg.rate_limit = { per_second: perSecond, retry_after_s: count(rl.retry_after_s, 'rate_limit.retry_after_s', 0) ?? 1, global: rl.global === true };
  }
  return cfg;
}

/** Decides, call by call, which fault to inject. Deterministic for a given seed and call order. */
export class FaultInjector {
  private config: FaultConfig | undefined;
  private random: () => number = Math.random;
  private authed = 0;
  private polls = 0;
  private readonly windows = new Map<string, { start: number; count: number }>();
  /** Injected-fault counters. */
  stats: FaultStats = FaultInjector.zero();

  private static zero(): FaultStats {
    return { errors: 0, resets: 0, rate_limited: 0, expired_sessions: 0, duplicate_batches: 0, resyncs: 0 };
  }

  /** The active schedule, if any. */
  get active(): FaultConfig | undefined {
    return this.config;
  }

  /** Installs a schedule (resets counters and the PRNG). */
  set(config: FaultConfig): void {
    this.config = config;
    this.random = seededRandom(config.seed ?? 1);
    this.authed = 0;
    this.polls = 0;
    this.windows.clear();
    this.stats = FaultInjector.zero();
  }

  /** Removes the schedule. */
  clear(): void {
    this.config = undefined;
    this.windows.clear();
    this.stats = FaultInjector.zero();
  }

  /** Call once per authenticated call: true when this one must expire its session. */
  expireSession(): boolean {
    const every = this.config?.expire_sessions_every;
    if (!every) return false;
    this.authed++;
    if (this.authed % every !== 0) return false;
    this.stats.expired_sessions++;
    return true;
  }

  /** What the request budget is counted over: one account, or every caller together. */
  rateLimitScope(): 'account' | 'global' {
    return this.config?.rate_limit?.global === true ? 'global' : 'account';
  }

  /** Seconds to put in Retry-After when the caller is over its budget, else undefined. */
  rateLimited(key: string, nowMs: number): number | undefined {
    const rl = this.config?.rate_limit;
    if (!rl) return undefined;
    const k = rl.global ? '*' : key;
    let w = this.windows.get(k);
    if (!w || nowMs - w.start >= 1000) {
      w = { start: nowMs, count: 0 };
      this.windows.set(k, w);
    }
    w.count++;
    if (w.count <= rl.per_second) return undefined;
    this.stats.rate_limited++;
    return rl.retry_after_s ?? 1;
  }

  /** True when this call (on `conversationId`, if its path names one) should fail with a 500 before running. */
  serverError(conversationId?: string): boolean {
    if (conversationId !== undefined && this.config?.error_conversations?.includes(conversationId)) {
      this.stats.errors++;
      return true;
    }
    const p = this.config?.error_rate ?? 0;
    if (p <= 0 || this.random() >= p) return false;
    this.stats.errors++;
    return true;
  }

  /** True when this call's response should be cut mid-body. */
  connectionReset(): boolean {
    const p = this.config?.reset_rate ?? 0;
    if (p <= 0 || this.random() >= p) return false;
    this.stats.resets++;
    return true;
  }

  /** Extra latency for this call, ms. */
  latencyMs(): number {
    return this.config?.latency_ms ?? 0;
  }

  /** Long-poll hold, ms. */
  holdMs(fallback: number): number {
    return this.config?.hold_ms ?? fallback;
  }

  /** Call once per poll: true when this poll must answer horizon 0. */
  resync(): boolean {
    const every = this.config?.resync_every;
    if (!every) return false;
    this.polls++;
    if (this.polls % every !== 0) return false;
    this.stats.resyncs++;
    return true;
  }

  /** How many already-delivered records to repeat in this batch (0 = none). */
  duplicateBack(available: number): number {
    const p = this.config?.duplicate_batches ?? 0;
    if (p <= 0 || available <= 0 || this.random() >= p) return 0;
    this.stats.duplicate_batches++;
    return 1 + Math.floor(this.random() * Math.min(5, available));
  }
}
