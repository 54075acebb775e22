/**
 * Telling a new message from a change of one, on every record shape real Fleep sends
 * (PROTOCOL.md §R2.16). Fleep re-sends the whole record on every change, with or without
 * `flow_message_nr`; `revision_message_nr` and `is_edit` are unreliable; a delete may come with
 * no flow number at all (§R2.4). So a record is *new* only when its message number is above the
 * highest flow position already seen in the conversation, and — when there is no such baseline
 * (the first record of a conversation since start) — only when nothing in it says "changed".
 */
import type { MessageRecord } from '../api/records.js';
import { MessageState } from '../api/records.js';

/** `mk_message_type` values of conversation (not user) messages (PROTOCOL.md §6.1). */
const SYSTEM_MESSAGE_TYPES = new Set([
  'create',
  'add',
  'kick',
  'leave',
  'topic',
  'alerts',
  'disclose',
  'hook',
  'unhook',
  'add_team',
  'kick_team',
  'hangout',
  'separator',
  'replace',
  'share',
  'unshare',
  'autojoin',
  'delfile',
  'sysmsg',
  'signin',
  'show',
  'unshow',
  'url_previews',
  'no_url_previews',
  'bounce',
]);

/** A system message: Fleep says so in its state, or its type is one of Fleep's system types. */
export function isSystemMessage(type: string, state: string | undefined): boolean {
  return state === MessageState.system || SYSTEM_MESSAGE_TYPES.has(type);
}

/**
 * True when the record itself shows it is a change of an earlier post: a flow slot of its own,
 * an editor or edit time, `is_edit`, or a deleted/unpinned state. A plain new message carries
 * none of these (§R2.3); optionals sent as `null` (post-2017 payloads) count as absent.
 */
export function showsChange(record: MessageRecord, revision: number): boolean {
  if (revision > 0) return true;
  if (record.is_edit === true) return true;
  if (record.edited_time || record.edit_account_id) return true;
  const state = record.mk_message_state;
  if (state === MessageState.deleted || state === MessageState.unpinned) return true;
  const tags = record.tags;
  return Array.isArray(tags) && (tags.includes('is_deleted') || tags.includes('unpin'));
}

/**
 * Whether a record of a message the runtime holds no snapshot of is a new post.
 * @param highestSeen the highest flow position handled in its conversation, if any.
 */
export function isNewPost(record: MessageRecord, revision: number, highestSeen: number | undefined): boolean {
  if (highestSeen !== undefined && record.message_nr <= highestSeen) return false;
  return !showsChange(record, revision);
}
