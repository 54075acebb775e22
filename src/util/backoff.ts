/**
 * The one backoff policy of fleepkit's retry loops: full-jitter exponential backoff (AWS
 * architecture blog's "full jitter"), base 1 s, cap 60 s unless configured (RELIABILITY.md R-12).
 *
 * Each call path has exactly one retry owner, and each owner uses this policy: the outbound queue
 * for effects (a failing conversation's lane waits, the others keep sending), the poller for
 * `account/poll`, the client for its own reads (sync, contacts, login). The bot calls the client
 * with `retry: false` wherever another owner retries.
 */

/**
 * Options of {@link fullJitter}.
 * @example { baseMs: 1000, capMs: 60_000 }
 */
export interface BackoffOptions {
  /** First ceiling. @default 1000 */
  baseMs?: number;
  /** Largest ceiling. @default 60000 */
  capMs?: number;
}

/** The default policy: base 1 s, cap 60 s. */
export const DEFAULT_BACKOFF: Readonly<Required<BackoffOptions>> = Object.freeze({ baseMs: 1000, capMs: 60_000 });

/**
 * Delay before retry number `attempt` (0-based): uniform in [0, min(cap, base * 2^attempt)).
 * `random` is injectable so tests are deterministic.
 */
export function fullJitter(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const base = options.baseMs ?? DEFAULT_BACKOFF.baseMs;
  const cap = options.capMs ?? DEFAULT_BACKOFF.capMs;
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/** A small seeded PRNG (mulberry32) for deterministic jitter and fault schedules. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
