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
  /** A resync is about to run, after waiting `delayMs` (0 for the first of a streak). */
  onResyncing?: (info: ResyncAttempt) => void;
  /** Backoff between consecutive resyncs. @default { baseMs: 1000, capMs: 60000 } */
  resyncBackoff?: { baseMs: number; capMs: number };
}

/** One resync attempt of a streak (resyncs with no normal poll answer in between). */
export interface ResyncAttempt {
  reason: string;
  /** Horizon the bot polled from when the server asked for the resync. */
  from: number;
  /** 1 for the first resync of a streak. */
  attempt: number;
  /** How long the poller waits before this attempt. */
  delayMs: number;
}

/**
 * Wait before resync attempt `attempt` (1-based) of a streak: none for the first, then half of
 * an exponential ceiling plus up to the other half at random, so that a server that keeps
 * answering horizon 0 gets at most one resync a second, then one a minute, never a spin.
 */
export function resyncDelay(attempt: number, backoff: { baseMs: number; capMs: number }, random: () => number = Math.random): number {
  if (attempt <= 1) return 0;
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.min(attempt - 2, 30));
  return Math.floor(ceiling / 2 + random() * (ceiling / 2));
}

/** Polls `account/poll` until aborted. */
export class Poller {
  private failures = 0;
  /** Resyncs since the last normal poll answer. */
  private resyncs = 0;

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
          current = await this.resync(reason, current, signal);
          continue;
        }
        this.resyncs = 0;
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

  /**
   * Resyncs, backing off when the server keeps asking for it; a failed resync (the server
   * unreachable, or answering horizon 0 to the resync's own calls) is tried again the same way.
   * Rejects only when stopped or the session cannot be restored.
   */
  private async resync(reason: string, from: number, signal: AbortSignal): Promise<number> {
    const { clock, logger } = this.options;
    for (let why = reason; ; ) {
      const attempt = ++this.resyncs;
      const delayMs = resyncDelay(attempt, this.options.resyncBackoff ?? DEFAULT_BACKOFF, this.options.random);
      this.options.onResyncing?.({ reason: why, from, attempt, delayMs });
      if (delayMs > 0) {
        logger.warn({ attempt, delayMs, from }, `resync again (${why}): backing off ${Math.round(delayMs / 1000)} s first`);
        await clock.sleep(delayMs, signal);
      }
      try {
        return await this.options.onResync(why, from);
      } catch (error) {
        if (signal.aborted || error instanceof SessionExpiredError) throw error;
        logger.warn({ err: error, attempt }, 'resync failed; trying again');
        why = 'the previous resync failed';
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
