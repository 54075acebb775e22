/**
 * Handles one unit (DESIGN.md steps 3–7): skip it when the ledger has it, run every event of it
 * through the plugins under a deadline, and commit "handled + cursor + state + effects" in one
 * transaction. A unit whose handling fails `maxAttempts` times (counted in the store, so across
 * restarts) is dead-lettered and stops blocking its conversation; what the plugins
 * that did not fail did on its last attempt is still committed and sent.
 */
import type { Logger } from 'pino';
import type { Context } from '../pipeline/context.js';
import { Context as ContextClass } from '../pipeline/context.js';
import type { Effect } from '../api/effects.js';
import type { ContextDeps, QueuedEffect } from '../pipeline/deps.js';
import type { FleepEvent } from '../pipeline/events.js';
import type { PluginHost } from '../pipeline/plugin-host.js';
import type { KvWrite, Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { Deadlines, type Deadline } from './deadlines.js';
import { EffectSink, type EffectSinkDeps } from './effect-sink.js';

/** The context dependencies that are the same for every attempt. */
export type SharedDeps = Omit<ContextDeps, 'emit' | 'signal' | 'effectMark' | 'dropEffectsAfter'>;

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
  /** Context dependencies shared by every event; the effect sink and `signal` are per attempt. */
  deps: SharedDeps;
  /** @default 60000 */
  handlerTimeoutMs: number;
  /** @default 3 */
  maxAttempts: number;
  /** Called with each event before it is handled (the bot's `event` emitter). */
  onEvent?: (event: FleepEvent) => void;
  /** Called with each event once its handlers finished (or failed), with how long they took. */
  onHandled?: (event: FleepEvent, durationMs: number) => void;
}


/** Where the stream cursor stands once a unit is handled (evaluated right before its commit). */
export interface UnitCursor {
  /** Marks the unit finished; the cursor to commit when it moved, else `undefined`. */
  advance(): number | undefined;
}

/** For units that are not records (schedule firings): they never move the cursor. */
export const NO_CURSOR: UnitCursor = { advance: () => undefined };

const NO_WRITES: KvWrite[] = [];

/** Why an attempt failed. Success is the attempt's writes, so the common case allocates nothing. */
class AttemptFailure {
  constructor(
    readonly reason: string,
    readonly timedOut: boolean,
    readonly writes: KvWrite[],
  ) {}
}

/** Runs units. Stateless between units. */
export class UnitRunner {
  private readonly deadlines: Deadlines;

  constructor(private readonly o: UnitRunnerOptions) {
    this.deadlines = new Deadlines(o.clock, o.handlerTimeoutMs);
  }

  /**
   * Handles `unit` and commits it together with `cursor.advance()` (evaluated right before the
   * commit, so it includes this unit). Never rejects for handler failures; rejects when the
   * store fails.
   */
  async run(unit: RunnableUnit, cursor: UnitCursor): Promise<UnitOutcome> {
    const { store } = this.o;
    if (await store.isHandled(unit.key)) {
      await store.commit({ cursor: cursor.advance() });
      return 'duplicate';
    }
    for (;;) {
      const sink = new EffectSink(unit.key, this.o.sink);
      const deadline = this.deadlines.start();
      const deps = new AttemptDeps(this.o.deps, sink, deadline);
      let writes: KvWrite[] | undefined;
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
          // The host already dropped a failing plugin's writes; the other plugins' stay.
          const pending = ctx.pendingWrites;
          if (pending.length > 0) (writes ??= []).push(...pending);
          if (!result.ok) {
            const first = result.errors[0];
            failure ??= first ? `${first.plugin ?? 'middleware'}: ${first.message}` : 'handler failed';
          }
        }
      } finally {
        this.deadlines.finish(deadline);
      }
      const attempt = timedOut
        ? new AttemptFailure(`handler did not finish within ${this.o.handlerTimeoutMs} ms`, true, [])
        : failure === undefined
          ? (writes ?? NO_WRITES)
          : new AttemptFailure(failure, false, writes ?? NO_WRITES);
      sink.close();
      await sink.settled();
      if (!(attempt instanceof AttemptFailure)) {
        await this.commitHandled(unit, sink, attempt, cursor);
        return 'handled';
      }
      const failures = await store.recordFailure(unit.key, attempt.reason);
      if (attempt.timedOut || failures >= this.o.maxAttempts) {
        await store.addDeadLetter({ kind: 'event', key: unit.key, payload: unit.events.map(describe), reason: attempt.reason });
        if (attempt.timedOut) {
          // The handler may still be running: keep nothing of this attempt but the ledger entry.
          sink.discard();
          await store.commit({ eventKey: unit.key, cursor: cursor.advance(), kv: unit.writes ?? [] });
        } else {
          // The failing plugin's state changes were already dropped; what the others did stands.
          await this.commitHandled(unit, sink, attempt.writes, cursor);
        }
        this.o.logger.error({ eventId: unit.key, failures, reason: attempt.reason }, 'event dead-lettered');
        return 'dead-lettered';
      }
      sink.discard();
      this.o.logger.warn({ eventId: unit.key, failures, reason: attempt.reason }, 'event handling failed; retrying');
    }
  }

  private commitHandled(unit: RunnableUnit, sink: EffectSink, writes: KvWrite[], cursor: UnitCursor): Promise<void> {
    const outbox = sink.takeUncommitted();
    const kv = unit.writes && unit.writes.length > 0 ? (writes.length > 0 ? [...writes, ...unit.writes] : unit.writes) : writes;
    const committed = this.o.store.commit({ eventKey: unit.key, cursor: cursor.advance(), kv, outbox });
    if (outbox.length === 0) return committed;
    return committed.then(() => this.o.sink.outbound.notify());
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
  readonly clock: ContextDeps['clock'];
  readonly logger: ContextDeps['logger'];
  readonly config: ContextDeps['config'];

  constructor(
    shared: SharedDeps,
    readonly sink: EffectSink,
    readonly deadline: Deadline,
  ) {
    this.botAccountId = shared.botAccountId;
    this.botAddress = shared.botAddress;
    this.store = shared.store;
    this.contacts = shared.contacts;
    this.conversations = shared.conversations;
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
