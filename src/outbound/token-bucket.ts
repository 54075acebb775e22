/**
 * A token bucket on an injected clock's time (p-queue's own interval limiter uses real timers,
 * which a ManualClock cannot drive).
 */

/**
 * A rate: `perSecond` tokens refill continuously up to `burst`.
 * @example { perSecond: 2, burst: 5 }
 */
export interface Rate {
  /** Sustained sends per second. */
  perSecond: number;
  /** Sends allowed back to back after a quiet spell. */
  burst: number;
}

// Floating-point refills may land a hair under a whole token at the computed instant.
const EPSILON = 1e-9;

/** A token bucket; starts full. Times are epoch ms from the caller's clock. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly perMs: number;

  /** @param rate the refill rate and capacity. @param now the current time in epoch ms. */
  constructor(
    private readonly rate: Rate,
    now: number,
  ) {
    this.tokens = rate.burst;
    this.last = now;
    this.perMs = rate.perSecond / 1000;
  }

  /** Earliest epoch ms at which a token is available (`now` when one is available now). */
  readyAt(now: number): number {
    this.refill(now);
    if (this.tokens >= 1 - EPSILON) return now;
    return now + Math.ceil((1 - this.tokens) / this.perMs);
  }

  /** Takes one token; the caller checked {@link readyAt} first. */
  take(now: number): void {
    this.refill(now);
    this.tokens = Math.max(0, this.tokens - 1);
  }

  /** Whether the bucket is full again at `now` (an idle lane may then be forgotten). */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.rate.burst - EPSILON;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.rate.burst, this.tokens + (now - this.last) * this.perMs);
      this.last = now;
    }
  }
}
