/**
 * "Has the bot seen everything the server has?" — the poller reports each horizon it reached;
 * `bot.idle()` asks the server for its current horizon (`account/sync`) and waits until the
 * poller has passed it, so a test can say something and then wait, without sleeping.
 */
import type { FleepClient } from '../api/client.js';
import { FleepApiError } from '../api/errors.js';
import { fullJitter } from '../util/backoff.js';
import type { Clock } from '../util/clock.js';

/** Tracks the newest horizon the poller has handed over. */
export class CatchUpPoint {
  private polled = 0;
  private waiters: Array<{ horizon: number; resolve: () => void }> = [];

  constructor(
    private readonly client: FleepClient,
    private readonly clock: Clock,
  ) {}

  /** The poller reached `horizon` (`force`: set it, also backwards, after a resync). */
  advance(horizon: number, force = false): void {
    this.polled = force ? horizon : Math.max(this.polled, horizon);
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.horizon <= this.polled);
    this.waiters = this.waiters.filter((w) => w.horizon > this.polled);
    for (const w of ready) w.resolve();
  }

  /** Resolves once the poller has passed `horizon`. */
  reached(horizon: number): Promise<void> {
    if (this.polled >= horizon) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ horizon, resolve }));
  }

  /** Lets every waiter go (the bot is stopping). */
  releaseAll(): void {
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  /**
   * The server's current horizon. The client retries this read through network errors and 5xx
   * itself; a 429 it hands back at once, and that is waited out here (Retry-After, or the shared
   * backoff) on the bot's clock.
   */
  async serverHorizon(): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.client.accountSync()).event_horizon;
      } catch (error) {
        if (!(error instanceof FleepApiError && error.isRateLimited) || attempt >= 20) throw error;
        await this.clock.sleep(error.retryAfterMs ?? fullJitter(attempt));
      }
    }
  }
}
