/**
 * The long-poll loop (DESIGN.md step 1): abortable, and it tells errors apart — network and 5xx
 * back off with jitter up to a cap, 401 goes through the client's re-login, 429 waits
 * Retry-After, and a horizon of 0 or one below ours means the server wants a resync.
 */
import type { Logger } from 'pino';
import type { FleepClient } from '../api/client.js';
import { FleepApiError, FleepNetworkError, SessionExpiredError } from '../api/errors.js';
import type { FleepRecord } from '../api/records.js';
import { DEFAULT_BACKOFF, fullJitter } from '../util/backoff.js';
import type { Clock } from '../util/clock.js';

/** A batch of records, with the horizon that follows it. */
export interface PollBatch {
  /** Horizon the batch was polled from. */
  from: number;
  /** Horizon after the batch. */
  horizon: number;
  records: FleepRecord[];
}

/** Options of {@link Poller}. */
export interface PollerOptions {
  client: FleepClient;
  clock: Clock;
  logger: Logger;
  /**
   * Hands a batch to the runtime; the poller waits for the promise, if one is returned, before
   * polling again (back-pressure). `undefined`: taken already.
   */
  onBatch: (batch: PollBatch) => Promise<void> | undefined;
  /** The server asked for a resync; resolves the horizon to continue from. */
  onResync: (reason: string, from: number) => Promise<number>;
  /** Fatal: the session cannot be restored. */
  onFatal: (error: Error) => void;
  /** Backoff for network errors and 5xx. @default { baseMs: 1000, capMs: 60000 } */
  backoff?: { baseMs: number; capMs: number };
  random?: () => number;
  /** Notified after every successful poll (liveness, poll lag metrics). */
  onPolled?: (at: number) => void;
}

/** Polls `account/poll` until aborted. */
export class Poller {
  private failures = 0;

  constructor(private readonly options: PollerOptions) {}

  /** Runs the loop from `horizon` until `signal` aborts. Never rejects. */
  async run(horizon: number, signal: AbortSignal): Promise<void> {
    const { client, clock, logger } = this.options;
    let current = horizon;
    // The poller does its own classified backoff; the client must not hide failures for minutes.
    const pollOptions = { wait: true, signal, retry: false } as const;
    while (!signal.aborted) {
      try {
        const res = await client.poll(current, pollOptions);
        if (this.failures > 0) logger.info({ failures: this.failures }, 'account/poll recovered');
        this.failures = 0;
        this.options.onPolled?.(clock.now());
        const next = res.event_horizon;
        if (typeof next !== 'number' || next === 0 || next < current) {
          const reason = next === 0 ? 'server answered horizon 0' : `server horizon ${String(next)} is below ours (${current})`;
          logger.warn({ from: current, horizon: next }, `resync: ${reason}`);
          current = await this.options.onResync(reason, current);
          continue;
        }
        const records = Array.isArray(res.stream) ? res.stream : [];
        const taken = this.options.onBatch({ from: current, horizon: next, records });
        if (taken) await taken;
        current = next;
      } catch (error) {
        if (signal.aborted) break;
        const delay = this.classify(error);
        if (delay === undefined) return;
        try {
          await clock.sleep(delay, signal);
        } catch {
          break;
        }
      }
    }
  }

  /** How long to wait after `error`; `undefined` when the loop must end. */
  private classify(error: unknown): number | undefined {
    const { logger } = this.options;
    if (error instanceof SessionExpiredError) {
      logger.error({ err: error }, 'the Fleep session cannot be restored; stopping');
      this.options.onFatal(error);
      return undefined;
    }
    if (error instanceof FleepApiError && error.isRateLimited) {
      const wait = error.retryAfterMs ?? fullJitter(this.failures++, this.options.backoff ?? DEFAULT_BACKOFF, this.options.random);
      logger.warn({ waitMs: wait }, 'account/poll rate limited; waiting Retry-After');
      return wait;
    }
    const expected = error instanceof FleepNetworkError || (error instanceof FleepApiError && (error.isServerError || error.isUnauthorized));
    const wait = fullJitter(this.failures++, this.options.backoff ?? DEFAULT_BACKOFF, this.options.random);
    const fields = { ...this.describe(error), waitMs: wait, failures: this.failures };
    if (expected) logger.warn(fields, 'account/poll failed; backing off');
    else logger.error(fields, 'account/poll failed unexpectedly; backing off');
    return wait;
  }

  /** The whole error (with its stack) once per failure streak; after that its message only. */
  private describe(error: unknown): { err: unknown } | { error: string } {
    return this.failures === 1 ? { err: error } : { error: error instanceof Error ? error.message : String(error) };
  }
}
