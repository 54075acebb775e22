/**
 * Conversation flow operations: appending messages, taking change slots, system messages and
 * membership. Every change advances `last_message_nr` and is fanned out to the members'
 * streams (PROTOCOL.md §6.1, §12 #10/#16).
 */
import { randomUUID } from 'node:crypto';
import type { MemberState, StoredConversation, StoredMessage } from './model.js';
import type { SandboxState } from './state.js';
import { convHeader, noteKind } from './views.js';

/** Fields of a new message besides the numbering. */
export type NewMessage = Pick<StoredMessage, 'account_id' | 'mk_message_type' | 'text' | 'xml'> &
  Partial<Pick<StoredMessage, 'kind' | 'done' | 'assignee_ids' | 'mention_ids' | 'attachments' | 'pin_weight' | 'pinned_account_id' | 'tasked_account_id' | 'assigner_id'>>;

function newMemberState(joinNr: number): MemberState {
  return { join_message_nr: joinNr, read_message_nr: joinNr, my_message_nr: 0, unread_count: 0, is_mark_unread: false, mk_alert_level: 'default' };
}

/** Appends a visible message (a new flow slot) and updates members' read/unread state. No emission. */
export function appendMessage(state: SandboxState, conv: StoredConversation, input: NewMessage): StoredMessage {
  const now = state.now();
  const nr = ++conv.last_message_nr;
  const isText = input.mk_message_type === 'text';
  const m: StoredMessage = {
    message_nr: nr,
    account_id: input.account_id,
    mk_message_type: input.mk_message_type,
    text: input.text,
    xml: input.xml,
    posted_time: now,
    prev_message_nr: conv.last_visible_nr,
    inbox_nr: isText ? ++conv.last_inbox_nr : -conv.last_inbox_nr,
    kind: input.kind ?? 'plain',
    done: input.done ?? false,
    archived: false,
    deleted: false,
    assignee_ids: input.assignee_ids ?? [],
    reactions: [],
    mention_ids: input.mention_ids ?? [],
    attachments: input.attachments ?? [],
  };
  if (input.pin_weight !== undefined) m.pin_weight = input.pin_weight;
  if (input.pinned_account_id !== undefined) m.pinned_account_id = input.pinned_account_id;
  if (input.tasked_account_id !== undefined) m.tasked_account_id = input.tasked_account_id;
  if (input.assigner_id !== undefined) m.assigner_id = input.assigner_id;
  conv.messages[String(nr)] = m;
  noteKind(conv, m);
  conv.last_visible_nr = nr;
  conv.last_message_time = now;
  for (const id of conv.members) {
    const ms = conv.member_state[id];
    if (!ms) continue;
    if (id === m.account_id) {
      ms.read_message_nr = nr;
      ms.unread_count = 0;
      ms.is_mark_unread = false;
    } else if (isText) {
      ms.unread_count++;
    }
  }
  for (const id of m.mention_ids) {
    const ms = conv.member_state[id];
    if (ms && conv.members.includes(id) && id !== m.account_id) ms.my_message_nr = nr;
  }
  return m;
}

/** Gives a changed message a new flow slot (flow/revision numbers) and emits it to members. */
export function commitChange(state: SandboxState, conv: StoredConversation, m: StoredMessage): number {
  const slot = ++conv.last_message_nr;
  conv.changes[String(slot)] = m.message_nr;
  conv.last_message_time = state.now();
  m.flow_message_nr = slot;
  m.revision_message_nr = slot;
  noteKind(conv, m);
  state.emitMessage(conv, m);
  return slot;
}

/** Posts a system message and sends every recipient the message and its full conv header. */
export function postSystem(
  state: SandboxState,
  conv: StoredConversation,
  actorId: string,
  type: string,
  payload: unknown,
  recipients: string[],
): StoredMessage {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const m = appendMessage(state, conv, { account_id: actorId, mk_message_type: type, text: body, xml: body });
  const rec = state.messageRecord(conv, m);
  for (const id of recipients) {
    state.streams.pushForViewer(id, rec);
    state.streams.push(id, convHeader(conv, id, state.displayName, 'ic_full'));
  }
  state.onChange();
  return m;
}

/** Creates a conversation with the creator and `memberIds`; message 1 is the `create` system message. */
export function createConversation(state: SandboxState, creatorId: string, topic: string, memberIds: string[]): StoredConversation {
  const members = [creatorId, ...memberIds.filter((id) => id !== creatorId)].filter((id, i, a) => a.indexOf(id) === i);
  const conv: StoredConversation = {
    conversation_id: randomUUID(),
    topic,
    creator_id: creatorId,
    created_time: state.now(),
    members,
    leavers: [],
    member_state: Object.fromEntries(members.map((id) => [id, newMemberState(1)])),
    messages: {},
    changes: {},
    last_message_nr: 0,
    last_message_time: state.now(),
    last_inbox_nr: 0,
    last_visible_nr: 0,
  };
  state.conversations.set(conv.conversation_id, conv);
  const payload = { members, topic, org_name: null, organisation_id: null };
  postSystem(state, conv, creatorId, 'create', payload, members);
  return conv;
}

/** Adds accounts as members (an `add` system message); returns the ones actually added. */
export function addMembers(state: SandboxState, conv: StoredConversation, actorId: string, ids: string[]): string[] {
  const added = ids.filter((id, i) => !conv.members.includes(id) && ids.indexOf(id) === i);
  if (added.length === 0) return [];
  const joinNr = conv.last_message_nr + 1;
  for (const id of added) {
    conv.members.push(id);
    conv.leavers = conv.leavers.filter((l) => l !== id);
    conv.member_state[id] = newMemberState(joinNr);
  }
  postSystem(state, conv, actorId, 'add', { members: added }, conv.members);
  return added;
}

/** Removes members: `kick` when someone else removes them, `leave` for oneself. */
export function removeMembers(state: SandboxState, conv: StoredConversation, actorId: string, ids: string[]): string[] {
  const removed = ids.filter((id, i) => conv.members.includes(id) && ids.indexOf(id) === i);
  if (removed.length === 0) return [];
  const recipients = [...conv.members];
  conv.members = conv.members.filter((id) => !removed.includes(id));
  for (const id of removed) if (!conv.leavers.includes(id)) conv.leavers.push(id);
  const isLeave = removed.length === 1 && removed[0] === actorId;
  if (isLeave) postSystem(state, conv, actorId, 'leave', '', recipients);
  else postSystem(state, conv, actorId, 'kick', { members: removed }, recipients);
  return removed;
}

/** Changes the topic (a `topic` system message). */
export function setTopic(state: SandboxState, conv: StoredConversation, actorId: string, topic: string): boolean {
  if (conv.topic === topic) return false;
  conv.topic = topic;
  postSystem(state, conv, actorId, 'topic', { topic }, conv.members);
  return true;
}

/** Visible messages of a conversation in flow order. */
export function visibleMessages(conv: StoredConversation): StoredMessage[] {
  return Object.values(conv.messages).sort((a, b) => a.message_nr - b.message_nr);
}

/** Messages touched by flow slots after `from` (new or changed), each once, in slot order. */
export function flowAfter(conv: StoredConversation, from: number, limit: number): { messages: StoredMessage[]; upTo: number } {
  const out: StoredMessage[] = [];
  const seen = new Set<number>();
  let slot = from;
  while (slot < conv.last_message_nr && out.length < limit) {
    slot++;
    const nr = conv.messages[String(slot)] ? slot : conv.changes[String(slot)];
    if (nr === undefined || seen.has(nr)) continue;
    const m = conv.messages[String(nr)];
    if (!m) continue;
    seen.add(nr);
    out.push(m);
  }
  return { messages: out, upTo: slot };
}
