/** Full-jitter exponential backoff (AWS architecture blog's "full jitter"). */

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

/**
 * Delay before retry number `attempt` (0-based): uniform in [0, min(cap, base * 2^attempt)).
 * `random` is injectable so tests are deterministic.
 */
export function fullJitter(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = options.baseMs ?? 1000;
  const cap = options.capMs ?? 60_000;
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
