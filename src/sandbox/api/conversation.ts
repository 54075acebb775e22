/**
 * Changing conversations: `conversation/create|store|leave|poke|mark_read`, the classic
 * `set_topic`, `add_members`, `remove_members`, `hide`, `unhide`, `set_alerts`
 * (PROTOCOL.md §7.7–7.10, §3.6, §R2.15).
 */
import type { FleepRecord, SyncResponse } from '../../api/records.js';
import { badRequest } from '../errors.js';
import { labelRecord, resolveLabels } from '../labels.js';
import { addMembers, createConversation, removeMembers, setTopic } from '../flow.js';
import type { StoredConversation, StoredMessage } from '../model.js';
import { markReadTo } from '../read-horizon.js';
import type { SandboxState } from '../state.js';
import { initHeader, streamDelta } from '../views.js';
import type { ApiContext, ApiRoute } from './context.js';
import { caller, optBool, optInt, optString, optStrings, pathId } from './context.js';
import { tinyInit } from './conversation-sync.js';
import { memberConv } from './message.js';
import { sendText } from './message-ops.js';
import { messageStream, syncResponse } from './sync-response.js';

/**
 * Resolves `account_ids` plus `emails` (one comma/semicolon-separated string, or a list) to
 * account ids. `<fleep_address>@fleep.io` names an account; an address without an account
 * becomes a `new` one, as on Fleep (§R2.9). Unknown account ids are a 400.
 */
export function resolveAccounts(state: SandboxState, ids: string[] | undefined, emails: unknown, key = 'emails'): string[] {
  const out: string[] = [];
  for (const id of ids ?? []) {
    if (!state.accounts.has(id)) throw badRequest(`Unknown account id ${id}; use contact/sync/all or account/lookup to find accounts`);
    out.push(id);
  }
  let list: string[] = [];
  if (typeof emails === 'string') list = emails.split(/[,;\s]+/);
  else if (Array.isArray(emails)) list = emails.filter((e): e is string => typeof e === 'string');
  else if (emails !== undefined && emails !== null) throw badRequest(`${key} must be a comma-separated string of e-mail addresses`);
  for (const e of list.map((x) => x.trim()).filter(Boolean)) out.push((state.findLogin(e) ?? state.placeholderAccount(e)).account_id);
  return out;
}

/** Messages appended after flow nr `before` (what a call produced). */
function producedSince(conv: StoredConversation, before: number): StoredMessage[] {
  const out: StoredMessage[] = [];
  for (let nr = before + 1; nr <= conv.last_message_nr; nr++) {
    const m = conv.messages[String(nr)] ?? conv.messages[String(conv.changes[String(nr)] ?? -1)];
    if (m && !out.includes(m)) out.push(m);
  }
  return out;
}

/** Activity records of members who joined at flow nr > before (answers to adds carry them, §R2.13). */
function joins(conv: StoredConversation, me: string, added: string[]): FleepRecord[] {
  return added.map((id) => ({ mk_rec_type: 'activity', conversation_id: conv.conversation_id, account_id: id, join_message_nr: conv.member_state[id]?.join_message_nr ?? 1, profile_id: me }));
}

function create(ctx: ApiContext): unknown {
  const { state } = ctx;
  const me = caller(ctx).account_id;
  const topic = optString(ctx.body, 'topic') ?? '';
  const ids = resolveAccounts(state, optStrings(ctx.body, 'account_ids'), ctx.body.emails);
  const conv = createConversation(state, me, topic, ids);
  const produced: StoredMessage[] = [conv.messages['1'] as StoredMessage];
  const text = optString(ctx.body, 'message');
  if (text) produced.push(sendText(state, conv, me, { text }));
  const last = produced[produced.length - 1] as StoredMessage;
  const res: SyncResponse = { header: initHeader(conv, me, state, 'ic_full', 1, conv.last_message_nr), stream: messageStream(state, conv, produced, me) };
  res.result_message_nr = last.message_nr;
  return res;
}

/** Membership and topic changes shared by `conversation/store` and the classic calls; true when members/topic changed. */
function applyMembership(ctx: ApiContext, conv: StoredConversation, me: string, change: { topic?: string | undefined; add: string[]; remove: string[] }): { added: string[]; changed: boolean } {
  const { state } = ctx;
  let changed = false;
  if (change.topic !== undefined) changed = setTopic(state, conv, me, change.topic) || changed;
  const added = change.add.length > 0 ? addMembers(state, conv, me, change.add) : [];
  const removed = change.remove.length > 0 ? removeMembers(state, conv, me, change.remove) : [];
  return { added, changed: changed || added.length > 0 || removed.length > 0 };
}

/** `labels` (names, replacing the set) or `label_ids` for the caller (§R2.11). */
function applyLabels(state: SandboxState, conv: StoredConversation, me: string, names: string[] | undefined, ids: string[] | undefined): boolean {
  if (names === undefined && ids === undefined) return false;
  const mine = state.labelsOf(me);
  let next: string[];
  if (names !== undefined) {
    const r = resolveLabels(mine, names);
    for (const l of r.created) state.streams.push(me, labelRecord(l));
    next = r.ids;
  } else {
    for (const id of ids ?? []) if (!mine.some((l) => l.label_id === id)) throw badRequest(`Unknown label id ${id}; set labels by name with "labels"`);
    next = [...new Set(ids)];
  }
  const ms = conv.member_state[me];
  if (!ms) return false;
  ms.label_ids = next;
  return true;
}

function store(ctx: ApiContext): unknown {
  const { state, body } = ctx;
  const { conv, me } = memberConv(ctx);
  const before = conv.last_message_nr;
  const add = resolveAccounts(state, optStrings(body, 'add_account_ids'), body.add_emails, 'add_emails');
  const remove = resolveAccounts(state, optStrings(body, 'remove_account_ids') ?? optStrings(body, 'kick_account_ids'), body.remove_emails, 'remove_emails');
  const read = optInt(body, 'read_message_nr');
  const alert = optString(body, 'mk_alert_level');
  const canPost = optBool(body, 'can_post');
  const hide = optInt(body, 'hide_message_nr');
  if (alert !== undefined && alert !== 'never' && alert !== 'default') throw badRequest('mk_alert_level must be "never" or "default"');
  const { added, changed } = applyMembership(ctx, conv, me, { topic: optString(body, 'topic'), add, remove });
  if (read !== undefined) markReadTo(state, conv, me, read, true);
  const ms = conv.member_state[me];
  let own = applyLabels(state, conv, me, optStrings(body, 'labels'), optStrings(body, 'label_ids'));
  if (alert !== undefined && ms) {
    ms.mk_alert_level = alert;
    own = true;
  }
  if (hide !== undefined && ms) {
    ms.hide_message_nr = Math.max(0, hide);
    own = true;
  }
  const left = canPost === false && conv.members.includes(me);
  if (left) removeMembers(state, conv, me, [me]);
  if (own && !left) state.streams.pushDeferred(me, streamDelta(conv, me, state));
  state.onChange();
  const produced = producedSince(conv, before);
  const res = syncResponse(state, conv, me, produced, produced[produced.length - 1]?.message_nr, { fromMessageNr: optInt(body, 'from_message_nr'), membership: changed || left });
  if (added.length > 0) res.stream.push(...joins(conv, me, added));
  return res;
}

/** `conversation/set_topic {topic}` (§R2.15). */
function setTopicCall(ctx: ApiContext): unknown {
  const { conv, me } = memberConv(ctx);
  const topic = optString(ctx.body, 'topic');
  if (topic === undefined) throw badRequest('Missing required field topic (a string; "" clears it)');
  const before = conv.last_message_nr;
  applyMembership(ctx, conv, me, { topic, add: [], remove: [] });
  const produced = producedSince(conv, before);
  return syncResponse(ctx.state, conv, me, produced, produced[produced.length - 1]?.message_nr, { fromMessageNr: optInt(ctx.body, 'from_message_nr'), membership: true });
}

function emailsOf(ctx: ApiContext): string[] {
  const ids = resolveAccounts(ctx.state, optStrings(ctx.body, 'account_ids'), ctx.body.emails);
  if (ids.length === 0) throw badRequest('Give emails: one string of addresses separated by ", " (e-mail or <fleep_address>@fleep.io)');
  return ids;
}

/** `conversation/add_members {emails}` (§R2.13, §R2.15). */
function addMembersCall(ctx: ApiContext): unknown {
  const { conv, me } = memberConv(ctx);
  const before = conv.last_message_nr;
  const { added } = applyMembership(ctx, conv, me, { add: emailsOf(ctx), remove: [] });
  const produced = producedSince(conv, before);
  const res = syncResponse(ctx.state, conv, me, produced, produced[produced.length - 1]?.message_nr, { fromMessageNr: optInt(ctx.body, 'from_message_nr'), membership: true });
  res.stream.push(...joins(conv, me, added));
  return res;
}

/** `conversation/remove_members {emails}`: a `kick` message (§R2.15). */
function removeMembersCall(ctx: ApiContext): unknown {
  const { conv, me } = memberConv(ctx);
  const before = conv.last_message_nr;
  applyMembership(ctx, conv, me, { add: [], remove: emailsOf(ctx) });
  const produced = producedSince(conv, before);
  return syncResponse(ctx.state, conv, me, produced, produced[produced.length - 1]?.message_nr, { fromMessageNr: optInt(ctx.body, 'from_message_nr'), membership: true });
}

function leave(ctx: ApiContext): unknown {
  const { state } = ctx;
  const { conv, me } = memberConv(ctx);
  removeMembers(state, conv, me, [me]);
  const m = conv.messages[String(conv.last_visible_nr)] as StoredMessage;
  return syncResponse(state, conv, me, [m], m.message_nr, { fromMessageNr: optInt(ctx.body, 'from_message_nr'), membership: true });
}

/** `conversation/mark_read`: everything read; answers the tiny init (header + inbox message, §R2.2). */
function markAllRead(ctx: ApiContext): unknown {
  const { conv, me } = memberConv(ctx);
  markReadTo(ctx.state, conv, me, conv.last_message_nr, false);
  return tinyInit(ctx.state, conv, me);
}

/** `hide` (to `from_message_nr`, default the flow end) / `unhide` (0): `hide_message_nr` in the header. */
function hider(hidden: boolean): (ctx: ApiContext) => unknown {
  return (ctx) => {
    const { conv, me } = memberConv(ctx);
    const ms = conv.member_state[me];
    const nr = hidden ? (optInt(ctx.body, 'from_message_nr') ?? conv.last_message_nr) : 0;
    if (ms) ms.hide_message_nr = nr;
    ctx.state.streams.push(me, Object.assign(streamDelta(conv, me, ctx.state).expand(), { hide_message_nr: nr }));
    ctx.state.onChange();
    const res = syncResponse(ctx.state, conv, me, [], undefined);
    res.header.hide_message_nr = nr;
    return res;
  };
}

/** `conversation/set_alerts {mk_alert_level}`. */
function setAlerts(ctx: ApiContext): unknown {
  const { conv, me } = memberConv(ctx);
  const level = optString(ctx.body, 'mk_alert_level');
  if (level !== 'never' && level !== 'default') throw badRequest('mk_alert_level must be "never" or "default"');
  const ms = conv.member_state[me];
  if (ms) ms.mk_alert_level = level;
  ctx.state.streams.pushDeferred(me, streamDelta(conv, me, ctx.state));
  ctx.state.onChange();
  return syncResponse(ctx.state, conv, me, [], undefined, { fromMessageNr: optInt(ctx.body, 'from_message_nr') });
}

function poke(ctx: ApiContext): unknown {
  const { state } = ctx;
  const me = caller(ctx).account_id;
  const conv = state.conversation(pathId(ctx));
  state.requireReader(conv, me);
  const nr = optInt(ctx.body, 'message_nr') ?? 0;
  optBool(ctx.body, 'is_bg_poke');
  state.streams.push(me, { mk_rec_type: 'poke', conversation_id: conv.conversation_id, message_nr: nr, profile_id: me });
  return syncResponse(state, conv, me, [], undefined);
}

/** Routes of this file. */
export const conversationRoutes: Record<string, ApiRoute> = {
  'conversation/create': { handler: create, mutating: true },
  'conversation/store': { handler: store, scoped: true, mutating: true },
  'conversation/set_topic': { handler: setTopicCall, scoped: true, mutating: true },
  'conversation/add_members': { handler: addMembersCall, scoped: true, mutating: true },
  'conversation/remove_members': { handler: removeMembersCall, scoped: true, mutating: true },
  'conversation/leave': { handler: leave, scoped: true, mutating: true },
  'conversation/mark_read': { handler: markAllRead, scoped: true, mutating: true },
  'conversation/hide': { handler: hider(true), scoped: true, mutating: true },
  'conversation/unhide': { handler: hider(false), scoped: true, mutating: true },
  'conversation/set_alerts': { handler: setAlerts, scoped: true, mutating: true },
  'conversation/poke': { handler: poke, scoped: true },
};
