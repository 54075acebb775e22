/**
 * Raw stream records → framework events (DESIGN.md, step 2). One record becomes one *unit*:
 * the events it means, handled together under one ledger key. Unknown records pass through as
 * `record` events; nothing here throws on odd input.
 */
import type { FileRecord, FleepRecord, MessageRecord } from '../api/records.js';
import { MessageState } from '../api/records.js';
import { xmlToPlainText } from '../api/markup.js';
import type { FleepEvent, MessageView } from '../pipeline/events.js';
import type { MessageFlags, MessageSnapshot } from './message-snapshot.js';
import { flagsOf, reactionDiff, revisionOf, snapshotOf } from './message-snapshot.js';
import { isNewPost, isSystemMessage } from './classify.js';

/** One record's worth of events, handled (and committed) as a unit. */
export interface EventUnit {
  /** Ledger key: conversation id + message nr + revision, or the record's own key. */
  key: string;
  /** Dispatcher lane: the conversation, or `''` for account-wide records. */
  lane: string;
  horizon: number;
  events: FleepEvent[];
  /** For message records: the snapshot to remember once handled, under {@link snapshotKey}. */
  snapshot?: MessageSnapshot;
  /** For message records: the key of {@link snapshot} (see {@link messageKey}). */
  snapshotKey?: string;
  /** For message records: the flow number reached in the conversation (`lane`), for catch-up after resync. */
  flowNr?: number;
}

/** Context the normaliser needs. */
export interface NormaliseContext {
  botAccountId: string;
  /**
   * The previous snapshot of a message, when known. `conversationId` and `messageNr` let a caller
   * answer a message it cannot have seen without a lookup.
   */
  previous(key: string, conversationId: string, messageNr: number): MessageSnapshot | undefined;
  /**
   * The highest flow position already handled in a conversation, when known: a record of a
   * message at or below it is a change, never a new post (PROTOCOL.md §R2.16).
   */
  highestSeen?(conversationId: string): number | undefined;
}


/** Snapshot key of a message. */
export function messageKey(conversationId: string, messageNr: number): string {
  return `${conversationId}:${messageNr}`;
}

/**
 * Normalises one record that arrived with `horizon`; `undefined` when it means nothing to plugins.
 * The record is frozen in place and handed to plugins as `event.record`: the runtime owns the
 * records it polled, and nothing may change them after this.
 */
export function normalise(record: FleepRecord, horizon: number, ctx: NormaliseContext): EventUnit | undefined {
  switch (record.mk_rec_type) {
    case 'message':
      return fromMessage(record as MessageRecord, horizon, ctx);
    case 'file':
      return fromFile(record as FileRecord, horizon, ctx);
    case 'request':
    case 'poke':
    case 'conv':
    case 'activity':
    case 'lastseen':
      // Bookkeeping records: the directory applies conv records; none is an event for plugins.
      return undefined;
    default:
      return fromOther(record, horizon);
  }
}

function fromOther(record: FleepRecord, horizon: number): EventUnit {
  const key = `${record.mk_rec_type}:${recordIdentity(record)}:${horizon}`;
  const frozen = deepFreeze(record);
  const conversationId = typeof record.conversation_id === 'string' ? record.conversation_id : undefined;
  return {
    key,
    lane: conversationId ?? '',
    horizon,
    events: [{ type: 'record', id: key, horizon, conversationId, record: frozen }],
  };
}

function recordIdentity(record: FleepRecord): string {
  for (const field of ['account_id', 'conversation_id', 'label_id', 'section_id', 'reminder_id', 'team_id']) {
    const v = record[field];
    if (typeof v === 'string') return v;
  }
  return '';
}

function fromFile(record: FileRecord, horizon: number, ctx: NormaliseContext): EventUnit | undefined {
  if (record.account_id === ctx.botAccountId) return undefined;
  const key = `file:${record.conversation_id}:${record.message_nr}:${record.attachment_id ?? record.file_name ?? ''}`;
  return {
    key,
    lane: record.conversation_id,
    horizon,
    events: [
      {
        type: 'file.shared',
        id: key,
        horizon,
        conversationId: record.conversation_id,
        actorId: record.account_id,
        record: deepFreeze(record),
        messageNr: record.message_nr,
        fileName: record.file_name ?? '',
        fileUrl: record.file_url ?? '',
      },
    ],
  };
}

function fromMessage(record: MessageRecord, horizon: number, ctx: NormaliseContext): EventUnit | undefined {
  if (typeof record.conversation_id !== 'string' || typeof record.message_nr !== 'number') return fromOther(record, horizon);
  const conversationId = record.conversation_id;
  const revision = revisionOf(record);
  const snapKey = messageKey(conversationId, record.message_nr);
  // Frozen first: the snapshot, the view and plugins then share arrays no one can change.
  const frozen = deepFreeze(record);
  const now = snapshotOf(frozen);
  const is = flagsOf(now.state, now.tags);
  // Fleep may send a delete with no flow number (PROTOCOL.md §R2.4): it needs a ledger key of
  // its own, or it would count as the already handled original post and be skipped.
  const key = revision === 0 && is.isDeleted ? `${snapKey}:deleted` : `${snapKey}:${revision}`;
  const flowNr = Math.max(record.message_nr, revision);
  const prev = ctx.previous(snapKey, conversationId, record.message_nr);
  const type = record.mk_message_type ?? 'text';
  const events = new EventList(key, horizon, conversationId, frozen, toView(record, now, revision, type, is), ctx.botAccountId);
  const unit: EventUnit = {
    key,
    lane: conversationId,
    horizon,
    events: events.list,
    snapshot: now,
    snapshotKey: snapKey,
    flowNr,
  };

  const author = record.account_id;
  const system = isSystemMessage(type, now.state);
  if (!prev && isNewPost(record, revision, ctx.highestSeen?.(conversationId))) {
    if (system) {
      systemEvents(record, type, events);
    } else {
      events.push('message.new', author);
      if (is.isTask) events.push('task.created', author);
      if (is.isPinned) events.push('message.pinned', author);
    }
    return unit;
  }
  if (system) {
    // A re-send takes a change slot (or says is_edit); a system message without one is history.
    if (revision > 0 || record.is_edit === true) systemChange(record, type, prev, events);
    return unit;
  }

  const editor = record.edit_account_id ?? author;
  const was = prev ? flagsOf(prev.state, prev.tags) : undefined;
  if (is.isDeleted && !was?.isDeleted) events.push('message.deleted', editor);
  else if (!is.isDeleted && prev && prev.xml !== now.xml) events.push('message.edited', editor);
  else if (!prev && !is.isDeleted && (record.edited_time || record.is_edit === true) && !is.isTask && !is.isPinned && !isUnpin(now.state, now.tags)) events.push('message.edited', editor);
  if (is.isPinned && !was?.isPinned) events.push('message.pinned', record.pinned_account_id ?? editor);
  if (!is.isPinned && !is.isDeleted && (was ? was.isPinned : isUnpin(now.state, now.tags))) events.push('message.unpinned', editor);
  if (is.isTask && !was?.isTask && !is.isDone) events.push('task.created', record.tasked_account_id ?? editor);
  if (is.isDone && !was?.isDone) events.push('task.done', editor);
  if (was?.isDone && is.isTask && !is.isDone) events.push('task.reopened', editor);
  const before = prev?.assigneeIds ?? [];
  const added = now.assigneeIds.filter((a) => !before.includes(a));
  const removed = before.filter((a) => !now.assigneeIds.includes(a));
  if (added.length > 0 || removed.length > 0) events.push('task.assigned', record.assigner_id ?? editor, { added, removed });
  if (prev) {
    for (const r of reactionDiff(prev.reactions, now.reactions)) events.push('reaction.added', r.accountId, { emoji: r.emoji, reactorId: r.accountId });
    for (const r of reactionDiff(now.reactions, prev.reactions)) events.push('reaction.removed', r.accountId, { emoji: r.emoji, reactorId: r.accountId });
  }
  return unit;
}

/**
 * The events of one message record. A class instead of a closure over a spread base: every
 * event is built with the same literal shape, and the common one-event unit allocates nothing
 * else.
 */
class EventList {
  readonly list: FleepEvent[] = [];

  constructor(
    private readonly key: string,
    private readonly horizon: number,
    private readonly conversationId: string,
    private readonly record: Readonly<MessageRecord>,
    private readonly message: MessageView,
    private readonly botAccountId: string,
  ) {}

  push(type: FleepEvent['type'], actorId: string | undefined, extra?: object): void {
    if (actorId === this.botAccountId) return;
    const n = this.list.length;
    // Same key order as before ({ type, id, actorId, horizon, conversationId, record, message, ...extra }).
    const event = { type, id: n === 0 ? this.key : `${this.key}#${n}`, actorId, horizon: this.horizon, conversationId: this.conversationId, record: this.record, message: this.message };
    this.list.push((extra === undefined ? event : Object.assign(event, extra)) as FleepEvent);
  }
}

function systemEvents(record: MessageRecord, type: string, events: EventList): void {
  const body = parseSystemBody(record.message);
  switch (type) {
    case 'create':
      events.push('conversation.created', record.account_id, { topic: typeof body.topic === 'string' ? body.topic : '', memberIds: membersOf(body) });
      break;
    case 'add':
      events.push('member.joined', record.account_id, { accountIds: membersOf(body) });
      break;
    case 'kick':
      events.push('member.left', record.account_id, { accountIds: membersOf(body) });
      break;
    case 'leave':
      events.push('member.left', record.account_id, { accountIds: record.account_id ? [record.account_id] : [] });
      break;
    case 'topic':
      events.push('topic.changed', record.account_id, { topic: typeof body.topic === 'string' ? body.topic : '' });
      break;
    default:
      // Other conversation messages (hooks, alerts, separators…): visible to plugins as records.
      events.push('record', record.account_id);
  }
}

/**
 * A system message re-sent. Members added while the flow holds only the create message are
 * folded into it: message 1 comes again with a longer `members` list (PROTOCOL.md §R2.13), which
 * is a join of the members it did not list before. A topic message may be re-sent with a new
 * topic (HUBOT). Other re-sent system messages mean nothing new.
 */
function systemChange(record: MessageRecord, type: string, prev: MessageSnapshot | undefined, events: EventList): void {
  const body = parseSystemBody(record.message);
  const actor = record.edit_account_id ?? record.account_id;
  if (type === 'create') {
    const before = new Set(prev ? membersOf(parseSystemBody(prev.xml)) : []);
    const added = membersOf(body).filter((m) => !before.has(m));
    if (added.length > 0) events.push('member.joined', actor, { accountIds: added });
  } else if (type === 'topic' && typeof body.topic === 'string') {
    const was = prev ? parseSystemBody(prev.xml).topic : undefined;
    if (was !== body.topic) events.push('topic.changed', actor, { topic: body.topic });
  }
}

function membersOf(body: Record<string, unknown>): string[] {
  return Array.isArray(body.members) ? body.members.filter((m): m is string => typeof m === 'string') : [];
}

/** An unpin as Fleep shows it to others: state `…unpinned` or the `unpin` tag (PROTOCOL.md §6.1). */
function isUnpin(state: string, tags: readonly string[]): boolean {
  return state === MessageState.unpinned || tags.includes('unpin');
}

function parseSystemBody(text: unknown): Record<string, unknown> {
  if (typeof text !== 'string' || text === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Freezes a record and every object and array in it. Records are the runtime's as much as the
 * plugins': the message snapshots that tell a change from a re-send share their arrays.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'object' && v !== null) deepFreeze(v);
  }
  return Object.freeze(value);
}

function toView(record: MessageRecord, snap: MessageSnapshot, revision: number, type: string, flags: MessageFlags): MessageView {
  const isText = !isSystemMessage(type, snap.state) && !flags.isDeleted;
  return Object.freeze({
    conversationId: record.conversation_id,
    messageNr: record.message_nr,
    authorId: record.account_id ?? '',
    text: isText ? xmlToPlainText(snap.xml) : '',
    xml: snap.xml,
    type,
    state: snap.state,
    tags: snap.tags,
    assigneeIds: snap.assigneeIds,
    reactions: snap.reactions,
    mentionIds: Array.isArray(record.mention_ids) ? record.mention_ids : NONE,
    postedAt: (record.posted_time ?? 0) * 1000,
    editedAt: record.edited_time ? record.edited_time * 1000 : undefined,
    revision,
    // Spelled out rather than spread: a literal with a spread gets a slow, one-off map.
    isPinned: flags.isPinned,
    isTask: flags.isTask,
    isDone: flags.isDone,
    isDeleted: flags.isDeleted,
  });
}

const NONE: readonly string[] = Object.freeze([]);
