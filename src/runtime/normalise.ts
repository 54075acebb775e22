/**
 * Raw stream records → framework events (DESIGN.md, step 2). One record becomes one *unit*:
 * the events it means, handled together under one ledger key. Unknown records pass through as
 * `record` events; nothing here throws on odd input.
 */
import type { FileRecord, FleepRecord, MessageRecord } from '../api/records.js';
import { xmlToText } from '../api/markup.js';
import type { FleepEvent, MessageView } from '../pipeline/events.js';
import type { MessageSnapshot } from './message-snapshot.js';
import { flagsOf, reactionDiff, revisionOf, snapshotOf } from './message-snapshot.js';

/** One record's worth of events, handled (and committed) as a unit. */
export interface EventUnit {
  /** Ledger key: conversation id + message nr + revision, or the record's own key. */
  key: string;
  /** Dispatcher lane: the conversation, or `''` for account-wide records. */
  lane: string;
  horizon: number;
  events: FleepEvent[];
  /** For message records: the snapshot to remember once handled. */
  snapshot?: { key: string; value: MessageSnapshot };
  /** For message records: the conversation's flow number reached, for catch-up after resync. */
  flow?: { conversationId: string; nr: number };
}

/** Context the normaliser needs. */
export interface NormaliseContext {
  botAccountId: string;
  /** The previous snapshot of a message, when known. */
  previous(key: string): MessageSnapshot | undefined;
}

const SYSTEM_TYPES = new Set(['create', 'add', 'kick', 'leave', 'topic']);

/** Snapshot key of a message. */
export function messageKey(conversationId: string, messageNr: number): string {
  return `${conversationId}:${messageNr}`;
}

/** Normalises one record that arrived with `horizon`; `undefined` when it means nothing to plugins. */
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
  const frozen = Object.freeze({ ...record });
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
        record: Object.freeze({ ...record }),
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
  const key = `${conversationId}:${record.message_nr}:${revision}`;
  const snapKey = messageKey(conversationId, record.message_nr);
  const now = snapshotOf(record);
  const prev = ctx.previous(snapKey);
  const unit: EventUnit = {
    key,
    lane: conversationId,
    horizon,
    events: [],
    snapshot: { key: snapKey, value: now },
    flow: { conversationId, nr: Math.max(record.message_nr, revision) },
  };
  const frozen = Object.freeze({ ...record });
  const view = toView(record, now, revision);
  const base = { horizon, conversationId, record: frozen, message: view };
  const push = (type: FleepEvent['type'], actorId: string | undefined, extra: object = {}): void => {
    if (actorId === ctx.botAccountId) return;
    const id = unit.events.length === 0 ? key : `${key}#${unit.events.length}`;
    unit.events.push({ type, id, actorId, ...base, ...extra } as FleepEvent);
  };

  const author = record.account_id;
  const type = record.mk_message_type ?? 'text';
  if (revision === 0 && !prev) {
    if (SYSTEM_TYPES.has(type)) {
      systemEvents(record, type, push);
    } else {
      push('message.new', author);
      const flags = flagsOf(now.state, now.tags);
      if (flags.isTask) push('task.created', author);
      if (flags.isPinned) push('message.pinned', author);
    }
    return unit;
  }

  const editor = record.edit_account_id ?? author;
  const was = prev ? flagsOf(prev.state, prev.tags) : undefined;
  const is = flagsOf(now.state, now.tags);
  if (is.isDeleted && !was?.isDeleted) push('message.deleted', editor);
  else if (!is.isDeleted && prev && prev.xml !== now.xml) push('message.edited', editor);
  else if (!prev && !is.isDeleted && record.edited_time && !is.isTask && !is.isPinned) push('message.edited', editor);
  if (is.isPinned && !was?.isPinned) push('message.pinned', record.pinned_account_id ?? editor);
  if (!is.isPinned && was?.isPinned && !is.isDeleted) push('message.unpinned', editor);
  if (is.isTask && !was?.isTask && !is.isDone) push('task.created', record.tasked_account_id ?? editor);
  if (is.isDone && !was?.isDone) push('task.done', editor);
  if (was?.isDone && is.isTask && !is.isDone) push('task.reopened', editor);
  const before = prev?.assigneeIds ?? [];
  const added = now.assigneeIds.filter((a) => !before.includes(a));
  const removed = before.filter((a) => !now.assigneeIds.includes(a));
  if (added.length > 0 || removed.length > 0) push('task.assigned', record.assigner_id ?? editor, { added, removed });
  if (prev) {
    for (const r of reactionDiff(prev.reactions, now.reactions)) push('reaction.added', r.accountId, { emoji: r.emoji, reactorId: r.accountId });
    for (const r of reactionDiff(now.reactions, prev.reactions)) push('reaction.removed', r.accountId, { emoji: r.emoji, reactorId: r.accountId });
  }
  return unit;
}

function systemEvents(
  record: MessageRecord,
  type: string,
  push: (type: FleepEvent['type'], actorId: string | undefined, extra?: object) => void,
): void {
  const body = parseSystemBody(record.message);
  const members = Array.isArray(body.members) ? body.members.filter((m): m is string => typeof m === 'string') : [];
  switch (type) {
    case 'create':
      push('conversation.created', record.account_id, { topic: typeof body.topic === 'string' ? body.topic : '', memberIds: members });
      break;
    case 'add':
      push('member.joined', record.account_id, { accountIds: members });
      break;
    case 'kick':
      push('member.left', record.account_id, { accountIds: members });
      break;
    case 'leave':
      push('member.left', record.account_id, { accountIds: record.account_id ? [record.account_id] : [] });
      break;
    case 'topic':
      push('topic.changed', record.account_id, { topic: typeof body.topic === 'string' ? body.topic : '' });
      break;
  }
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

function toView(record: MessageRecord, snap: MessageSnapshot, revision: number): MessageView {
  const flags = flagsOf(snap.state, snap.tags);
  const type = record.mk_message_type ?? 'text';
  const isText = !SYSTEM_TYPES.has(type) && !flags.isDeleted;
  return {
    conversationId: record.conversation_id,
    messageNr: record.message_nr,
    authorId: record.account_id ?? '',
    text: isText ? xmlToText(snap.xml).text : '',
    xml: snap.xml,
    type,
    state: snap.state,
    tags: snap.tags,
    assigneeIds: snap.assigneeIds,
    reactions: snap.reactions,
    mentionIds: Array.isArray(record.mention_ids) ? record.mention_ids : [],
    postedAt: (record.posted_time ?? 0) * 1000,
    editedAt: record.edited_time ? record.edited_time * 1000 : undefined,
    revision,
    ...flags,
  };
}
