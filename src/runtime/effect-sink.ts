/**
 * Collects the effects of one handling attempt. Effects are planned into outbox entries with
 * ids derived from the unit key and the effect's index, so handling the same event again after a
 * crash yields the same `client_req_id`s.
 *
 * The promise a helper returns settles when the effect is sent. Most handlers never await it,
 * and their effects are committed together with the ledger entry. A handler that does await it
 * would wait forever for a commit that only happens after it returns, so awaiting (calling
 * `then`) flushes the effects emitted so far to the outbox first; their ids are the same either
 * way, and the final commit only adds what was not flushed.
 */
import type { Effect } from '../api/effects.js';
import type { SyncResponse } from '../api/records.js';
import type { OutboundQueue } from '../outbound/queue.js';
import type { Waiter } from '../outbound/settlements.js';
import { planEffects, type PlanOptions } from '../outbound/plan.js';
import { DETACHED } from '../pipeline/compose.js';
import type { EffectResult } from '../pipeline/deps.js';
import type { NewOutboxEntry, Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';

/** Thrown by `emit` after the attempt ended (e.g. a handler still running past its deadline). */
export class EffectSinkClosedError extends Error {
  readonly code = 'EFFECT_SINK_CLOSED' as const;
  constructor(readonly baseId: string) {
    super(`An effect was emitted for event ${baseId} after its handler finished or timed out; await your helpers inside the handler.`);
    this.name = 'EffectSinkClosedError';
  }
}

/** Shared by every sink of one bot. */
export interface EffectSinkDeps {
  store: Store;
  outbound: OutboundQueue;
  clock: Clock;
  plan: PlanOptions;
}

/** The effects of one attempt at one unit (an event, or a schedule firing). */
export class EffectSink {
  /** Every planned outbox entry, in emit order (an effect may plan several: long messages). */
  private readonly entries: NewOutboxEntry[] = [];
  private emitted = 0;
  private flushed = 0;
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly baseId: string,
    private readonly deps: EffectSinkDeps,
  ) {}

  /** Number of effects emitted. */
  get count(): number {
    return this.emitted;
  }

  /** Whether an early flush is in progress (then {@link settled} has something to wait for). */
  get isFlushing(): boolean {
    return this.flushing !== undefined;
  }

  /** Plans an effect; the returned promise settles when it is sent. */
  emit(effect: Effect): Promise<EffectResult> {
    if (this.closed) return Promise.reject(new EffectSinkClosedError(this.baseId));
    let planned: NewOutboxEntry[];
    // planEffects only reads its list: one shared one-element list instead of one per effect.
    ONE_EFFECT[0] = effect;
    try {
      planned = planEffects(`${this.baseId}:${this.emitted}`, ONE_EFFECT, this.deps.clock.now(), this.deps.plan);
    } finally {
      ONE_EFFECT.length = 0;
    }
    this.emitted++;
    for (const entry of planned) this.entries.push(entry);
    const promise = new EffectPromise(this);
    this.deps.outbound.watch(planned[planned.length - 1]!.id, promise);
    return promise;
  }

  /** Entries not yet flushed; marks them flushed (they go into the final commit). */
  takeUnflushed(): NewOutboxEntry[] {
    const from = this.flushed;
    this.flushed = this.entries.length;
    // Once closed nothing is added any more, so the list itself can be handed over.
    if (from === 0 && this.closed) return this.entries;
    return this.entries.slice(from);
  }

  /** No more effects: later `emit`s reject. */
  close(): void {
    this.closed = true;
  }

  /** Waits for an early flush in progress, so the final commit sees a settled outbox. */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** @internal an {@link EffectPromise} is being awaited: its effect must reach the outbox first. */
  onAwait(): void {
    void this.flush();
  }

  private flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    if (this.flushed === this.entries.length) return Promise.resolve();
    const entries = this.takeUnflushed();
    const flushing = this.deps.store.commit({ outbox: entries }).then(
      () => {
        this.flushing = undefined;
        this.deps.outbound.notify();
      },
      (error: unknown) => {
        this.flushing = undefined;
        throw error;
      },
    );
    this.flushing = flushing;
    return flushing;
  }
}

const ONE_EFFECT: Effect[] = [];

function ignore(): void {}

function toResult(response: unknown): EffectResult {
  const nr = (response as Partial<SyncResponse> | undefined)?.result_message_nr;
  return typeof nr === 'number' ? { messageNr: nr, response } : { response };
}

/**
 * The promise helpers return: settled by the outbound queue when the effect is sent (it is the
 * queue's waiter itself, so an effect costs one promise). Awaiting it (anything that calls `then`)
 * first runs the sink's `onAwait`. It must not be a plain Promise: `await` on a native promise
 * never calls a user-defined `then`.
 */
class EffectPromise extends Promise<EffectResult> implements Waiter {
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  /** A handler that returns this promise is finished (see {@link DETACHED}). */
  readonly [DETACHED] = true;
  private readonly settleResolve: (value: EffectResult) => void;
  private readonly settleReject: (error: Error) => void;
  private awaited = false;

  constructor(private readonly sink: EffectSink) {
    // One shared executor hands the resolving functions over: no closure per promise.
    super(capture);
    this.settleResolve = captured.resolve;
    this.settleReject = captured.reject;
  }

  override then<R1 = EffectResult, R2 = never>(
    onFulfilled?: ((value: EffectResult) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    if (!this.awaited) {
      this.awaited = true;
      this.sink.onAwait();
    }
    return super.then(onFulfilled, onRejected);
  }

  /** @internal the queue sent the effect. */
  resolve(response: unknown): void {
    this.settleResolve(toResult(response));
  }

  /** @internal the effect was dead-lettered or the queue stopped. */
  reject(error: Error): void {
    // Dead letters are logged by the queue; a handler that did not await must not crash the bot.
    if (!this.awaited) PROMISE_THEN.call(this, undefined, ignore);
    this.settleReject(error);
  }
}

/** The resolving functions of the EffectPromise being constructed (set by {@link capture}). */
const captured: { resolve: (value: EffectResult) => void; reject: (error: Error) => void } = { resolve: ignore, reject: ignore };

/** The executor of every {@link EffectPromise}: runs synchronously inside its constructor. */
function capture(resolve: (value: EffectResult) => void, reject: (error: Error) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}

const PROMISE_THEN = Promise.prototype.then;
