/**
 * Builds wire records (PROTOCOL.md §6) from the stored world.
 */
import { MessageState } from '../api/records.js';
import type { ContactRecord, ConvRecord, FileRecord, MessageRecord } from '../api/records.js';
import type { Account, MemberState, StoredConversation, StoredFile, StoredMessage } from './model.js';

/**
 * `{ ...rec, profile_id: viewer }` (same keys, same order), built with `Object.assign`: on V8 11
 * (Node 20) an object made by a spread followed by more properties gets a hidden class of its
 * own, which is slow to create and costs about 0.4 KB for every record a stream keeps.
 */
export function forViewer<T extends object, E extends object = object>(rec: T, viewer: string, extra?: E): T & { profile_id: string } & E {
  return Object.assign({}, rec, { profile_id: viewer }, extra);
}

/** Unix seconds of an epoch-ms instant. */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** ContactInfo of an account. */
export function contactRecord(a: Account): ContactRecord {
  return {
    mk_rec_type: 'contact',
    account_id: a.account_id,
    email: a.email,
    display_name: a.display_name,
    fleep_address: a.fleep_address,
    mk_account_status: 'active',
    avatar_urls: null,
    phone_nr: null,
    activity_time: unixSeconds(a.created_time),
    organisation_id: null,
    status_message: null,
    status_emoji: null,
  };
}

/** `mk_message_state` and `tags` of a message (PROTOCOL.md §6.1, §12 #11). */
export function stateAndTags(m: StoredMessage): { state: string; tags: string[] } {
  if (m.mk_message_type !== 'text') return { state: MessageState.system, tags: [] };
  if (m.deleted) return { state: MessageState.deleted, tags: ['is_deleted'] };
  switch (m.kind) {
    case 'task': {
      const tags = ['is_shared', 'is_task', m.done ? 'is_done' : 'is_todo'];
      if (m.archived) tags.push('is_archived');
      return { state: m.done ? MessageState.done : MessageState.todo, tags };
    }
    case 'pin':
      return { state: MessageState.pinned, tags: ['is_shared', 'pin'] };
    case 'unpin':
      return { state: MessageState.unpinned, tags: ['is_archived', 'is_shared', 'unpin'] };
    default:
      return { state: MessageState.plain, tags: [] };
  }
}

/** FileInfo for one attachment of a message. */
export function fileRecord(convId: string, m: StoredMessage, f: StoredFile): FileRecord {
  return {
    mk_rec_type: 'file',
    conversation_id: convId,
    message_nr: m.message_nr,
    account_id: f.account_id,
    attachment_id: f.file_id,
    file_name: f.name,
    file_url: `/file/${f.file_id}/${encodeURIComponent(f.name)}`,
    file_size: f.size,
    file_type: f.type,
    file_sha256: f.sha256,
    width: null,
    height: null,
    orientation: null,
    is_animated: false,
    is_deleted: m.deleted,
    is_hidden: false,
    deleter_id: '',
    posted_time: unixSeconds(f.posted_time),
    sender_name: null,
  };
}

/** The full MessageInfo of a message (changed messages carry flow/revision numbers). */
export function messageRecord(
  conv: StoredConversation,
  m: StoredMessage,
  files: (id: string) => StoredFile | undefined,
): MessageRecord {
  const { state, tags } = stateAndTags(m);
  const rec: MessageRecord = {
    mk_rec_type: 'message',
    conversation_id: conv.conversation_id,
    message_nr: m.message_nr,
    prev_message_nr: m.prev_message_nr,
    account_id: m.account_id,
    message: m.deleted ? '' : m.xml,
    mk_message_type: m.mk_message_type,
    mk_message_state: state,
    tags,
    posted_time: unixSeconds(m.posted_time),
    inbox_nr: m.inbox_nr,
    lock_account_id: null,
    pin_weight: m.pin_weight ?? null,
    assignee_ids: [...m.assignee_ids],
    reactions: m.reactions.map((r) => ({ reaction: r.reaction, account_ids: [...r.account_ids] })),
    mention_ids: [...m.mention_ids],
  };
  if (m.flow_message_nr !== undefined) rec.flow_message_nr = m.flow_message_nr;
  if (m.revision_message_nr !== undefined) rec.revision_message_nr = m.revision_message_nr;
  if (m.ref_message_nr !== undefined) rec.ref_message_nr = m.ref_message_nr;
  if (m.edit_account_id !== undefined) {
    rec.edit_account_id = m.edit_account_id;
    rec.edited_time = m.edited_time === undefined ? null : unixSeconds(m.edited_time);
  }
  if (m.pinned_account_id !== undefined) rec.pinned_account_id = m.pinned_account_id;
  if (m.tasked_account_id !== undefined) rec.tasked_account_id = m.tasked_account_id;
  if (m.assigner_id !== undefined) rec.assigner_id = m.assigner_id;
  if (m.attachments.length > 0) {
    rec.attachments = m.attachments.flatMap((id) => {
      const f = files(id);
      return f ? [fileRecord(conv.conversation_id, m, f)] : [];
    });
  }
  return rec;
}

/** Default topic: the other members' display names. */
function defaultTopic(conv: StoredConversation, viewer: string, names: (id: string) => string): string {
  return conv.members
    .filter((id) => id !== viewer)
    .map(names)
    .join(', ');
}

/** The member state of `viewer`, or a neutral one for outsiders. */
export function memberState(conv: StoredConversation, viewer: string): MemberState {
  return (
    conv.member_state[viewer] ?? {
      join_message_nr: 0,
      read_message_nr: 0,
      my_message_nr: 0,
      unread_count: 0,
      is_mark_unread: false,
      mk_alert_level: 'default',
    }
  );
}

/** Per conversation: which messages are live pins and tasks, kept current by {@link noteKind}. */
const shared = new WeakMap<StoredConversation, { pins: Set<number>; tasks: Set<number> }>();

function sharedOf(conv: StoredConversation): { pins: Set<number>; tasks: Set<number> } {
  let s = shared.get(conv);
  if (!s) {
    s = { pins: new Set(), tasks: new Set() };
    for (const m of Object.values(conv.messages)) {
      if (m.deleted) continue;
      if (m.kind === 'pin') s.pins.add(m.message_nr);
      if (m.kind === 'task') s.tasks.add(m.message_nr);
    }
    shared.set(conv, s);
  }
  return s;
}

/** Records a message's current kind (call after every create or change) so headers stay O(1). */
export function noteKind(conv: StoredConversation, m: StoredMessage): void {
  const s = shared.get(conv);
  if (!s) return;
  s.pins.delete(m.message_nr);
  s.tasks.delete(m.message_nr);
  if (m.deleted) return;
  if (m.kind === 'pin') s.pins.add(m.message_nr);
  if (m.kind === 'task') s.tasks.add(m.message_nr);
}

function hasKind(conv: StoredConversation, kind: 'pin' | 'task'): boolean {
  const s = sharedOf(conv);
  return (kind === 'pin' ? s.pins : s.tasks).size > 0;
}

/** The full ConvInfo as `viewer` sees it. */
export function convHeader(
  conv: StoredConversation,
  viewer: string,
  names: (id: string) => string,
  initMode: 'ic_full' | 'ic_tiny' | 'ic_header' = 'ic_full',
): ConvRecord {
  const ms = memberState(conv, viewer);
  const time = unixSeconds(conv.last_message_time);
  return {
    mk_rec_type: 'conv',
    conversation_id: conv.conversation_id,
    topic: conv.topic,
    default_topic: defaultTopic(conv, viewer, names),
    creator_id: conv.creator_id,
    members: [...conv.members],
    leavers: [...conv.leavers],
    guests: [],
    admins: [],
    teams: [],
    can_post: conv.members.includes(viewer),
    join_message_nr: ms.join_message_nr,
    read_message_nr: ms.read_message_nr,
    last_message_nr: conv.last_message_nr,
    show_message_nr: ms.join_message_nr,
    inbox_message_nr: conv.last_visible_nr,
    my_message_nr: ms.my_message_nr,
    fw_message_nr: conv.last_message_nr,
    bw_message_nr: ms.join_message_nr,
    begin_message_nr: 1,
    unread_count: ms.unread_count,
    last_inbox_nr: conv.last_inbox_nr,
    is_mark_unread: ms.is_mark_unread,
    mk_alert_level: ms.mk_alert_level,
    mk_conv_type: 'cct_default',
    mk_init_mode: initMode,
    is_init: initMode === 'ic_full',
    is_tiny: initMode === 'ic_tiny',
    is_full: initMode === 'ic_full',
    is_hidden: false,
    is_deleted: false,
    label_ids: [],
    pin_cursor: null,
    has_pinboard: hasKind(conv, 'pin'),
    has_taskboard: hasKind(conv, 'task'),
    inbox_time: time,
    last_message_time: time,
    profile_id: viewer,
  };
}

/** A partial ConvInfo after a flow change: what changed for `viewer`. */
export function convDelta(conv: StoredConversation, viewer: string): ConvRecord {
  const ms = memberState(conv, viewer);
  return {
    mk_rec_type: 'conv',
    conversation_id: conv.conversation_id,
    last_message_nr: conv.last_message_nr,
    last_message_time: unixSeconds(conv.last_message_time),
    read_message_nr: ms.read_message_nr,
    unread_count: ms.unread_count,
    my_message_nr: ms.my_message_nr,
    inbox_message_nr: conv.last_visible_nr,
    profile_id: viewer,
  };
}
