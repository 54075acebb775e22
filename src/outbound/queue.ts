/**
 * The durable outbound queue: drains the store's outbox through per-conversation FIFO lanes,
 * least recently served conversation first, paced by token buckets on the injected clock, with at
 * most `concurrency` sends in flight (R-10…R-14; failure rules in `failure.ts`). The bound is the
 * queue's own: `pump()` picks the next lane only when a slot is free, so that fairness and the rate
 * tokens are decided at the moment a send starts.
 *
 * Delivery: an entry leaves the store only after Fleep accepted it (or it was dead-lettered), and
 * every retry re-uses its `client_req_id`, so a crash between "sent" and "marked done" re-sends it
 * after restart with the same id and Fleep de-duplicates it.
 */
import { EventEmitter } from 'eventemitter3';
import { fullJitter } from '../util/backoff.js';
import type { TimerHandle } from '../util/clock.js';
import { DeadLetterError } from './errors.js';
import { classifyFailure, describeError } from './failure.js';
import { Lane, ReadyLanes, SleepHeap } from './lanes.js';
import type { Pending } from './lanes.js';
import { OutboxWindow } from './outbox-window.js';
import { resolveOptions } from './queue-options.js';
import type { OutboundQueueOptions, ResolvedOptions } from './queue-options.js';
import { SendSignals } from './send-signals.js';
import { Settlements, type Waiter } from './settlements.js';
import { TokenBucket } from './token-bucket.js';
import { isEffect, methodOf, type OutboundEvents, type OutboundStats } from './queue-types.js';

export type { OutboundEvents, OutboundStats } from './queue-types.js';

const LOAD_RETRY_MS = 1000;
/** Idle lanes beyond those of the last sweep that trigger a sweep before the second is up. */
const IDLE_SWEEP = 1024;
/** How often `stats().depth` re-counts the store while the window is full. */
const COUNT_EVERY_MS = 1000;

/**
 * The outbound queue. Create one per bot, `start()` it, call `notify()` after each commit that
 * added outbox entries, and `stop()` it on shutdown.
 * @example
 * const queue = new OutboundQueue({ store, clock, transport: (e, id, signal) => client.call(e.method, e.body, { conversationId: e.conversationId, clientReqId: id, signal }) });
 * await queue.start();
 * await store.commit({ eventKey, outbox: planEffects(eventKey, effects, clock.now()) });
 * queue.notify();
 */
export class OutboundQueue extends EventEmitter<OutboundEvents> {
  private readonly o: ResolvedOptions;
  private readonly window: OutboxWindow;
  private readonly ready = new ReadyLanes();
  private readonly sleepers = new SleepHeap();
  /** Lanes with nothing to send (flag `idle`), forgotten by the next sweep once their bucket is full. */
  private idleCount = 0;
  /** Idle lanes the last sweep could not forget yet (rate buckets refilling). */
  private idleAfterSweep = 0;
  private readonly globalBucket: TokenBucket | undefined;
  private readonly signals = new SendSignals();
  private readonly settlements = new Settlements();
  private conditions: Array<{ test: () => boolean; resolve: () => void }> = [];
  private counters = { sent: 0, retries: 0, rateLimited: 0, deadLetters: 0 };
  private inFlight = 0;
  private scanWanted = false;
  private refillWanted = false;
  private loader: Promise<void> | undefined;
  private loadRetry: TimerHandle | undefined;
  private globalPausedUntil = 0;
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private lastSweep = 0;
  private idleSignalled = true;
  private started = false;
  private stopping = false;
  private halted = false;
  private closed = false;
  private stopped: Promise<void> | undefined;

  /** @throws TypeError/RangeError naming a bad option. */
  constructor(options: OutboundQueueOptions) {
    super();
    this.o = resolveOptions(options);
    this.globalBucket = this.o.global && new TokenBucket(this.o.global, this.o.clock.now());
    const { perConversation, clock } = this.o;
    this.window = new OutboxWindow(
      this.o.store,
      this.o.perLane,
      this.o.total,
      (id) => new Lane(id, perConversation && new TokenBucket(perConversation, clock.now())),
      (lane) => {
        if (lane.idle) {
          lane.idle = false;
          this.idleCount--;
        }
        if (!lane.busy && !lane.isReady && lane.wakeAt === 0) this.ready.push(lane);
      },
    );
  }

  /** Loads pending entries from the store and starts sending. Resolves after the first load. */
  async start(): Promise<void> {
    if (this.started) throw new Error('OutboundQueue.start() was called twice; create one queue per bot');
    if (this.stopping) throw new Error('OutboundQueue was stopped; create a new queue to start again');
    this.started = true;
    this.requestLoad('scan');
    await this.loader;
  }

  /** New entries were committed to the store: load and send them. Cheap; calls coalesce. */
  notify(): void {
    if (this.started && !this.stopping) this.requestLoad('scan');
  }

  /** Same as {@link notify}; the entries themselves are read back from the store (with their seq). */
  enqueued(_entries?: readonly unknown[]): void {
    this.notify();
  }

  /**
   * Settles when the entry `id` is sent (with the transport's result), or rejects with
   * {@link DeadLetterError} when it is dead-lettered or {@link OutboundStoppedError} when the queue
   * stops first. Call it right after committing the entry.
   */
  waitFor(id: string): Promise<unknown> {
    return this.settlements.waitFor(id, this.halted);
  }

  /**
   * Entry `id` was put back into the store's outbox (an operator retried its dead letter): forgets
   * its earlier outcome, loads it, and settles like {@link waitFor} when it is sent or
   * dead-lettered again.
   */
  resent(id: string): Promise<unknown> {
    this.settlements.forget(id);
    const settled = this.waitFor(id);
    this.notify();
    return settled;
  }

  /** {@link waitFor} without a promise: `waiter` is told the outcome (at once when it is known). */
  watch(id: string, waiter: Waiter): void {
    this.settlements.watch(id, waiter, this.halted);
  }

  /** Resolves when nothing is held, in flight, or known to wait in the store, or once stopped. */
  idle(): Promise<void> {
    return this.when(() => this.closed || this.isIdle());
  }

  /**
   * Stops taking new entries and keeps draining what is in memory until `deadlineMs`; then aborts
   * the sends in flight. Whatever is unsent stays in the store for the next start. Idempotent.
   */
  stop(options: { deadlineMs?: number } = {}): Promise<void> {
    this.stopped ??= this.shutdown(options.deadlineMs ?? this.o.stopDeadlineMs);
    return this.stopped;
  }

  /** Counters and gauges for metrics. */
  stats(): OutboundStats {
    const now = this.o.clock.now();
    let oldest = now;
    for (const lane of this.window.lanes.values()) {
      const head = lane.peek();
      if (head && head.entry.createdAt < oldest) oldest = head.entry.createdAt;
    }
    return { depth: this.window.pending, held: this.window.held, oldestAgeMs: now - oldest, inFlight: this.inFlight, ...this.counters };
  }

  /** Pending entries in the store (including those not loaded into memory). */
  pendingInStore(): Promise<number> {
    return this.o.store.outboxSize();
  }

  private async shutdown(deadlineMs: number): Promise<void> {
    this.stopping = true;
    if (deadlineMs > 0) {
      const deadline = new AbortController();
      const elapsed = this.o.clock.sleep(deadlineMs, deadline.signal).catch(() => undefined);
      await Promise.race([this.when(() => this.window.held === 0 && this.inFlight === 0), elapsed]);
      deadline.abort();
    }
    this.halted = true;
    this.disarm();
    if (this.loadRetry) this.o.clock.clearTimeout(this.loadRetry);
    this.signals.abortAll(new Error('The outbound queue stopped; unsent effects stay in the outbox'));
    if (this.inFlight > 0) {
      const grace = new AbortController();
      const waited = this.o.clock.sleep(this.o.abortGraceMs, grace.signal).catch(() => undefined);
      await Promise.race([this.when(() => this.inFlight === 0), waited]);
      grace.abort();
    }
    await this.loader;
    this.settlements.close();
    this.closed = true;
    this.checkConditions();
  }

  private isIdle(): boolean {
    return this.window.held === 0 && this.inFlight === 0 && !this.loader && !this.scanWanted && !this.refillWanted && !this.window.storeHasMore && this.window.refill.size === 0;
  }

  private when(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => this.conditions.push({ test, resolve }));
  }

  private checkConditions(): void {
    if (this.conditions.length > 0) {
      const waiting = this.conditions;
      this.conditions = [];
      for (const c of waiting) {
        if (c.test()) c.resolve();
        else this.conditions.push(c);
      }
    }
    const idle = this.isIdle();
    if (idle && !this.idleSignalled) this.emit('idle');
    this.idleSignalled = idle;
  }

  // ---- loading -------------------------------------------------------------------------------

  private requestLoad(kind: 'scan' | 'refill'): void {
    if (kind === 'scan') this.scanWanted = true;
    else this.refillWanted = true;
    this.loader ??= this.runLoader();
  }

  private async runLoader(): Promise<void> {
    try {
      while ((this.scanWanted || this.refillWanted) && !this.stopping) {
        if (this.refillWanted) {
          this.refillWanted = false;
          await this.window.refillLanes();
        }
        if (this.scanWanted) {
          this.scanWanted = false;
          await this.window.scan();
        }
      }
      const counting = this.stopping ? undefined : this.window.countStore(this.o.clock.now(), COUNT_EVERY_MS);
      if (counting) await counting;
    } catch (error) {
      this.o.logger.error({ err: describeError(error) }, 'outbound: loading the outbox failed; retrying');
      if (!this.stopping) {
        this.loadRetry = this.o.clock.setTimeout(() => {
          this.loadRetry = undefined;
          this.requestLoad('scan');
          if (this.window.refill.size > 0) this.requestLoad('refill');
        }, LOAD_RETRY_MS);
      }
    } finally {
      this.loader = undefined;
      if (this.stopping) this.scanWanted = this.refillWanted = false;
      if (this.scanWanted || this.refillWanted) this.loader = this.runLoader();
      this.pump();
      this.checkConditions();
    }
  }

  // ---- sending -------------------------------------------------------------------------------

  private pump(): void {
    if (this.halted) return;
    const now = this.o.clock.now();
    for (let lane = this.sleepers.popDue(now); lane; lane = this.sleepers.popDue(now)) {
      if (lane.size > 0 && !lane.busy && !lane.isReady) this.ready.push(lane);
    }
    let wakeAt = Infinity;
    while (this.inFlight < this.o.concurrency) {
      const lane = this.ready.peek();
      if (!lane) break;
      const item = lane.peek();
      if (!item || lane.busy) {
        this.ready.shift();
        continue;
      }
      const laneAt = Math.max(lane.pausedUntil, item.entry.notBefore, lane.bucket ? lane.bucket.readyAt(now) : 0);
      if (laneAt > now) {
        this.ready.shift();
        this.sleepers.add(lane, laneAt);
        continue;
      }
      const globalAt = Math.max(this.globalPausedUntil, this.globalBucket ? this.globalBucket.readyAt(now) : 0);
      if (globalAt > now) {
        wakeAt = globalAt;
        break;
      }
      this.ready.shift();
      this.ready.served(lane);
      lane.bucket?.take(now);
      this.globalBucket?.take(now);
      this.dispatch(lane, item, now);
    }
    this.arm(Math.min(wakeAt, this.sleepers.nextAt() ?? Infinity), now);
    // Once a second, or sooner when many lanes went idle since the last sweep (bounded memory
    // with many conversations; amortised O(1) per lane).
    if (this.idleCount > 0 && (now - this.lastSweep >= 1000 || this.idleCount > this.idleAfterSweep + IDLE_SWEEP)) this.sweep(now);
  }

  private dispatch(lane: Lane, item: Pending, now: number): void {
    lane.busy = true;
    this.inFlight++;
    if (item.firstAttemptAt === 0) item.firstAttemptAt = now;
    this.attempt(lane, item).catch(this.onTaskError);
  }

  private readonly onTaskError = (error: unknown): void => {
    this.o.logger.error({ err: describeError(error) }, 'outbound: send task failed');
  };

  private async attempt(lane: Lane, item: Pending): Promise<void> {
    const { entry } = item;
    try {
      if (!isEffect(entry.effect)) {
        await this.deadLetter(lane, item, 'malformed effect in the outbox (needs method and body)', undefined);
        return;
      }
      let result: unknown;
      const s = this.signals.acquire();
      try {
        result = await this.o.transport(entry.effect, entry.id, s.signal);
      } catch (error) {
        // Stopped mid-send: the entry stays in the store untouched and is re-sent (same id) next start.
        if (!s.signal.aborted) await this.failed(lane, item, error);
        return;
      } finally {
        this.signals.release(s);
      }
      // Inlined rather than a method: one promise and microtask hop less per send.
      this.window.remove(lane);
      this.counters.sent++;
      this.settlements.resolve(entry.id, result);
      this.emit('sent', entry, result);
      try {
        await this.o.store.outboxDone(entry.id);
      } catch (error) {
        // Sent but not marked done: a later start re-sends it with the same id (de-duplicated).
        this.o.logger.error({ err: describeError(error), id: entry.id }, 'outbound: marking a sent entry done failed');
      }
    } catch (error) {
      this.o.logger.error({ err: describeError(error), id: entry.id, lane: lane.id }, 'outbound: store update failed');
    } finally {
      lane.busy = false;
      this.inFlight--;
      this.afterAttempt(lane);
    }
  }

  private async failed(lane: Lane, item: Pending, error: unknown): Promise<void> {
    const { entry } = item;
    const now = this.o.clock.now();
    const action = classifyFailure(error, lane.id);
    if (action.kind === 'refused') return this.deadLetter(lane, item, `refused by Fleep: ${action.reason}`, error);
    const elapsed = now - item.firstAttemptAt;
    const left = this.o.giveUpMs - elapsed;
    let waitMs: number;
    if (action.kind === 'rate-limited') {
      this.counters.rateLimited++;
      waitMs = action.retryAfterMs ?? Math.max(this.o.backoff.baseMs, fullJitter(entry.attempts, this.o.backoff, this.o.random));
      if (waitMs > this.o.maxRetryAfterMs) {
        return this.deadLetter(lane, item, `429 asked to wait ${waitMs} ms, more than maxRetryAfterMs (${this.o.maxRetryAfterMs} ms)`, error);
      }
      if (waitMs > left) return this.deadLetter(lane, item, `429 wait of ${waitMs} ms would pass giveUpMs (${this.o.giveUpMs} ms)`, error);
      if (action.global) this.globalPausedUntil = Math.max(this.globalPausedUntil, now + waitMs);
      else lane.pausedUntil = Math.max(lane.pausedUntil, now + waitMs);
      this.o.logger.warn({ id: entry.id, lane: lane.id, waitMs, global: action.global }, 'outbound: rate limited (429)');
    } else {
      if (left <= 0) return this.deadLetter(lane, item, `gave up after ${elapsed} ms of failures; last: ${describeError(error)}`, error);
      this.counters.retries++;
      waitMs = Math.min(fullJitter(entry.attempts, this.o.backoff, this.o.random), left);
      this.o.logger.warn({ id: entry.id, lane: lane.id, attempt: entry.attempts + 1, waitMs, err: describeError(error) }, 'outbound: send failed; retrying');
    }
    entry.attempts++;
    entry.notBefore = now + waitMs;
    this.emit('retry', entry, error);
    await this.o.store.outboxRetry(entry.id, entry.attempts, entry.notBefore);
  }

  private async deadLetter(lane: Lane, item: Pending, reason: string, error: unknown): Promise<void> {
    const { entry } = item;
    this.window.remove(lane);
    this.counters.deadLetters++;
    this.o.logger.error({ id: entry.id, lane: lane.id, method: methodOf(entry.effect), reason }, 'outbound: effect dead-lettered');
    this.settlements.reject(entry.id, new DeadLetterError(entry.id, reason, { cause: error }));
    this.emit('deadLetter', entry, reason, error);
    const payload = { lane: entry.lane, effect: entry.effect, attempts: entry.attempts, createdAt: entry.createdAt };
    await this.o.store.addDeadLetter({ kind: 'effect', key: entry.id, payload, reason });
    await this.o.store.outboxDone(entry.id);
  }

  private afterAttempt(lane: Lane): void {
    if (lane.size > 0) {
      if (!lane.isReady && lane.wakeAt === 0) this.ready.push(lane);
    } else if (!lane.spilled && !lane.idle) {
      // Kept until the next sweep: a conversation that gets another reply soon reuses its lane.
      lane.idle = true;
      this.idleCount++;
    }
    if (!this.stopping) {
      if (this.window.wantsRefill(lane)) this.requestLoad('refill');
      if (this.window.wantsScan() && !this.scanWanted) this.requestLoad('scan');
    }
    this.pump();
    this.checkConditions();
  }

  /**
   * Forgets idle lanes whose rate bucket is full again (so forgetting cannot grant extra burst)
   * and whose pause is over. At most once a second, over the lanes in memory.
   */
  private sweep(now: number): void {
    this.lastSweep = now;
    for (const lane of this.window.lanes.values()) {
      if (!lane.idle) continue;
      if (lane.size > 0 || lane.busy || lane.spilled) {
        lane.idle = false;
        this.idleCount--;
      } else if (lane.pausedUntil <= now && (!lane.bucket || lane.bucket.isFull(now))) {
        lane.idle = false;
        this.idleCount--;
        this.window.lanes.delete(lane.id);
      }
    }
    this.idleAfterSweep = this.idleCount;
  }

  private arm(at: number, now: number): void {
    if (at === Infinity || at >= this.timerAt) return;
    this.disarm();
    this.timerAt = at;
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, at - now);
  }

  private disarm(): void {
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}
