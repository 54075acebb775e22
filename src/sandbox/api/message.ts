/**
 * `message/send|store|edit|delete|mark_read|mark_unread|copy` (PROTOCOL.md §7.1–7.6, §R2.15).
 */
import { badRequest, forbidden } from '../errors.js';
import type { StoredConversation } from '../model.js';
import { markReadTo } from '../read-horizon.js';
import type { ApiContext, ApiRoute } from './context.js';
import { caller, optBool, optInt, optNumber, optString, optStrings, pathId, reqInt, reqString } from './context.js';
import type { MessageInput } from './message-ops.js';
import { changeMessage, sendText } from './message-ops.js';
import { syncResponse } from './sync-response.js';

/** PROTOCOL.md §12 #14: a retry is refused when the conversation moved on since the first try. */
function checkRetry(ctx: ApiContext, conv: StoredConversation): void {
  const from = optInt(ctx.body, 'from_message_nr');
  if (optBool(ctx.body, 'is_retry') && from !== undefined && from !== conv.last_message_nr) {
    throw forbidden(`Retry refused: the conversation has moved on (last_message_nr ${conv.last_message_nr}, from_message_nr ${from})`, 'retry_conflict');
  }
}

/** The caller and the path's conversation, which the caller must be a member of. */
export function memberConv(ctx: ApiContext): { conv: StoredConversation; me: string } {
  const me = caller(ctx).account_id;
  const conv = ctx.state.conversation(pathId(ctx));
  ctx.state.requireMember(conv, me);
  return { conv, me };
}

function input(ctx: ApiContext): MessageInput {
  const b = ctx.body;
  return {
    text: optString(b, 'message'),
    tags: optStrings(b, 'tags'),
    assigneeIds: optStrings(b, 'assignee_ids'),
    addReactions: optStrings(b, 'add_reactions'),
    deleteReactions: optStrings(b, 'del_reactions') ?? optStrings(b, 'delete_reactions'),
    pinWeight: optNumber(b, 'pin_weight'),
    attachments: optStrings(b, 'attachments'),
  };
}

function from(ctx: ApiContext): { fromMessageNr: number | undefined } {
  return { fromMessageNr: optInt(ctx.body, 'from_message_nr') };
}

function send(ctx: ApiContext): unknown {
  const { conv, me } = memberConv(ctx);
  checkRetry(ctx, conv);
  const m = sendText(ctx.state, conv, me, { text: optString(ctx.body, 'message'), attachments: optStrings(ctx.body, 'attachments') });
  return syncResponse(ctx.state, conv, me, [m], m.message_nr, from(ctx));
}

function store(ctx: ApiContext): unknown {
  const { conv, me } = memberConv(ctx);
  checkRetry(ctx, conv);
  const nr = optInt(ctx.body, 'message_nr');
  if (nr === undefined) {
    const m = sendText(ctx.state, conv, me, input(ctx));
    return syncResponse(ctx.state, conv, me, [m], m.message_nr, from(ctx));
  }
  const m = ctx.state.message(conv, nr);
  changeMessage(ctx.state, conv, me, m, input(ctx), { viaStore: true });
  return syncResponse(ctx.state, conv, me, [m], m.message_nr, from(ctx));
}

function edit(ctx: ApiContext): unknown {
  const { conv, me } = memberConv(ctx);
  const m = ctx.state.message(conv, reqInt(ctx.body, 'message_nr'));
  changeMessage(ctx.state, conv, me, m, { text: reqString(ctx.body, 'message') });
  return syncResponse(ctx.state, conv, me, [m], m.message_nr, from(ctx));
}

function del(ctx: ApiContext): unknown {
  const { conv, me } = memberConv(ctx);
  const m = ctx.state.message(conv, reqInt(ctx.body, 'message_nr'));
  changeMessage(ctx.state, conv, me, m, { tags: ['is_deleted'] });
  return syncResponse(ctx.state, conv, me, [m], m.message_nr, from(ctx));
}

function markRead(ctx: ApiContext): unknown {
  const { conv, me } = memberConv(ctx);
  const nr = reqInt(ctx.body, 'message_nr');
  if (nr < 0) throw badRequest('message_nr must be ≥ 0');
  markReadTo(ctx.state, conv, me, nr, false);
  return syncResponse(ctx.state, conv, me, [], undefined, from(ctx));
}

/** Moves the read horizon back so that `message_nr` is unread again (the horizon becomes `message_nr - 1`). */
function markUnread(ctx: ApiContext): unknown {
  const { conv, me } = memberConv(ctx);
  const nr = reqInt(ctx.body, 'message_nr');
  if (nr < 1) throw badRequest('message_nr must be ≥ 1: the first message that should read as unread');
  markReadTo(ctx.state, conv, me, nr - 1, true);
  return syncResponse(ctx.state, conv, me, [], undefined, from(ctx));
}

function copy(ctx: ApiContext): unknown {
  const { conv, me } = memberConv(ctx);
  const m = ctx.state.message(conv, reqInt(ctx.body, 'message_nr'));
  const target = ctx.state.conversation(reqString(ctx.body, 'to_conv_id'));
  ctx.state.requireMember(target, me);
  if (m.deleted) throw forbidden('Cannot copy a deleted message', 'message_deleted');
  if (m.mk_message_type !== 'text') throw forbidden('System messages cannot be copied', 'system_message');
  const copyMsg = sendText(ctx.state, target, me, { text: m.text, attachments: m.attachments });
  return syncResponse(ctx.state, target, me, [copyMsg], copyMsg.message_nr, from(ctx));
}

/** Routes of this file. */
export const messageRoutes: Record<string, ApiRoute> = {
  'message/send': { handler: send, scoped: true, mutating: true },
  'message/store': { handler: store, scoped: true, mutating: true },
  'message/edit': { handler: edit, scoped: true, mutating: true },
  'message/delete': { handler: del, scoped: true, mutating: true },
  'message/mark_read': { handler: markRead, scoped: true, mutating: true },
  'message/mark_unread': { handler: markUnread, scoped: true, mutating: true },
  'message/copy': { handler: copy, scoped: true, mutating: true },
};
