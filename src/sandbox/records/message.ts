/**
 * MessageInfo and FileInfo records as Fleep sends them (PROTOCOL.md §6.1, §R2.3, §R2.4, §R2.12):
 * a fixed core of keys, and every optional key absent unless set — never `null`.
 */
import { createHash } from 'node:crypto';
import { MessageState } from '../../api/records.js';
import type { FileRecord, MessageRecord } from '../../api/records.js';
import type { StoredConversation, StoredFile, StoredMessage } from '../model.js';

/** Unix seconds of an epoch-ms instant. */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** `mk_message_state` and `tags` of a message (PROTOCOL.md §6.1, §R2.4). */
export function stateAndTags(m: StoredMessage): { state: string; tags: string[] } {
  if (m.mk_message_type !== 'text') return { state: MessageState.system, tags: [] };
  // Fleep really sends the tag twice on deleted records (§R2.4).
  if (m.deleted) return { state: MessageState.deleted, tags: ['is_deleted', 'is_deleted'] };
  switch (m.kind) {
    case 'task': {
      const tags = ['is_shared', 'is_task', m.done ? 'is_done' : 'is_todo'];
      if (m.archived) tags.unshift('is_archived');
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

/**
 * The attachment id of one attachment of one message: Fleep gives every attachment its own id,
 * distinct from the uploaded file's id (§R2.12). Derived, so it needs no storage.
 */
export function attachmentId(convId: string, messageNr: number, index: number, fileId: string): string {
  return createHash('sha256').update(`${convId}\u0000${messageNr}\u0000${index}\u0000${fileId}`).digest().subarray(0, 16).toString('base64url');
}

/** Whether a stored file is an image the sandbox knows the size of. */
function isImage(f: StoredFile): boolean {
  return f.type.startsWith('image/') && typeof f.width === 'number';
}

/** FileInfo for attachment `index` of a message (§R2.12 key set). */
export function fileRecord(conv: StoredConversation, m: StoredMessage, index: number, f: StoredFile): FileRecord {
  const base = `/file/${f.file_id}/${encodeURIComponent(f.name)}`;
  const image = isImage(f);
  const rec: FileRecord = {
    mk_rec_type: 'file',
    conversation_id: conv.conversation_id,
    message_nr: m.message_nr,
    account_id: m.account_id,
    attachment_id: attachmentId(conv.conversation_id, m.message_nr, index, f.file_id),
    file_name: f.name,
    file_size: f.size,
    file_type: f.type,
    file_sha256: f.sha256,
    file_url: base,
    width: image ? (f.width as number) : null,
    height: image ? (f.height as number) : null,
    orientation: null,
    is_animated: image ? f.is_animated === true : null,
    is_deleted: m.deleted,
    is_hidden: false,
    deleter_id: m.deleted ? (m.edit_account_id ?? '') : '',
    sender_name: null,
    posted_time: unixSeconds(m.posted_time),
  };
  if (image || f.type === 'application/pdf') {
    rec.thumb_url_50 = `${base}?thumb=50`;
    rec.thumb_url_100 = `${base}?thumb=100`;
    if (image && Math.max(f.width as number, f.height as number) > 575) rec.thumb_url_575 = `${base}?thumb=575`;
  }
  return rec;
}

/** The `file` records of a message's attachments (unknown file ids are skipped). */
export function fileRecords(conv: StoredConversation, m: StoredMessage, files: (id: string) => StoredFile | undefined): FileRecord[] {
  const out: FileRecord[] = [];
  m.attachments.forEach((id, i) => {
    const f = files(id);
    if (f) out.push(fileRecord(conv, m, i, f));
  });
  return out;
}

/**
 * The MessageInfo of a message, without `profile_id` (added per viewer). Core keys always;
 * `flow_message_nr` on re-sent records (except a `message/store` delete), `is_edit` on every
 * record (false on the first one — a post-2017 key, §R2.3), other optionals only when set.
 */
export function messageRecord(conv: StoredConversation, m: StoredMessage): MessageRecord {
  const { state, tags } = stateAndTags(m);
  const resent = m.edit_account_id !== undefined;
  const rec: MessageRecord = { mk_rec_type: 'message', conversation_id: conv.conversation_id, message_nr: m.message_nr };
  if (resent && m.flow_message_nr !== undefined && !m.flowless) rec.flow_message_nr = m.flow_message_nr;
  if (m.ref_message_nr !== undefined && m.kind === 'unpin' && !m.deleted) rec.ref_message_nr = m.ref_message_nr;
  rec.prev_message_nr = m.prev_message_nr;
  rec.inbox_nr = m.inbox_nr;
  rec.account_id = m.account_id;
  if (resent) {
    rec.edit_account_id = m.edit_account_id;
    rec.edited_time = m.edited_time === undefined ? null : unixSeconds(m.edited_time);
  }
  rec.lock_account_id = null;
  rec.message = m.deleted ? '' : m.xml;
  rec.mk_message_type = m.mk_message_type;
  rec.mk_message_state = state;
  rec.posted_time = unixSeconds(m.posted_time);
  rec.tags = tags;
  rec.is_edit = resent;
  if (m.hook_key !== undefined) {
    // Hook posts carry the hook's key and `is_new_sheet: false`, import posts the sender (§R2.15).
    rec.hook_key = m.hook_key;
    rec.is_new_sheet = false;
    if (m.sender_name !== undefined) rec.sender_name = m.sender_name;
  }
  if (!m.deleted) addShared(rec, m);
  if ((m.mention_ids.length > 0 || m.ever_mentioned) && !m.deleted) rec.mention_ids = [...m.mention_ids];
  if (m.reactions.length > 0 || m.ever_reacted) rec.reactions = m.reactions.map((r) => ({ reaction: r.reaction, account_ids: [...r.account_ids] }));
  return rec;
}

/** The id of a conversation's "To Do" taskboard section (derived; the sandbox has one section). */
export function todoSectionId(convId: string): string {
  const h = createHash('sha256').update(`todo\u0000${convId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Pin and task keys: only on records that are pinned or tasks (§R2.3, §R2.4). */
function addShared(rec: MessageRecord, m: StoredMessage): void {
  if (m.kind === 'pin') {
    if (m.pinned_account_id !== undefined) rec.pinned_account_id = m.pinned_account_id;
    rec.pin_weight = m.pin_weight ?? m.message_nr;
  } else if (m.kind === 'task') {
    rec.pin_weight = m.pin_weight ?? m.message_nr;
    rec.section_id = todoSectionId(rec.conversation_id);
    rec.task_weight = m.task_weight ?? 4294967296;
    if (m.tasked_account_id !== undefined) rec.tasked_account_id = m.tasked_account_id;
  }
  if (m.assignee_ids.length > 0 || m.ever_assigned) {
    rec.assignee_ids = [...m.assignee_ids];
    if (m.assigner_id !== undefined) rec.assigner_id = m.assigner_id;
  }
}
