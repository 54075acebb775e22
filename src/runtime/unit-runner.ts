/**
 * Handles one unit (DESIGN.md steps 3–7): skip it when the ledger has it, run every event of it
 * through the plugins under a deadline, and commit "handled + cursor + state + jobs + effects" in
 * one transaction — conditional on the keys the handlers read being unchanged, else the unit is
 * run again on fresh reads (optimistic concurrency across conversations' lanes). A unit whose handling fails `maxAttempts` times (counted in the store, so across
 * restarts) is dead-lettered and stops blocking its conversation (R-05, R-06); what the plugins
 * that did not fail did on its last attempt is still committed and sent (R-38).
 */
import type { Logger } from 'pino';
import type { Context } from '../pipeline/context.js';
import { Context as ContextClass } from '../pipeline/context.js';
import type { Effect } from '../api/effects.js';
import type { ContextDeps, QueuedEffect } from '../pipeline/deps.js';
import type { FleepEvent } from '../pipeline/events.js';
import type { PluginHost } from '../pipeline/plugin-host.js';
import { UnitOfWork } from '../pipeline/unit-of-work.js';
import { StoreConflictError, type EventCommit, type KvWrite, type Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { Deadlines, type Deadline } from './deadlines.js';
import { EffectSink, type EffectSinkDeps } from './effect-sink.js';

/** The context dependencies that are the same for every attempt. */
export type SharedDeps = Omit<ContextDeps, 'emit' | 'signal' | 'effectMark' | 'dropEffectsAfter' | 'work'>;

/** What one unit of work is, for the runner. */
export interface RunnableUnit {
  /** Ledger key; also the base of the effects' ids. */
  key: string;
  events: FleepEvent[];
  /** Extra writes committed with the unit (snapshots, flow positions). */
  writes?: KvWrite[];
}

/** How a unit ended. */
export type UnitOutcome = 'handled' | 'duplicate' | 'failed' | 'dead-lettered';

/** Options of {@link UnitRunner}. */
export interface UnitRunnerOptions {
  store: Store;
  /** Handles one event (the bot passes its plugin host, wrapped by its stray-error scopes). */
  host: Pick<PluginHost, 'handle'>;
  clock: Clock;
  logger: Logger;
  sink: EffectSinkDeps;
  /** Context dependencies shared by every event; the effect sink, unit of work and `signal` are per attempt. */
  deps: SharedDeps;
  /** @default 60000 */
  handlerTimeoutMs: number;
  /** @default 3 */
  maxAttempts: number;
  /** Called with each event before it is handled (the bot's `event` emitter). */
  onEvent?: (event: FleepEvent) => void;
  /** Called with each event once its handlers finished (or failed), with how long they took. */
  onHandled?: (event: FleepEvent, durationMs: number) => void;
  /** Called after a commit that created or cancelled jobs (the scheduler looks again). */
  onJobsChanged?: () => void;
  /** Called once per event when its unit is settled: handled, or dead-lettered after its attempts. */
  onSettled?: (event: FleepEvent, outcome: 'handled' | 'dead-lettered') => void;
}


/** Where the stream cursor stands once a unit is handled (evaluated right before its commit). */
export interface UnitCursor {
  /** Marks the unit finished; the cursor to commit when it moved, else `undefined`. */
  advance(): number | undefined;
}

/** For units that are not records (schedule firings): they never move the cursor. */
export const NO_CURSOR: UnitCursor = { advance: () => undefined };

/** How many times in a row one run re-runs a unit whose commit lost a race, before that counts as a failed attempt. */
export const MAX_CONFLICT_RERUNS = 10;

/** How a commit of a unit ended. */
type CommitOutcome = 'handled' | 'duplicate' | 'conflict';

/** Runs units. Stateless between units. */
export class UnitRunner {
  /** Units dead-lettered so far. */
  deadLetters = 0;
  private readonly deadlines: Deadlines;

  constructor(private readonly o: UnitRunnerOptions) {
    this.deadlines = new Deadlines(o.clock, o.handlerTimeoutMs);
  }

  /**
   * Handles `unit` and commits it together with `cursor.advance()`. A unit whose commit lost a
   * race with a concurrent one (it read a key that changed meanwhile) is run again on fresh
   * reads. Never rejects for handler failures; rejects when the store fails.
   */
  async run(unit: RunnableUnit, cursor: UnitCursor): Promise<UnitOutcome> {
    const outcome = await this.settle(unit, cursor);
    const onSettled = this.o.onSettled;
    if (onSettled && (outcome === 'handled' || outcome === 'dead-lettered')) for (const event of unit.events) onSettled(event, outcome);
    return outcome;
  }

  /** {@link run} without the settled notification: attempts until the unit is handled or dead-lettered. */
  private async settle(unit: RunnableUnit, cursor: UnitCursor): Promise<UnitOutcome> {
    const { store } = this.o;
    if (await store.isHandled(unit.key)) return this.skipDuplicate(cursor);
    let conflicts = 0;
    for (;;) {
      const sink = new EffectSink(unit.key, this.o.sink);
      const work = new UnitOfWork(unit.key, store);
      const deadline = this.deadlines.start();
      const deps = new AttemptDeps(this.o.deps, sink, work, deadline);
      let failure: string | undefined;
      let timedOut = false;
      // The events run inline (not in an async helper): one async frame per unit, not two.
      try {
        for (const event of unit.events) {
          this.o.onEvent?.(event);
          const ctx: Context = new ContextClass(event, deps);
          const started = this.o.onHandled ? this.o.clock.now() : 0;
          const result = await deadline.race(this.o.host.handle(ctx));
          this.o.onHandled?.(event, this.o.clock.now() - started);
          if (result === undefined) {
            timedOut = true;
            break;
          }
          // The host already rolled back a failing plugin's work; the other plugins' stays.
          if (!result.ok) {
            const first = result.errors[0];
            failure ??= first ? `${first.plugin ?? 'middleware'}: ${first.message}` : 'handler failed';
          }
        }
      } finally {
        this.deadlines.finish(deadline);
      }
      sink.close();
      await sink.settled();
      if (timedOut) failure = `handler did not finish within ${this.o.handlerTimeoutMs} ms`;
      if (failure === undefined) {
        const outcome = await this.commitHandled(unit, sink, work, cursor);
        if (outcome !== 'conflict') return outcome;
        sink.discard();
        if (++conflicts <= MAX_CONFLICT_RERUNS) {
          this.o.logger.debug({ eventId: unit.key, conflicts }, 'a key the handlers read changed before the commit; handling the event again');
          continue;
        }
        failure = `its commit conflicted with concurrent updates ${conflicts - 1} times in a row`;
        conflicts = 0;
      }
      const failures = await store.recordFailure(unit.key, failure);
      if (timedOut || failures >= this.o.maxAttempts) {
        await store.addDeadLetter({ kind: 'event', key: unit.key, payload: unit.events.map(describe), reason: failure });
        this.deadLetters++;
        if (timedOut) {
          // The handler may still be running: keep nothing of this attempt but the ledger entry.
          sink.discard();
          await store.commit({ eventKey: unit.key, cursor: cursor.advance(), kv: unit.writes ?? [] });
        } else if ((await this.commitHandled(unit, sink, work, cursor)) === 'conflict') {
          // What the plugins that did not fail did stands, unless it raced: then only the ledger entry.
          sink.discard();
          this.o.logger.warn({ eventId: unit.key }, 'dead-lettered event: its changes conflicted with a concurrent update and were dropped');
          await store.commit({ eventKey: unit.key, cursor: cursor.advance(), kv: unit.writes ?? [] });
        }
        this.o.logger.error({ eventId: unit.key, failures, reason: failure }, 'event dead-lettered');
        return 'dead-lettered';
      }
      sink.discard();
      this.o.logger.warn({ eventId: unit.key, failures, reason: failure }, 'event handling failed; retrying');
    }
  }

  private async skipDuplicate(cursor: UnitCursor): Promise<'duplicate'> {
    const moved = cursor.advance();
    if (moved !== undefined) await this.o.store.commit({ cursor: moved });
    return 'duplicate';
  }

  /**
   * Commits the unit. One that read keys and changed state or jobs commits conditionally, and
   * the cursor moves only once that commit went through (a refused unit is not finished).
   */
  private async commitHandled(unit: RunnableUnit, sink: EffectSink, work: UnitOfWork, cursor: UnitCursor): Promise<CommitOutcome> {
    const changes = work.changes();
    const extra = unit.writes;
    const kv = extra && extra.length > 0 ? (changes.kv.length > 0 ? [...changes.kv, ...extra] : extra) : changes.kv;
    const jobsChanged = changes.jobs.length > 0 || changes.cancelJobs.length > 0;
    const outbox = sink.takeUncommitted();
    const commit: EventCommit = { eventKey: unit.key, kv, outbox };
    if (jobsChanged) {
      commit.jobs = changes.jobs;
      commit.cancelJobs = changes.cancelJobs;
    }
    if (changes.expect.length > 0 && (changes.kv.length > 0 || jobsChanged)) {
      commit.expect = changes.expect;
      try {
        await this.o.store.commit(commit);
      } catch (error) {
        if (!(error instanceof StoreConflictError)) throw error;
        return error.reason === 'handled' ? this.skipDuplicate(cursor) : 'conflict';
      }
      const moved = cursor.advance();
      if (moved !== undefined) await this.o.store.commit({ cursor: moved });
    } else {
      commit.cursor = cursor.advance();
      await this.o.store.commit(commit);
    }
    if (outbox.length > 0) this.o.sink.outbound.notify();
    if (jobsChanged) this.o.onJobsChanged?.();
    return 'handled';
  }
}

/**
 * The context dependencies of one attempt: the shared ones, this attempt's effect sink and its
 * deadline (whose `signal` is the one handlers see).
 */
class AttemptDeps implements ContextDeps {
  readonly botAccountId: string;
  readonly botAddress: string;
  readonly store: ContextDeps['store'];
  readonly contacts: ContextDeps['contacts'];
  readonly conversations: ContextDeps['conversations'];
  readonly jobs: ContextDeps['jobs'];
  readonly clock: ContextDeps['clock'];
  readonly logger: ContextDeps['logger'];
  readonly config: ContextDeps['config'];

  constructor(
    shared: SharedDeps,
    readonly sink: EffectSink,
    readonly work: UnitOfWork,
    readonly deadline: Deadline,
  ) {
    this.botAccountId = shared.botAccountId;
    this.botAddress = shared.botAddress;
    this.store = shared.store;
    this.contacts = shared.contacts;
    this.conversations = shared.conversations;
    this.jobs = shared.jobs;
    this.clock = shared.clock;
    this.logger = shared.logger;
    this.config = shared.config;
  }

  get signal(): AbortSignal {
    return this.deadline.signal;
  }

  get effectMark(): number {
    return this.sink.size;
  }

  emit(effect: Effect): QueuedEffect {
    return this.sink.emit(effect);
  }

  dropEffectsAfter(mark: number): void {
    this.sink.dropAfter(mark);
  }
}

function describe(event: FleepEvent): { type: string; id: string; conversationId?: string } {
  return { type: event.type, id: event.id, conversationId: event.conversationId };
}
