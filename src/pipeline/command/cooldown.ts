/**
 * Per-account command cooldowns: a sliding window of recent uses kept in the store, so
 * limits hold across restarts and instances. A use is recorded in the event's unit of work: it
 * counts once the event commits (an event handled again is not its own "slow down"), and two
 * commands of one account racing in different conversations conflict and one is re-run.
 */
import type { UnitOfWork } from '../unit-of-work.js';

/**
 * At most `limit` uses per `windowMs` per account.
 * @example { limit: 1, windowMs: 60_000 } // once a minute
 */
export interface CooldownOptions {
  limit: number;
  windowMs: number;
}

/** The global default: 5 commands per 10 s per account. */
export const DEFAULT_COOLDOWN: Readonly<CooldownOptions> = Object.freeze({ limit: 5, windowMs: 10_000 });

/** Store namespace of cooldown buckets. */
export const COOLDOWN_NAMESPACE = 'cooldown';

/** The outcome of {@link takeCooldown}: go ahead, skip with a reply, or skip silently. */
export type CooldownVerdict = 'ok' | 'limited' | 'limited-quiet';

interface Bucket {
  hits: number[];
  /** Whether this window's "slow down" reply was already sent. */
  notified?: boolean;
}

/** Checks options once, with the exact offending value. */
export function validateCooldown(where: string, options: CooldownOptions): CooldownOptions {
  const { limit, windowMs } = options ?? ({} as CooldownOptions);
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`${where}: cooldown.limit must be a positive integer, got ${JSON.stringify(limit)}`);
  if (!Number.isFinite(windowMs) || windowMs <= 0) throw new RangeError(`${where}: cooldown.windowMs must be a positive number of ms, got ${JSON.stringify(windowMs)}`);
  return { limit, windowMs };
}

/**
 * Records one use of `scope` by `accountId` at `now` in `work`, unless the window is full. Only
 * the first refusal in a window asks for a reply (`limited`); later ones are `limited-quiet`, so
 * a flood does not make the bot flood back.
 */
export async function takeCooldown(work: UnitOfWork, scope: string, accountId: string, options: CooldownOptions, now: number): Promise<CooldownVerdict> {
  const key = `${scope}:${accountId}`;
  const current = await work.read<Bucket>(COOLDOWN_NAMESPACE, key);
  const hits = (current?.hits ?? []).filter((t) => t > now - options.windowMs && t <= now);
  if (hits.length < options.limit) {
    work.write({ namespace: COOLDOWN_NAMESPACE, key, value: { hits: [...hits, now] } satisfies Bucket, ttlMs: options.windowMs });
    return 'ok';
  }
  if (current?.notified) return 'limited-quiet';
  work.write({ namespace: COOLDOWN_NAMESPACE, key, value: { hits, notified: true } satisfies Bucket, ttlMs: options.windowMs });
  return 'limited';
}
