/**
 * The effects of one handling attempt: the outbox half of the event's unit of work. Each effect
 * is planned into outbox entries at once, with ids derived from the unit key and the effect's
 * index, so handling the same event again after a failure or a crash yields the same
 * `client_req_id`s. The entries are committed together with the event, or dropped with a
 * failed attempt or a failed plugin.
 *
 * `QueuedEffect.delivered()` is the one way to wait for a send inside a handler: it commits the
 * entries queued so far at once (the event's own commit only happens after the handler
 * returns), then waits for the outbound queue to settle the entry.
 */
import type { Effect } from '../api/effects.js';
import type { SyncResponse } from '../api/records.js';
import { EffectDroppedError } from '../outbound/errors.js';
import type { OutboundQueue } from '../outbound/queue.js';
import { planEffect, type PlanOptions } from '../outbound/plan.js';
import type { EffectResult, QueuedEffect } from '../pipeline/deps.js';
import type { NewOutboxEntry, Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';

/** Thrown by `emit` after the attempt ended (e.g. a handler still running past its deadline). */
export class EffectSinkClosedError extends Error {
  readonly code = 'EFFECT_SINK_CLOSED' as const;
  constructor(readonly baseId: string) {
    super(`An effect was emitted for event ${baseId} after its handler finished or timed out; emit effects inside the handler (await what it starts).`);
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
  /** Every kept outbox entry, in emit order (an effect may plan several: long messages). */
  private readonly entries: NewOutboxEntry[] = [];
  /** Effects emitted (dropped ones included): the next effect's index, part of its id. */
  private emitted = 0;
  /** `entries[0, committed)` are in the store already (committed early by `delivered()`). */
  private committed = 0;
  /** The early commit in progress. */
  private committing: Promise<void> | undefined;
  private closed = false;
  private discarded = false;

  constructor(
    private readonly baseId: string,
    private readonly deps: EffectSinkDeps,
  ) {}

  /** Number of effects emitted. */
  get count(): number {
    return this.emitted;
  }

  /** Number of entries kept so far: a mark for {@link dropAfter}. */
  get size(): number {
    return this.entries.length;
  }

  /**
   * Plans `effect` into this attempt's entries.
   * @throws EffectSinkClosedError after the attempt ended; TypeError/RangeError for a bad effect.
   */
  emit(effect: Effect): QueuedEffect {
    if (this.closed) throw new EffectSinkClosedError(this.baseId);
    const index = this.emitted;
    // `:0` keeps the ids the entries always had (the effect was once planned as a list of one).
    const planned = planEffect(`${this.baseId}:${index}:0`, effect, this.deps.clock.now(), this.deps.plan, index);
    this.emitted++;
    for (const entry of planned) this.entries.push(entry);
    return new Queued(this, this.entries.length - 1, planned[planned.length - 1]!);
  }

  /** Drops the entries kept after the first `mark` (a failed plugin's, R-38); committed ones stay. */
  dropAfter(mark: number): void {
    const keep = Math.max(mark, this.committed);
    if (this.entries.length > keep) this.entries.length = keep;
  }

  /** No more effects: a later `emit` throws. */
  close(): void {
    this.closed = true;
  }

  /** The attempt failed: its uncommitted entries are dropped (waiting `delivered()` calls reject). */
  discard(): void {
    this.closed = true;
    this.discarded = true;
    this.entries.length = this.committed;
  }

  /** Waits for an early commit in progress, so the final commit sees a settled outbox. */
  async settled(): Promise<void> {
    while (this.committing) await this.committing;
  }

  /** The entries not committed yet, for the event's commit (call once, after {@link close}). */
  takeUncommitted(): NewOutboxEntry[] {
    const from = this.committed;
    this.committed = this.entries.length;
    return from === 0 ? this.entries : this.entries.slice(from);
  }

  /** Commits the entries kept so far now (for `delivered()`); one early commit at a time. */
  async commitEarly(): Promise<void> {
    await this.settled();
    if (this.closed || this.committed === this.entries.length) return;
    const batch = this.entries.slice(this.committed);
    this.committed = this.entries.length;
    this.committing = this.deps.store.commit({ outbox: batch });
    try {
      await this.committing;
    } finally {
      this.committing = undefined;
    }
    this.deps.outbound.notify();
  }

  /** Whether entry number `index` (which is `entry`) is committed or will be with the event. */
  keeps(index: number, entry: NewOutboxEntry): boolean {
    if (index < this.committed) return this.entries[index] === entry;
    return !this.discarded && this.entries[index] === entry;
  }

  /** Waits for the queue's verdict on entry `id`. */
  outcome(id: string): Promise<unknown> {
    return this.deps.outbound.waitFor(id);
  }
}

/** What `emit` returns: the effect's id and the explicit wait for its delivery. */
class Queued implements QueuedEffect {
  constructor(
    private readonly sink: EffectSink,
    private readonly index: number,
    private readonly entry: NewOutboxEntry,
  ) {}

  get id(): string {
    return this.entry.id;
  }

  async delivered(): Promise<EffectResult> {
    await this.sink.commitEarly();
    if (!this.sink.keeps(this.index, this.entry)) throw new EffectDroppedError(this.entry.id);
    return toResult(await this.sink.outcome(this.entry.id));
  }
}

function toResult(response: unknown): EffectResult {
  const nr = (response as Partial<SyncResponse> | undefined)?.result_message_nr;
  return typeof nr === 'number' ? { messageNr: nr, response } : { response };
}
