/**
 * Reading a conversation: `conversation/sync` in every `mk_direction`, `sync_backward`,
 * `sync_files`, `sync_pins` (alias `sync_pinboard`), `account/sync_pinboard` and
 * `conversation/list` (PROTOCOL.md §7.8, §R2.2, §R2.15).
 */
import type { ConvRecord, FleepRecord } from '../../api/records.js';
import { badRequest } from '../errors.js';
import { flowAfter, visibleMessages } from '../flow.js';
import type { StoredConversation, StoredMessage } from '../model.js';
import type { SandboxState } from '../state.js';
import { deltaHeader, fileRecords, initHeader, memberState, withMembership } from '../views.js';
import type { ApiContext, ApiRoute } from './context.js';
import { caller, optInt, optNumber, optString, pathId, reqString } from './context.js';
import { SYNC_PAGE, messageStream } from './sync-response.js';

const PAGE = SYNC_PAGE;

function around(list: StoredMessage[], nr: number, before: number, after: number): StoredMessage[] {
  let idx = list.findIndex((m) => m.message_nr > nr);
  if (idx === -1) idx = list.length;
  return list.slice(Math.max(0, idx - before), idx + after);
}

/** A reader's conversation from the path (members and leavers may read). */
function readerConv(ctx: ApiContext): { conv: StoredConversation; me: string } {
  const me = caller(ctx).account_id;
  const conv = ctx.state.conversation(pathId(ctx));
  ctx.state.requireReader(conv, me);
  return { conv, me };
}

/** Messages the viewer may see: from their first join (and the create message). */
function readable(conv: StoredConversation, me: string): StoredMessage[] {
  const join = memberState(conv, me).join_message_nr;
  return visibleMessages(conv).filter((m) => m.message_nr >= join || m.message_nr === 1);
}

/** A non-init header (delta + membership). */
function plainHeader(state: SandboxState, conv: StoredConversation, me: string): ConvRecord {
  return withMembership(deltaHeader(conv, me, state), conv, me);
}

/** The `fw_message_nr` of a page ending at `last`: the flow end once the page reaches the last visible message. */
function forwardEnd(conv: StoredConversation, last: StoredMessage | undefined, fallback: number): number {
  if (!last) return fallback;
  return last.message_nr >= conv.last_visible_nr ? conv.last_message_nr : last.message_nr;
}

/** The viewer's inbox message as the tiny init attaches it. */
function tinyInit(state: SandboxState, conv: StoredConversation, me: string): { header: ConvRecord; stream: FleepRecord[] } {
  const inboxNr = deltaHeader(conv, me, state).inbox_message_nr as number;
  const m = conv.messages[String(inboxNr)];
  const nr = m ? m.message_nr : inboxNr;
  return { header: initHeader(conv, me, state, 'ic_tiny', nr, nr), stream: m ? messageStream(state, conv, [m], me) : [] };
}

/** `ic_full`: messages around the read horizon plus the pins; bw/fw = first/last attached. */
function fullInit(state: SandboxState, conv: StoredConversation, me: string): { header: ConvRecord; stream: FleepRecord[] } {
  const all = readable(conv, me);
  const messages = around(all, memberState(conv, me).read_message_nr, 5, 5);
  const first = messages[0]?.message_nr ?? 1;
  const fw = forwardEnd(conv, messages[messages.length - 1], conv.last_message_nr);
  for (const pin of all) if (pin.kind === 'pin' && !pin.deleted && !messages.includes(pin)) messages.push(pin);
  return { header: initHeader(conv, me, state, 'ic_full', first, fw), stream: messageStream(state, conv, messages, me) };
}

/** Exported for `conversation/mark_read` and the initial sync. */
export { fullInit, tinyInit };

function sync(ctx: ApiContext): unknown {
  const { state } = ctx;
  const { conv, me } = readerConv(ctx);
  const from = optInt(ctx.body, 'from_message_nr');
  const dir = optString(ctx.body, 'mk_direction') ?? null;
  const all = readable(conv, me);
  const header = plainHeader(state, conv, me);
  let messages: StoredMessage[] = [];
  switch (dir) {
    case 'ic_tiny':
      return tinyInit(state, conv, me);
    case 'ic_full':
      return fullInit(state, conv, me);
    case null:
    case 'forward':
      if (from === undefined) {
        messages = around(all, memberState(conv, me).read_message_nr, 5, 5);
        header.fw_message_nr = forwardEnd(conv, messages[messages.length - 1], conv.last_message_nr);
      } else {
        const page = flowAfter(conv, from, PAGE);
        messages = page.messages;
        header.fw_message_nr = page.upTo;
      }
      break;
    case 'ic_header':
      break;
    case 'ic_flow':
      messages = around(all, from ?? memberState(conv, me).read_message_nr, 5, 5);
      header.fw_message_nr = forwardEnd(conv, messages[messages.length - 1], from ?? 0);
      break;
    case 'ic_end':
      messages = all.slice(-PAGE);
      header.fw_message_nr = conv.last_message_nr;
      break;
    case 'ic_backward':
    case 'backward':
      return backwardPage(state, conv, me, from);
    case 'ic_forward':
      messages = all.filter((m) => m.message_nr > (from ?? 0)).slice(0, PAGE);
      header.fw_message_nr = forwardEnd(conv, messages[messages.length - 1], conv.last_message_nr);
      break;
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
  return { header, stream: messageStream(state, conv, messages, me) };
}

/** A backward page: the PAGE visible messages before `from`; the header carries only `bw_message_nr` (§R2.2). */
function backwardPage(state: SandboxState, conv: StoredConversation, me: string, from: number | undefined): unknown {
  const before = readable(conv, me).filter((m) => m.message_nr < (from ?? conv.last_message_nr + 1));
  const messages = before.slice(-PAGE);
  const header = plainHeader(state, conv, me);
  header.bw_message_nr = messages[0]?.message_nr ?? Math.min(from ?? 1, memberState(conv, me).join_message_nr);
  return { header, stream: messageStream(state, conv, messages, me) };
}

function syncBackward(ctx: ApiContext): unknown {
  const { conv, me } = readerConv(ctx);
  return backwardPage(ctx.state, conv, me, optInt(ctx.body, 'from_message_nr'));
}

/** `file` records of messages after `from_message_nr`, a page of messages at a time; `file_horizon` 0 when done. */
function syncFiles(ctx: ApiContext): unknown {
  const { state } = ctx;
  const { conv, me } = readerConv(ctx);
  const from = optInt(ctx.body, 'from_message_nr') ?? 0;
  const withFiles = readable(conv, me).filter((m) => m.attachments.length > 0 && m.message_nr > from);
  const page = withFiles.slice(0, PAGE);
  const header = plainHeader(state, conv, me);
  header.file_horizon = withFiles.length > PAGE ? (page[page.length - 1] as StoredMessage).message_nr : 0;
  return { header, stream: page.flatMap((m) => fileRecords(conv, m, state.file)) };
}

function livePins(conv: StoredConversation, me: string): StoredMessage[] {
  return readable(conv, me)
    .filter((m) => m.kind === 'pin' && !m.deleted)
    .sort((a, b) => (b.pin_weight ?? 0) - (a.pin_weight ?? 0) || b.message_nr - a.message_nr);
}

/** Legacy pinboard sync: every pin in one page, so `pin_horizon` is 0 ("nothing left", §R2.2). */
function syncPins(ctx: ApiContext): unknown {
  const { state } = ctx;
  const { conv, me } = readerConv(ctx);
  const header = plainHeader(state, conv, me);
  header.pin_horizon = 0;
  return { header, stream: messageStream(state, conv, livePins(conv, me), me) };
}

/**
 * `account/sync_pinboard {conversation_id, pin_weight, pin_limit}`: pins by descending weight,
 * those below `pin_weight` when given; `header.pin_cursor` is the JSON text to continue from,
 * or null when the page reached the last pin (§R2.15).
 */
function accountSyncPinboard(ctx: ApiContext): unknown {
  const { state } = ctx;
  const me = caller(ctx).account_id;
  const conv = state.conversation(reqString(ctx.body, 'conversation_id'));
  state.requireReader(conv, me);
  const limit = optInt(ctx.body, 'pin_limit') ?? 30;
  if (limit < 1) throw badRequest('pin_limit must be ≥ 1');
  const below = optNumber(ctx.body, 'pin_weight');
  const pins = livePins(conv, me).filter((m) => below === undefined || (m.pin_weight ?? 0) < below);
  const page = pins.slice(0, limit);
  const last = page[page.length - 1];
  const cursor = pins.length > limit && last ? JSON.stringify({ pin_weight: last.pin_weight ?? 0 }) : null;
  return { header: { mk_rec_type: 'conv', conversation_id: conv.conversation_id, pin_cursor: cursor, profile_id: me }, stream: messageStream(state, conv, page, me) };
}

/** Page size of `conversation/list`. */
export const LIST_PAGE = 50;

/**
 * `conversation/list {sync_horizon}`: the caller's conversations, LIST_PAGE at a time in the
 * order they were created; `sync_horizon` in the answer is where the next page starts, and the
 * page after the last one is empty (§R2.15).
 */
function list(ctx: ApiContext): unknown {
  const { state } = ctx;
  const me = caller(ctx).account_id;
  const start = optInt(ctx.body, 'sync_horizon') ?? 0;
  if (start < 0) throw badRequest('sync_horizon must be ≥ 0 (0 for the first page)');
  const mine = [...state.conversationsOf(me)];
  const page = mine.slice(start, start + LIST_PAGE);
  const conversations = page.map((c) => plainHeader(state, c, me));
  return { conversations, sync_horizon: start + page.length };
}

/** Routes of this file. */
export const conversationSyncRoutes: Record<string, ApiRoute> = {
  'conversation/sync': { handler: sync, scoped: true },
  'conversation/sync_backward': { handler: syncBackward, scoped: true },
  'conversation/sync_files': { handler: syncFiles, scoped: true },
  'conversation/sync_pins': { handler: syncPins, scoped: true },
  'conversation/sync_pinboard': { handler: syncPins, scoped: true },
  'account/sync_pinboard': { handler: accountSyncPinboard },
  'conversation/list': { handler: list },
};
