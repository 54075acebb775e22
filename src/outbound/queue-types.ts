/** The outbound queue's public shapes (stats and events) and small helpers. */
import type { Effect } from '../api/effects.js';
import type { OutboxEntry } from '../store/store.js';

/** Counters and gauges for metrics. */
export interface OutboundStats {
  /**
   * Entries pending: those held in memory plus those still waiting in the store beyond the
   * in-memory window. While the window is full the store's share is counted at most once a second
   * (and lowered as entries are sent), so entries committed since the last count show up late.
   */
  depth: number;
  /** Entries held in memory (queued, waiting or in flight), at most the window's `total`. */
  held: number;
  /** Age of the oldest entry in memory, in ms (0 when empty). */
  oldestAgeMs: number;
  inFlight: number;
  sent: number;
  /** Retries after 5xx/network failures. */
  retries: number;
  /** 429 answers. */
  rateLimited: number;
  deadLetters: number;
}

/** Events of {@link OutboundQueue}. */
export interface OutboundEvents {
  /** Fleep accepted the entry. */
  sent: [entry: OutboxEntry, result: unknown];
  /** The entry was moved to the dead-letter table. */
  deadLetter: [entry: OutboxEntry, reason: string, error: unknown];
  /** The entry will be retried at `entry.notBefore`. */
  retry: [entry: OutboxEntry, error: unknown];
  /** Nothing is pending or in flight. */
  idle: [];
}

/** Whether a stored value has an effect's shape. */
export function isEffect(value: unknown): value is Effect {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { method?: unknown; body?: unknown };
  return typeof v.method === 'string' && typeof v.body === 'object' && v.body !== null;
}

/** The effect's method, for logs, when the value is an effect. */
export function methodOf(value: unknown): string | undefined {
  return isEffect(value) ? value.method : undefined;
}
