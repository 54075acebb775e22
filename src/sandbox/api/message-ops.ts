/**
 * Message creation and change semantics shared by `message/*` and `conversation/create`
 * (PROTOCOL.md §6.1, §7.1–7.6, §12 #7/#8/#10/#11).
 */
import { badRequest, forbidden } from '../errors.js';
import { appendMessage, commitChange } from '../flow.js';
import type { StoredConversation, StoredMessage } from '../model.js';
import { escapeXml, renderMessage } from '../render.js';
import { attachmentId } from '../views.js';
import type { SandboxState } from '../state.js';

/** Longest accepted message text (PROTOCOL.md §12 #6). */
export const MAX_MESSAGE_CHARS = 100_000;

/** What a store/send call asks for. */
export interface MessageInput {
  text?: string | undefined;
  tags?: string[] | undefined;
  assigneeIds?: string[] | undefined;
  addReactions?: string[] | undefined;
  deleteReactions?: string[] | undefined;
  pinWeight?: number | undefined;
  attachments?: string[] | undefined;
  /** Posted through an incoming webhook. */
  hookKey?: string | undefined;
  senderName?: string | undefined;
  /** Unix seconds to keep (import hooks). */
  postedTime?: number | undefined;
}

function checkText(text: string): void {
  if (text.length > MAX_MESSAGE_CHARS) throw badRequest(`message is ${text.length} characters; the limit is ${MAX_MESSAGE_CHARS}. Split it into several messages`);
}

function render(state: SandboxState, text: string): { xml: string; mentionIds: string[] } {
  return renderMessage(text, (address) => state.accountByAddress(address));
}

function checkAssignees(state: SandboxState, ids: string[]): void {
  for (const id of ids) if (!state.accounts.has(id)) throw badRequest(`Unknown assignee account id ${id}`);
}

/** Resolves upload URLs (`/uploads/<file_id>/<nonce>`) or bare file ids to stored file ids; 400 on unknowns. */
function fileIds(state: SandboxState, attachments: string[]): string[] {
  return attachments.map((url) => {
    const parts = url.split('/').filter(Boolean);
    const id = (parts[0] === 'uploads' ? parts[1] : parts[parts.length - 1]) ?? '';
    if (!state.files.has(id)) throw badRequest(`Unknown attachment ${url}; pass the upload_url returned by file/upload`);
    return id;
  });
}

/** `<file key="<attachment_id>">name</file>` for each attachment of a message (§R2.12). */
function filesXml(state: SandboxState, conv: StoredConversation, nr: number, ids: string[]): string {
  return ids.map((id, i) => `<file key="${attachmentId(conv.conversation_id, nr, i, id)}">${escapeXml(state.files.get(id)?.name ?? id)}</file>`).join('');
}

/** The body with the attachments appended after the text (or alone when there is no text). */
function withFiles(state: SandboxState, conv: StoredConversation, nr: number, xml: string, text: string, ids: string[]): string {
  if (ids.length === 0) return xml;
  const files = filesXml(state, conv, nr, ids);
  return text.trim() === '' ? `<msg>${files}</msg>` : xml.replace(/<\/msg>$/, `${files}</msg>`);
}

/** First task weight Fleep hands out is 2^32 (§R2.4); later tasks go below it. */
const TASK_WEIGHT = 4294967296;

function nextTaskWeight(conv: StoredConversation): number {
  let n = 0;
  for (const m of Object.values(conv.messages)) if (m.task_weight !== undefined) n++;
  return TASK_WEIGHT * (n + 1);
}

/** Posts a new text message (optionally pinned or as a task) and emits it to every member. */
export function sendText(state: SandboxState, conv: StoredConversation, author: string, input: MessageInput): StoredMessage {
  const text = input.text ?? '';
  checkText(text);
  const attachments = fileIds(state, input.attachments ?? []);
  if (text.trim() === '' && attachments.length === 0) throw badRequest('message is empty; send some text or attachments');
  const rendered = render(state, text);
  const tags = input.tags ?? [];
  const isTask = tags.includes('is_todo') || tags.includes('is_done');
  const isPin = !isTask && tags.includes('pin');
  if (input.assigneeIds) checkAssignees(state, input.assigneeIds);
  const m = appendMessage(state, conv, {
    account_id: author,
    mk_message_type: 'text',
    text,
    xml: rendered.xml,
    kind: isTask ? 'task' : isPin ? 'pin' : 'plain',
    done: tags.includes('is_done'),
    mention_ids: rendered.mentionIds,
    attachments,
    assignee_ids: input.assigneeIds ?? [],
    ...(isPin ? { pinned_account_id: author, pin_weight: input.pinWeight ?? conv.last_message_nr + 1 } : {}),
    ...(isTask ? { tasked_account_id: author, pin_weight: input.pinWeight ?? conv.last_message_nr + 1, task_weight: nextTaskWeight(conv) } : {}),
    ...(input.assigneeIds?.length ? { assigner_id: author } : {}),
  });
  m.xml = withFiles(state, conv, m.message_nr, rendered.xml, text, attachments);
  if (input.hookKey !== undefined) m.hook_key = input.hookKey;
  if (input.senderName !== undefined) m.sender_name = input.senderName;
  if (input.postedTime !== undefined) m.posted_time = input.postedTime * 1000;
  for (const r of input.addReactions ?? []) toggleReaction(m, r, author, true);
  state.emitMessage(conv, m);
  return m;
}

function toggleReaction(m: StoredMessage, reaction: string, who: string, add: boolean): boolean {
  let entry = m.reactions.find((r) => r.reaction === reaction);
  if (add) {
    if (entry?.account_ids.includes(who)) return false;
    m.ever_reacted = true;
    if (!entry) {
      entry = { reaction, account_ids: [] };
      m.reactions.push(entry);
    }
    entry.account_ids.push(who);
    return true;
  }
  if (!entry || !entry.account_ids.includes(who)) return false;
  entry.account_ids = entry.account_ids.filter((id) => id !== who);
  if (entry.account_ids.length === 0) m.reactions = m.reactions.filter((r) => r !== entry);
  return true;
}

function resetMentions(conv: StoredConversation, m: StoredMessage, keep: string[]): void {
  for (const id of m.mention_ids) {
    const ms = conv.member_state[id];
    if (ms && ms.my_message_nr === m.message_nr && !keep.includes(id)) ms.my_message_nr = 0;
  }
  for (const id of keep) {
    const ms = conv.member_state[id];
    if (ms && conv.members.includes(id) && id !== m.account_id) ms.my_message_nr = m.message_nr;
  }
}

/** Applies tag transitions; true when something changed. */
function applyTags(conv: StoredConversation, m: StoredMessage, actor: string, tags: string[], pinWeight: number | undefined): boolean {
  const has = (t: string): boolean => tags.includes(t);
  const before = JSON.stringify([m.kind, m.done, m.archived, m.deleted]);
  if (has('is_deleted')) {
    m.deleted = true;
    resetMentions(conv, m, []);
  } else if (has('unpin') || (has('pin') && has('is_archived'))) {
    if (m.kind === 'pin') {
      m.kind = 'unpin';
      m.ref_message_nr = m.message_nr;
    }
  } else if (has('is_todo') || has('is_done')) {
    if (m.kind !== 'task') {
      m.tasked_account_id = actor;
      m.task_weight = nextTaskWeight(conv);
      m.pin_weight = pinWeight ?? conv.last_message_nr + 1;
    }
    m.kind = 'task';
    m.done = has('is_done');
    m.archived = has('is_archived');
  } else if (has('pin')) {
    if (m.kind !== 'pin') {
      m.kind = 'pin';
      m.pinned_account_id = actor;
      m.pin_weight = pinWeight ?? conv.last_message_nr + 1;
    }
  } else if (has('is_archived') && m.kind === 'task') {
    m.archived = true;
  }
  return JSON.stringify([m.kind, m.done, m.archived, m.deleted]) !== before;
}

/**
 * Applies a change to an existing message as `actor`. Edits are for the author only (431);
 * others may delete, pin, task, assign and react. A change takes a new flow slot; a call that
 * changes nothing takes none. Returns true when something changed.
 */
export function changeMessage(state: SandboxState, conv: StoredConversation, actor: string, m: StoredMessage, input: MessageInput, how: { viaStore?: boolean } = {}): boolean {
  if (m.mk_message_type !== 'text') throw forbidden('System messages cannot be changed', 'system_message');
  if (m.deleted) throw forbidden('Message is deleted', 'message_deleted');
  let changed = false;
  if (input.text !== undefined && input.text !== m.text) {
    if (m.account_id !== actor) throw forbidden('Only the author can edit a message', 'not_author');
    checkText(input.text);
    if (input.text.trim() === '' && m.attachments.length === 0) throw badRequest('message is empty; to delete a message use message/delete');
    const rendered = render(state, input.text);
    resetMentions(conv, m, rendered.mentionIds);
    m.text = input.text;
    m.xml = withFiles(state, conv, m.message_nr, rendered.xml, input.text, m.attachments);
    m.mention_ids = rendered.mentionIds;
    if (m.mention_ids.length > 0) m.ever_mentioned = true;
    changed = true;
  }
  if (input.tags && applyTags(conv, m, actor, input.tags, input.pinWeight)) changed = true;
  if (input.assigneeIds) {
    checkAssignees(state, input.assigneeIds);
    const next = [...new Set(input.assigneeIds)];
    if (JSON.stringify(next) !== JSON.stringify(m.assignee_ids)) {
      m.assignee_ids = next;
      m.assigner_id = actor;
      m.ever_assigned = true;
      changed = true;
    }
  }
  if (input.pinWeight !== undefined && m.kind === 'pin' && m.pin_weight !== input.pinWeight) {
    m.pin_weight = input.pinWeight;
    changed = true;
  }
  for (const r of input.addReactions ?? []) if (toggleReaction(m, r, actor, true)) changed = true;
  for (const r of input.deleteReactions ?? []) if (toggleReaction(m, r, actor, false)) changed = true;
  if (!changed) return false;
  m.edit_account_id = actor;
  m.edited_time = state.now();
  if (m.text === input.text) m.text_edited_time = m.edited_time;
  // Fleep sends a delete made with message/store without a flow number (§R2.4).
  commitChange(state, conv, m, how.viaStore === true && m.deleted);
  return true;
}
