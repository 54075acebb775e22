/**
 * What a {@link Context} needs from the runtime. The runtime implements these narrow interfaces;
 * the pipeline never reaches into the runtime itself.
 */
import type { Effect } from '../api/effects.js';
import type { JobRow, Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { UnitOfWork } from './unit-of-work.js';

/** A person as plugins see them. Identity is `accountId`; the rest is display data. */
export interface ContactInfo {
  accountId: string;
  displayName: string;
  email: string;
  fleepAddress: string;
}

/** Looks people up. */
export interface ContactLookup {
  get(accountId: string): ContactInfo | undefined;
  /** Account id of a fleep address (without `@`), case-insensitive. */
  byAddress(address: string): string | undefined;
  /** Account id of an e-mail address, case-insensitive. */
  byEmail(email: string): string | undefined;
}

/** Looks conversations up. */
export interface ConversationLookup {
  /** Exactly two members: the bot and one person. */
  isDirect(conversationId: string): boolean;
  /** Member account ids (empty when unknown). */
  members(conversationId: string): string[];
  /** The conversation's topic (`''` when it has none, `undefined` when unknown). */
  topic(conversationId: string): string | undefined;
  /** Id of the conversation with this topic (case-insensitive), when the bot is in one. */
  byTopic(topic: string): string | undefined;
  /** Id of the direct conversation between the bot and `accountId`, when there is one. */
  directWith(accountId: string): string | undefined;
}

/** What {@link QueuedEffect.delivered} resolves to once Fleep accepted the effect. */
export interface EffectResult {
  /** The created or changed message's number, when Fleep answered with one. */
  messageNr?: number;
  /** Fleep's response body. */
  response: unknown;
}

/**
 * What every effect helper (`ctx.reply`, `ctx.send`, `ctx.react`, …) returns. The effect is
 * queued in the event's unit of work by the time the helper returns: it is committed together
 * with the event and sent after the handler finished, the same whether the handler is `async`,
 * returns the helper's result, or ignores it. There is nothing to await.
 * @example
 * ctx.reply('On it');                                    // queued; sent after the handler
 * const { messageNr } = await ctx.reply('Pin me').delivered(); // waits until Fleep accepted it
 */
export interface QueuedEffect {
  /** The outbox entry's `client_req_id` (the last part's, for a text sent in several parts). */
  readonly id: string;
  /**
   * Waits for Fleep's answer: commits the effects queued so far by this event at once (they are
   * then sent even if the handler fails later) and resolves when Fleep accepted this one.
   * @throws DeadLetterError when Fleep refused it for good; EffectDroppedError when it was never
   * committed (its handler's attempt failed first); OutboundStoppedError when the bot stopped
   * before sending it (it is sent after the next start).
   */
  delivered(): Promise<EffectResult>;
}

/** What a run-time job is created with (`ctx.jobs.at` / `every`). */
export interface JobPlanOptions {
  /** `<plugin>:<name>`: the `bot.schedule(name)` handler that gets its firings. */
  name: string;
  payload?: unknown;
  conversationId?: string;
  ownerId?: string;
  /** IANA time zone of a cron expression. @default the bot's */
  tz?: string;
}

/** Builds run-time jobs for `ctx.jobs`; the runtime implements it on its scheduler. */
export interface JobPlanner {
  /**
   * What to store for a new job (its row without the id): `at` fires once at `when` (epoch ms
   * or Date), `every` repeats by cron expression or interval (`'10m'`).
   * @throws RangeError / CronExpressionError for a bad time, naming it.
   */
  plan(kind: 'at' | 'every', when: number | Date | string, options: JobPlanOptions): Omit<JobRow, 'id'>;
  /** Whether a job with this id is stored. */
  exists(id: string): Promise<boolean>;
}

/** Pipeline settings read per event. */
export interface PipelineConfig {
  /** Command prefix. @default '!' */
  prefix: string;
}

/**
 * Everything a context needs, implemented by the runtime (one object per event, or a shared
 * object plus a per-event `signal`).
 */
export interface ContextDeps {
  /** The bot's own account id. */
  botAccountId: string;
  /** The bot's fleep address (without `@`), for `@bot command` addressing. */
  botAddress: string;
  /** Queues an effect in the event's unit of work (committed with the event, then sent). */
  emit(effect: Effect): QueuedEffect;
  /** Effects kept by this attempt so far: a mark for {@link dropEffectsAfter}. */
  readonly effectMark: number;
  /** Drops the effects queued after `mark` that are not committed yet (a failed plugin's, R-38). */
  dropEffectsAfter(mark: number): void;
  /** Read access for plugin state (writes are buffered in the unit of work). */
  store: Store;
  /**
   * The unit of work of the attempt this event is part of (shared by every event of one unit).
   * @default one per context, keyed by the event id
   */
  work?: UnitOfWork;
  /** Builds jobs for `ctx.jobs`. @default none (ctx.jobs throws) */
  jobs?: JobPlanner;
  contacts: ContactLookup;
  conversations: ConversationLookup;
  clock: Clock;
  logger: Logger;
  /** Aborts at the handler deadline. */
  signal: AbortSignal;
  config: PipelineConfig;
}

/**
 * Creating and cancelling one-off or repeating jobs at run time (reminders), implemented by the
 * runtime on top of the scheduler. Firings go to the handler registered with `bot.schedule(name)`.
 */
export interface JobControl {
  /** Fires once at `at` (epoch ms or Date); resolves the job id. */
  at(name: string, at: number | Date, options?: { payload?: unknown; conversationId?: string; ownerId?: string }): Promise<string>;
  /** Repeats by cron expression or interval (`'10m'`); resolves the job id. */
  every(name: string, every: string, options?: { tz?: string; payload?: unknown; conversationId?: string; ownerId?: string }): Promise<string>;
  /** Cancels a job; resolves whether it existed. */
  cancel(jobId: string): Promise<boolean>;
}
