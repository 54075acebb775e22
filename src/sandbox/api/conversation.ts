/**
 * `conversation/create|sync|sync_pins|sync_pinboard|store|leave|poke` (PROTOCOL.md §7.7–7.10, §3.6).
 */
import type { FleepRecord } from '../../api/records.js';
import { badRequest } from '../errors.js';
import { addMembers, createConversation, flowAfter, removeMembers, setTopic, visibleMessages } from '../flow.js';
import type { StoredConversation, StoredMessage } from '../model.js';
import type { SandboxState } from '../state.js';
import { convHeader, forViewer, memberState } from '../views.js';
import type { ApiContext, ApiRoute } from './context.js';
import { caller, optBool, optInt, optString, optStrings, pathId } from './context.js';
import { sendText } from './message-ops.js';
import { SYNC_PAGE, syncResponse } from './sync-response.js';

/** Resolves `account_ids` plus `emails` (comma-separated string or list) to account ids; 400 on unknowns. */
export function resolveAccounts(state: SandboxState, ids: string[] | undefined, emails: unknown, key = 'emails'): string[] {
  const out: string[] = [];
  for (const id of ids ?? []) {
    if (!state.accounts.has(id)) throw badRequest(`Unknown account id ${id}; use contact/sync/all to list accounts`);
    out.push(id);
  }
  let list: string[] = [];
  if (typeof emails === 'string') list = emails.split(/[,;\s]+/);
  else if (Array.isArray(emails)) list = emails.filter((e): e is string => typeof e === 'string');
  else if (emails !== undefined && emails !== null) throw badRequest(`${key} must be a comma-separated string of e-mail addresses`);
  for (const e of list.map((x) => x.trim()).filter(Boolean)) {
    const a = state.findLogin(e);
    if (!a) throw badRequest(`Unknown e-mail ${e}; create the account first (POST /sandbox/accounts)`);
    out.push(a.account_id);
  }
  return out;
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
  const res = syncResponse(state, conv, me, produced, produced[produced.length - 1]?.message_nr);
  res.header = convHeader(conv, me, state.displayName, 'ic_full');
  return res;
}

const PAGE = SYNC_PAGE;

function around(list: StoredMessage[], nr: number, before: number, after: number): StoredMessage[] {
  let idx = list.findIndex((m) => m.message_nr > nr);
  if (idx === -1) idx = list.length;
  return list.slice(Math.max(0, idx - before), idx + after);
}

function sync(ctx: ApiContext): unknown {
  const { state } = ctx;
  const me = caller(ctx).account_id;
  const conv = state.conversation(pathId(ctx));
  state.requireReader(conv, me);
  const from = optInt(ctx.body, 'from_message_nr');
  const dir = optString(ctx.body, 'mk_direction') ?? null;
  const ms = memberState(conv, me);
  const all = visibleMessages(conv).filter((m) => m.message_nr >= ms.join_message_nr || m.message_nr === 1);
  const header = convHeader(conv, me, state.displayName, dir === 'ic_tiny' || dir === 'ic_full' || dir === 'ic_header' ? dir : 'ic_header');
  let messages: StoredMessage[] = [];
  let fw = conv.last_message_nr;
  let bw = ms.join_message_nr;
  switch (dir) {
    case null:
    case 'forward':
      if (from === undefined) {
        messages = around(all, ms.read_message_nr, 5, 5);
      } else {
        const page = flowAfter(conv, from, PAGE);
        messages = page.messages;
        fw = page.upTo;
      }
      break;
    case 'ic_header':
      break;
    case 'ic_tiny':
      messages = all.filter((m) => m.message_nr === conv.last_visible_nr);
      break;
    case 'ic_full':
      messages = around(all, ms.read_message_nr, 5, 5);
      for (const pin of all) if (pin.kind === 'pin' && !pin.deleted && !messages.includes(pin)) messages.push(pin);
      break;
    case 'ic_flow':
      messages = around(all, from ?? ms.read_message_nr, 5, 5);
      break;
    case 'ic_end':
      messages = all.slice(-PAGE);
      break;
    case 'ic_backward':
    case 'backward': {
      const before = all.filter((m) => m.message_nr < (from ?? conv.last_message_nr + 1));
      messages = before.slice(-PAGE);
      bw = messages[0]?.message_nr ?? ms.join_message_nr;
      break;
    }
    case 'ic_forward': {
      messages = all.filter((m) => m.message_nr > (from ?? 0)).slice(0, PAGE);
      fw = messages.length === PAGE ? (messages[messages.length - 1] as StoredMessage).message_nr : conv.last_message_nr;
      break;
    }
    case 'ic_pinboard':
      messages = all.filter((m) => m.kind === 'pin' && !m.deleted);
      break;
    case 'ic_tasks':
      messages = all.filter((m) => m.kind === 'task' && m.archived && !m.deleted);
      break;
    case 'ic_files':
      messages = all.filter((m) => m.attachments.length > 0 && !m.deleted);
      break;
    default:
      throw badRequest(`Unknown mk_direction ${JSON.stringify(dir)}; use null, ic_header, ic_tiny, ic_full, ic_flow, ic_end, ic_backward, ic_forward, ic_pinboard, ic_tasks or ic_files`);
  }
  header.fw_message_nr = fw;
  header.bw_message_nr = bw;
  const stream: FleepRecord[] = messages.map((m) => forViewer(state.messageRecord(conv, m), me));
  return { header, stream };
}

function syncPins(ctx: ApiContext): unknown {
  const { state } = ctx;
  const me = caller(ctx).account_id;
  const conv = state.conversation(pathId(ctx));
  state.requireReader(conv, me);
  const pins = visibleMessages(conv)
    .filter((m) => m.kind === 'pin' && !m.deleted)
    .sort((a, b) => (b.pin_weight ?? 0) - (a.pin_weight ?? 0));
  const header = convHeader(conv, me, state.displayName, 'ic_header');
  header.pin_horizon = conv.last_message_nr;
  return { header, stream: pins.map((m) => forViewer(state.messageRecord(conv, m), me)) };
}

function markReadTo(state: SandboxState, conv: StoredConversation, me: string, nr: number, backwards: boolean): boolean {
  const ms = conv.member_state[me];
  if (!ms) return false;
  const target = Math.max(ms.join_message_nr, Math.min(nr, conv.last_message_nr));
  if (target === ms.read_message_nr || (!backwards && target < ms.read_message_nr)) return false;
  ms.is_mark_unread = target < ms.read_message_nr;
  ms.read_message_nr = target;
  ms.unread_count = visibleMessages(conv).filter((m) => m.message_nr > target && m.mk_message_type === 'text' && m.account_id !== me).length;
  state.streams.push(me, convHeader(conv, me, state.displayName, 'ic_header'));
  for (const id of conv.members) {
    state.streams.push(id, { mk_rec_type: 'activity', conversation_id: conv.conversation_id, account_id: me, read_message_nr: target, profile_id: id });
  }
  state.onChange();
  return true;
}

/** Moves a member's read horizon (forward only unless `backwards`); exported for message/mark_read. */
export { markReadTo };

function store(ctx: ApiContext): unknown {
  const { state, body } = ctx;
  const me = caller(ctx).account_id;
  const conv = state.conversation(pathId(ctx));
  state.requireMember(conv, me);
  const produced: StoredMessage[] = [];
  const before = conv.last_message_nr;
  const topic = optString(body, 'topic');
  const add = resolveAccounts(state, optStrings(body, 'add_account_ids'), body.add_emails, 'add_emails');
  const remove = resolveAccounts(state, optStrings(body, 'remove_account_ids') ?? optStrings(body, 'kick_account_ids'), body.remove_emails, 'remove_emails');
  const read = optInt(body, 'read_message_nr');
  const alert = optString(body, 'mk_alert_level');
  const canPost = optBool(body, 'can_post');
  if (alert !== undefined && alert !== 'never' && alert !== 'default') throw badRequest('mk_alert_level must be "never" or "default"');
  if (topic !== undefined) setTopic(state, conv, me, topic);
  if (add.length > 0) addMembers(state, conv, me, add);
  if (remove.length > 0) removeMembers(state, conv, me, remove);
  if (read !== undefined) markReadTo(state, conv, me, read, true);
  if (alert !== undefined && conv.member_state[me]) conv.member_state[me].mk_alert_level = alert;
  if (canPost === false && conv.members.includes(me)) removeMembers(state, conv, me, [me]);
  for (let nr = before + 1; nr <= conv.last_message_nr; nr++) {
    const m = conv.messages[String(nr)];
    if (m) produced.push(m);
  }
  state.onChange();
  return syncResponse(state, conv, me, produced, produced[produced.length - 1]?.message_nr, optInt(body, 'from_message_nr'));
}

function leave(ctx: ApiContext): unknown {
  const { state } = ctx;
  const me = caller(ctx).account_id;
  const conv = state.conversation(pathId(ctx));
  state.requireMember(conv, me);
  removeMembers(state, conv, me, [me]);
  const m = conv.messages[String(conv.last_visible_nr)] as StoredMessage;
  return syncResponse(state, conv, me, [m], m.message_nr, optInt(ctx.body, 'from_message_nr'));
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
  'conversation/sync': { handler: sync, scoped: true },
  'conversation/sync_pins': { handler: syncPins, scoped: true },
  'conversation/sync_pinboard': { handler: syncPins, scoped: true },
  'conversation/store': { handler: store, scoped: true, mutating: true },
  'conversation/leave': { handler: leave, scoped: true, mutating: true },
  'conversation/poke': { handler: poke, scoped: true },
};
