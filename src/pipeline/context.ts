/**
 * `Context`: one per event. Wraps the normalised event (and its frozen raw record) with lazy
 * derived getters and helpers. Helpers never call Fleep: each builds an {@link Effect} and hands
 * it to `deps.emit`, which queues it in the event's unit of work (the durable outbox, committed
 * with the event).
 */
import type { Effect } from '../api/effects.js';
import { isMarkup, toWireText, type Markup } from '../api/markup.js';
import type { FleepRecord } from '../api/records.js';
import { parseAddressing, type AddressingInput, type ParsedCommand } from './command/parse.js';
import type { ContactInfo, ContextDeps, QueuedEffect } from './deps.js';
import type { Logger } from '../util/logger.js';
import { ContextError } from './errors.js';
import type { EventType, FleepEvent, MessageView } from './events.js';
import { ContextStore } from './context-store.js';
import type { ScopedStore } from './kv-view.js';
import type { JobControl } from './deps.js';
import { UnitJobs } from './unit-jobs.js';
import { UnitOfWork } from './unit-of-work.js';

/** Text to send: plain text (escaped for Fleep) or a {@link Markup} (sent as is). */
export type Sendable = string | Markup;

/** Which message a helper acts on, instead of the event's own. */
export interface MessageTarget {
  conversationId: string;
  messageNr: number;
}

/** Options of {@link Context.task}. */
export interface TaskOptions extends Partial<MessageTarget> {
  /** Account ids to assign. @default none */
  assignees?: string[];
}

/** A point in an event's unit of work: see {@link Context.savepoint}. */
export interface Savepoint {
  /** Buffered changes (state writes, jobs, cooldown hits) at that point. */
  readonly changes: number;
  /** Queued effects at that point. */
  readonly effects: number;
}

/** Who caused the event. `accountId` is the identity; the rest may be `''` when unknown. */
export type Sender = ContactInfo;

const NO_MENTIONS: readonly string[] = Object.freeze([]);

/**
 * The context of one event.
 * @example
 * bot.on('message.new', (ctx) => { if (ctx.text === 'ping') ctx.reply('pong'); });
 */
export class Context<E extends FleepEvent = FleepEvent> {
  /** The `hears` match, when a `hears` pattern matched. */
  match: RegExpExecArray | undefined = undefined;
  /** The plugin whose handlers are running (sets the scope of `ctx.store`). */
  plugin: string | undefined = undefined;

  private argsBag: Record<string, unknown> | undefined = undefined;
  private stateBag: Record<string, unknown> | undefined;
  private ownWork: UnitOfWork | undefined;
  private parsed: ParsedCommand | null | undefined;
  private stores: Map<string, ContextStore> | undefined;
  private loggers: Map<string | undefined, Logger> | undefined;

  constructor(
    /** The normalised event. */
    readonly event: E,
    /** What the runtime provides. */
    readonly deps: ContextDeps,
  ) {}

  /** The event's type, e.g. `message.new`. */
  get type(): E['type'] {
    return this.event.type;
  }

  /** The raw record the event came from (frozen, never mutated), when there is one. */
  get record(): Readonly<FleepRecord> | undefined {
    return this.event.record;
  }

  /** The message the event is about, when it is about one. */
  get message(): MessageView | undefined {
    return 'message' in this.event ? this.event.message : undefined;
  }

  /** Plain text of the message (`''` for events without one). */
  get text(): string {
    return this.message?.text ?? '';
  }

  /** The conversation of the event, when it belongs to one. */
  get conversationId(): E['conversationId'] {
    return this.event.conversationId;
  }

  /** The message number of the event's message, when it has one. */
  get messageNr(): number | undefined {
    const m = this.message;
    if (m) return m.messageNr;
    return this.event.type === 'file.shared' ? this.event.messageNr : undefined;
  }

  /** Account id of whoever caused the event (author, reactor, job owner…). */
  get actorId(): string | undefined {
    const e = this.event;
    if (e.actorId !== undefined) return e.actorId;
    if (e.type === 'schedule') return e.ownerId;
    return this.message?.authorId;
  }

  /** Who caused the event, looked up in the contacts (identity is `accountId`). */
  get sender(): Sender | undefined {
    const id = this.actorId;
    if (id === undefined) return undefined;
    return this.deps.contacts.get(id) ?? { accountId: id, displayName: '', email: '', fleepAddress: '' };
  }

  /** True in a conversation of exactly the bot and one person. */
  get isDirect(): boolean {
    const conv = this.event.conversationId;
    return conv !== undefined && this.deps.conversations.isDirect(conv);
  }

  /** Account ids mentioned in the message. */
  get mentions(): readonly string[] {
    return this.message?.mentionIds ?? NO_MENTIONS;
  }

  /** Parsed command arguments, set before a command handler runs (`{}` until then). */
  get args(): Record<string, unknown> {
    return (this.argsBag ??= {});
  }

  set args(value: Record<string, unknown>) {
    this.argsBag = value;
  }

  /** The command this message addressed to the bot (new messages only), else `undefined`. Parsed once. */
  get command(): ParsedCommand | undefined {
    if (this.parsed === undefined) {
      this.parsed = null;
      const e = this.event;
      if (e.type === 'message.new' && e.message.authorId !== this.deps.botAccountId) {
        this.parsed = parseCommandOf(this, e.message.text) ?? null;
      }
    }
    return this.parsed ?? undefined;
  }

  /**
   * Declares that this message is not a command after all, e.g. plain text in a direct
   * conversation that answers a question the bot asked. Handlers that run later (and the
   * "I don't know the command" reply) then see `ctx.command` as `undefined`.
   */
  notACommand(): void {
    this.parsed = null;
  }

  /** Scratch space for this event, shared by its middleware. */
  get state(): Record<string, unknown> {
    return (this.stateBag ??= {});
  }

  /**
   * The unit of work this event's changes go to (state writes and reads, jobs, cooldown hits);
   * the runtime commits it with the event.
   */
  get work(): UnitOfWork {
    return this.deps.work ?? (this.ownWork ??= new UnitOfWork(this.event.id, this.deps.store));
  }

  /** A point in this event's unit of work (buffered writes and queued effects) to roll back to. */
  savepoint(): Savepoint {
    return { changes: (this.deps.work ?? this.ownWork)?.size ?? 0, effects: this.deps.effectMark };
  }

  /**
   * Drops what the handlers buffered or queued after `savepoint`: how the plugin host discards
   * a failed plugin's work on this event. Effects already committed by `delivered()` stay.
   */
  rollbackTo(savepoint: Savepoint): void {
    (this.deps.work ?? this.ownWork)?.rollback(savepoint.changes);
    this.deps.dropEffectsAfter(savepoint.effects);
  }

  /**
   * A logger for this event: its lines carry `eventId`, `conversationId` and the running `plugin`,
   * so an operator can tie a plugin's line to the event and the plugin. Made on first use.
   * @example ctx.logger.info({ rule: 'bug' }, 'triaged')
   */
  get logger(): Logger {
    const plugin = this.plugin;
    this.loggers ??= new Map();
    let logger = this.loggers.get(plugin);
    if (!logger) {
      const bindings: Record<string, string> = { eventId: this.event.id };
      if (this.event.conversationId !== undefined) bindings.conversationId = this.event.conversationId;
      if (plugin !== undefined) bindings.plugin = plugin;
      logger = this.deps.logger.child(bindings);
      this.loggers.set(plugin, logger);
    }
    return logger;
  }

  /** Plugin-scoped state: `plugin`, `conversation` and `account` views. */
  get store(): ScopedStore {
    const plugin = this.plugin;
    if (plugin === undefined) {
      throw new ContextError('ctx.store is scoped to a plugin and is only available in handlers registered by a plugin (definePlugin setup()).');
    }
    this.stores ??= new Map();
    let s = this.stores.get(plugin);
    if (!s) this.stores.set(plugin, (s = new ContextStore(plugin, this)));
    return s;
  }

  /**
   * Creates and cancels run-time jobs (reminders) of the running plugin, as part of this event:
   * a job is written in the event's commit, with an id derived from the event, so handling the
   * event again creates it once. Firings go to the plugin's `bot.schedule(name, handler)`.
   * @example const id = await ctx.jobs.at('remind', ctx.deps.clock.now() + 3_600_000, { conversationId: ctx.conversationId });
   */
  get jobs(): JobControl {
    const plugin = this.plugin;
    if (plugin === undefined) {
      throw new ContextError('ctx.jobs is scoped to a plugin and is only available in handlers registered by a plugin (definePlugin setup()).');
    }
    const planner = this.deps.jobs;
    if (!planner) throw new ContextError('ctx.jobs needs a scheduler, and this context has none; run the handler in a Bot (or createTestBot).');
    return new UnitJobs(plugin, this.work, planner);
  }

  /** The handler deadline's signal. */
  get signal(): AbortSignal {
    return this.deps.signal;
  }

  /** Replies in the event's conversation (or `options.conversationId`). */
  reply(text: Sendable, options?: { conversationId?: string }): QueuedEffect {
    const conv = options?.conversationId ?? this.event.conversationId;
    if (conv === undefined) throw new ContextError(this.noConversation('reply'));
    return this.emit({ method: 'message/send', conversationId: conv, body: { message: wire('reply', text) } });
  }

  /** Posts to any conversation the bot is in. */
  send(conversationId: string, text: Sendable): QueuedEffect {
    if (typeof conversationId !== 'string' || conversationId === '') {
      throw new ContextError('ctx.send(conversationId, text) needs a conversation id as its first argument.');
    }
    return this.emit({ method: 'message/send', conversationId, body: { message: wire('send', text) } });
  }

  /** Adds a reaction to the message. */
  react(emoji: string, target?: MessageTarget): QueuedEffect {
    return this.storeMessage('react', target, { add_reactions: [checkEmoji('react', emoji)] });
  }

  /** Removes the bot's reaction from the message. */
  unreact(emoji: string, target?: MessageTarget): QueuedEffect {
    return this.storeMessage('unreact', target, { del_reactions: [checkEmoji('unreact', emoji)] });
  }

  /** Pins the message. */
  pin(target?: MessageTarget): QueuedEffect {
    return this.storeMessage('pin', target, { tags: ['pin'] });
  }

  /** Unpins the message. */
  unpin(target?: MessageTarget): QueuedEffect {
    return this.storeMessage('unpin', target, { tags: ['pin', 'is_archived'] });
  }

  /** Makes the message a task, optionally assigned. */
  task(options?: TaskOptions): QueuedEffect {
    const target = options?.conversationId !== undefined && options.messageNr !== undefined ? (options as MessageTarget) : undefined;
    const body: Record<string, unknown> = { tags: ['is_todo'] };
    if (options?.assignees !== undefined) body.assignee_ids = checkAccounts('task', options.assignees);
    return this.storeMessage('task', target, body);
  }

  /** Marks the task done. */
  done(target?: MessageTarget): QueuedEffect {
    return this.storeMessage('done', target, { tags: ['is_done'] });
  }

  /** Reopens the task. */
  reopen(target?: MessageTarget): QueuedEffect {
    return this.storeMessage('reopen', target, { tags: ['is_todo'] });
  }

  /** Sets the task's assignees. */
  assign(accountIds: string[], target?: MessageTarget): QueuedEffect {
    return this.storeMessage('assign', target, { assignee_ids: checkAccounts('assign', accountIds) });
  }

  /** Edits the message (Fleep allows only the author, i.e. the bot's own messages). */
  edit(text: Sendable, target?: MessageTarget): QueuedEffect {
    const t = this.target('edit', target);
    return this.emit({ method: 'message/edit', conversationId: t.conversationId, body: { message_nr: t.messageNr, message: wire('edit', text) } });
  }

  /** Deletes the message. */
  delete(target?: MessageTarget): QueuedEffect {
    const t = this.target('delete', target);
    return this.emit({ method: 'message/delete', conversationId: t.conversationId, body: { message_nr: t.messageNr } });
  }

  /** Moves the bot's read horizon to the message. */
  markRead(target?: MessageTarget): QueuedEffect {
    const t = this.target('markRead', target);
    return this.emit({ method: 'message/mark_read', conversationId: t.conversationId, body: { message_nr: t.messageNr } });
  }

  private emit(effect: Effect): QueuedEffect {
    return this.deps.emit(effect);
  }

  private storeMessage(helper: string, target: MessageTarget | undefined, fields: Record<string, unknown>): QueuedEffect {
    const t = this.target(helper, target);
    return this.emit({ method: 'message/store', conversationId: t.conversationId, body: { message_nr: t.messageNr, ...fields } });
  }

  private target(helper: string, target: MessageTarget | undefined): MessageTarget {
    if (target !== undefined) {
      if (typeof target.conversationId !== 'string' || !Number.isInteger(target.messageNr) || target.messageNr < 1) {
        throw new ContextError(`ctx.${helper}() got a bad target ${safeJson(target)}: pass { conversationId: string, messageNr: positive integer }.`);
      }
      return { conversationId: target.conversationId, messageNr: target.messageNr };
    }
    const conv = this.event.conversationId;
    const nr = this.messageNr;
    if (conv === undefined || nr === undefined) {
      throw new ContextError(
        `ctx.${helper}() needs a message: ${describe(this.event.type)} has none. Pass the message as { conversationId, messageNr }.`,
      );
    }
    return { conversationId: conv, messageNr: nr };
  }

  private noConversation(helper: string): string {
    if (this.event.type === 'schedule') {
      return `ctx.${helper}() needs a conversation: this schedule job has none. Use ctx.send(conversationId, text) or create the job with conversationId.`;
    }
    return `ctx.${helper}() needs a conversation: ${describe(this.event.type)} has none. Use ctx.send(conversationId, text).`;
  }
}

function parseCommandOf(ctx: Context, text: string): ParsedCommand | undefined {
  const input: AddressingInput = { prefix: ctx.deps.config.prefix, botAddress: ctx.deps.botAddress, isDirect: () => ctx.isDirect };
  return parseAddressing(text, input);
}

function describe(type: EventType): string {
  return type === 'schedule' ? 'this schedule job' : `a ${type} event`;
}

function wire(helper: string, text: Sendable): string {
  if (typeof text !== 'string' && !isMarkup(text)) {
    throw new ContextError(`ctx.${helper}() needs text (a string, or markup(...)), got ${typeof text}.`);
  }
  const out = toWireText(text);
  if (out.trim() === '') throw new ContextError(`ctx.${helper}() got empty text; Fleep does not post empty messages.`);
  return out;
}

function checkEmoji(helper: string, emoji: string): string {
  if (typeof emoji !== 'string' || emoji.trim() === '') throw new ContextError(`ctx.${helper}(emoji) needs an emoji such as '👍', got ${safeJson(emoji)}.`);
  return emoji;
}

function checkAccounts(helper: string, ids: unknown): string[] {
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || id === '')) {
    throw new ContextError(`ctx.${helper}() needs account ids (string[]), got ${safeJson(ids)}; resolve people with ctx.deps.contacts first.`);
  }
  return ids.slice() as string[];
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
