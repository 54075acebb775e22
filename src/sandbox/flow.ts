/**
 * Conversation flow operations: appending messages, taking change slots, system messages and
 * membership. Every change advances `last_message_nr` and is fanned out to the members'
 * streams (PROTOCOL.md §6.1, §R2.2, §R2.8, §R2.13, §12 #16).
 */
import { randomUUID } from 'node:crypto';
import type { MemberState, StoredConversation, StoredMessage } from './model.js';
import type { SandboxState } from './state.js';
import { initHeader, noteMessage, streamDelta, withMembership } from './views.js';

/** Fields of a new message besides the numbering. */
export type NewMessage = Pick<StoredMessage, 'account_id' | 'mk_message_type' | 'text' | 'xml'> &
  Partial<Pick<StoredMessage, 'kind' | 'done' | 'assignee_ids' | 'mention_ids' | 'attachments' | 'pin_weight' | 'pinned_account_id' | 'tasked_account_id' | 'assigner_id' | 'task_weight'>>;

/** A member whose membership begins at `begin` (first join at `join`); messages before it count as read. */
function memberFrom(join: number, begin: number, read: number): MemberState {
  return { join_message_nr: join, begin_message_nr: begin, send_message_nr: begin, read_message_nr: read, my_message_nr: 0, unread_count: 0, is_mark_unread: false, mk_alert_level: 'default' };
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
    // Only text alerts; a system message points back at the last alerting one (negative).
    inbox_nr: isText ? ++conv.last_inbox_nr : conv.last_inbox_nr === 0 ? 0 : -conv.last_inbox_nr,
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
  if (input.task_weight !== undefined) m.task_weight = input.task_weight;
  if (input.assigner_id !== undefined) m.assigner_id = input.assigner_id;
  if (m.assignee_ids.length > 0) m.ever_assigned = true;
  if (m.mention_ids.length > 0) m.ever_mentioned = true;
  conv.messages[String(nr)] = m;
  noteMessage(conv, m, true);
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

/** Takes a change slot for `m` (no emission). */
function takeSlot(state: SandboxState, conv: StoredConversation, m: StoredMessage, flowless: boolean): number {
  const slot = ++conv.last_message_nr;
  conv.changes[String(slot)] = m.message_nr;
  conv.last_message_time = state.now();
  m.flow_message_nr = slot;
  m.revision_message_nr = slot;
  if (flowless) m.flowless = true;
  else delete m.flowless;
  noteMessage(conv, m, false);
  return slot;
}

/**
 * Gives a changed message a new flow slot and emits it to members. `flowless`: the record goes
 * out without `flow_message_nr`, as Fleep sends a `message/store` delete (§R2.4).
 */
export function commitChange(state: SandboxState, conv: StoredConversation, m: StoredMessage, flowless = false): number {
  const slot = takeSlot(state, conv, m, flowless);
  state.emitMessage(conv, m);
  return slot;
}

/** Pushes a system message's record plus a header to each recipient (init for newcomers). */
function emitSystem(state: SandboxState, conv: StoredConversation, m: StoredMessage, recipients: string[], newcomers: string[], extra: (id: string) => void): void {
  const rec = state.messageRecord(conv, m);
  for (const id of recipients) {
    state.streams.pushForViewer(id, rec);
    extra(id);
    if (newcomers.includes(id)) {
      const ms = conv.member_state[id];
      state.streams.push(id, initHeader(conv, id, state, 'ic_full', ms?.begin_message_nr ?? 1, conv.last_message_nr));
    } else {
      state.streams.push(id, withMembership(streamDelta(conv, id, state).expand(), conv, id));
    }
  }
  state.onChange();
}

/** Posts a system message; every recipient gets it and a header with the membership block. */
export function postSystem(state: SandboxState, conv: StoredConversation, actorId: string, type: string, payload: unknown, recipients: string[], newcomers: string[] = []): StoredMessage {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const m = appendMessage(state, conv, { account_id: actorId, mk_message_type: type, text: body, xml: body });
  emitSystem(state, conv, m, recipients, newcomers, () => undefined);
  return m;
}

/** Tells each of `to` about each of `about` (their contact records), skipping oneself. */
function introduce(state: SandboxState, to: string[], about: string[]): void {
  for (const viewer of to) {
    for (const id of about) {
      if (id === viewer) continue;
      const c = state.contactFor(viewer, id);
      if (c) state.streams.push(viewer, c);
    }
  }
}

/**
 * Creates a conversation with the creator and `memberIds`; message 1 is the `create` system
 * message listing the members other than the creator (§R2.13). The creator has read it; the
 * others start at 0 (§R2.8).
 */
export function createConversation(state: SandboxState, creatorId: string, topic: string, memberIds: string[]): StoredConversation {
  const members = [creatorId, ...memberIds.filter((id) => id !== creatorId)].filter((id, i, a) => a.indexOf(id) === i);
  const conv: StoredConversation = {
    conversation_id: randomUUID(),
    topic,
    creator_id: creatorId,
    created_time: state.now(),
    members,
    leavers: [],
    member_state: Object.fromEntries(members.map((id) => [id, memberFrom(1, 1, id === creatorId ? 1 : 0)])),
    messages: {},
    changes: {},
    last_message_nr: 0,
    last_message_time: state.now(),
    last_inbox_nr: 0,
    last_visible_nr: 0,
  };
  state.conversations.set(conv.conversation_id, conv);
  const payload = { members: members.slice(1), org_name: null, organisation_id: null, topic };
  const m = appendMessage(state, conv, { account_id: creatorId, mk_message_type: 'create', text: JSON.stringify(payload), xml: JSON.stringify(payload) });
  introduce(state, members, members);
  emitSystem(state, conv, m, members, members, () => undefined);
  return conv;
}

/** True while the flow holds only the create message: adding members then folds into it (§R2.13). */
function folds(conv: StoredConversation): boolean {
  return conv.last_visible_nr === 1 && conv.messages['1']?.mk_message_type === 'create';
}

/**
 * Adds accounts as members; returns the ones actually added. Before the first post the create
 * message is re-sent with the longer list (a fold, taking a change slot); afterwards an `add`
 * message is appended. Either way each newcomer gets an `activity {join_message_nr}` record
 * to everyone, an init header and the others' contacts; the others get the newcomer's.
 */
export function addMembers(state: SandboxState, conv: StoredConversation, actorId: string, ids: string[]): string[] {
  const added = ids.filter((id, i) => !conv.members.includes(id) && ids.indexOf(id) === i);
  if (added.length === 0) return [];
  const fold = folds(conv);
  const begin = fold ? 1 : conv.last_message_nr + 1;
  for (const id of added) {
    conv.members.push(id);
    conv.leavers = conv.leavers.filter((l) => l !== id);
    const old = conv.member_state[id];
    conv.member_state[id] = memberFrom(old?.join_message_nr ?? begin, begin, begin - 1);
    const ms = conv.member_state[id];
    if (old?.mk_alert_level) ms.mk_alert_level = old.mk_alert_level;
    if (old?.label_ids) ms.label_ids = old.label_ids;
  }
  introduce(state, added, conv.members);
  introduce(
    state,
    conv.members.filter((id) => !added.includes(id)),
    added,
  );
  const activity = (viewer: string): void => {
    for (const id of added) {
      state.streams.push(viewer, { mk_rec_type: 'activity', conversation_id: conv.conversation_id, account_id: id, join_message_nr: conv.member_state[id]?.join_message_nr ?? begin, profile_id: viewer });
    }
  };
  if (fold) {
    const create = conv.messages['1'] as StoredMessage;
    const payload = JSON.parse(create.text) as { members?: string[] };
    payload.members = [...(payload.members ?? []), ...added];
    create.text = create.xml = JSON.stringify(payload);
    create.edit_account_id = actorId;
    create.edited_time = state.now();
    takeSlot(state, conv, create, false);
    emitSystem(state, conv, create, conv.members, added, activity);
  } else {
    const m = appendMessage(state, conv, { account_id: actorId, mk_message_type: 'add', text: JSON.stringify({ members: added }), xml: JSON.stringify({ members: added }) });
    emitSystem(state, conv, m, conv.members, added, activity);
  }
  return added;
}

/** Removes members: `kick` when someone else removes them, `leave` for oneself. A leaver's read horizon moves to that message (§R2.8). */
export function removeMembers(state: SandboxState, conv: StoredConversation, actorId: string, ids: string[]): string[] {
  const removed = ids.filter((id, i) => conv.members.includes(id) && ids.indexOf(id) === i);
  if (removed.length === 0) return [];
  const recipients = [...conv.members];
  conv.members = conv.members.filter((id) => !removed.includes(id));
  for (const id of removed) if (!conv.leavers.includes(id)) conv.leavers.push(id);
  const isLeave = removed.length === 1 && removed[0] === actorId;
  const nr = conv.last_message_nr + 1;
  for (const id of removed) {
    const ms = conv.member_state[id];
    if (!ms) continue;
    ms.read_message_nr = nr;
    ms.send_message_nr = nr;
    ms.unread_count = 0;
    ms.is_mark_unread = false;
  }
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
