/**
 * `conversation/create_hook|show_hooks|configure_hook|drop_hook` (PROTOCOL.md §7.14, §R2.15).
 */
import { badRequest, notFound } from '../errors.js';
import { HOOK_TYPES, createHook, dropHook, hookRecord } from '../hooks.js';
import type { StoredConversation, StoredHook } from '../model.js';
import type { ApiContext, ApiRoute } from './context.js';
import { optBool, optInt, optString, reqString } from './context.js';
import { memberConv } from './message.js';
import { syncResponse } from './sync-response.js';

/** The sandbox URL the caller used (hook URLs point back at it). */
function baseUrl(ctx: ApiContext): string {
  const host = ctx.headers.host;
  return `http://${typeof host === 'string' && host !== '' ? host : '127.0.0.1'}`;
}

function hookOf(conv: StoredConversation, key: string): StoredHook {
  const hook = conv.hooks?.find((h) => h.hook_key === key);
  if (!hook) throw notFound(`Hook not found: ${key}; conversation/show_hooks lists this conversation's hooks`);
  return hook;
}

/** → sync + `hook_info` (the owner's HookInfo with `hook_url`); the `hook` message takes the next slot. */
function create(ctx: ApiContext): unknown {
  const { conv, me } = memberConv(ctx);
  const name = reqString(ctx.body, 'hook_name');
  if (name.trim() === '') throw badRequest('hook_name must not be empty');
  const type = optString(ctx.body, 'mk_hook_type') ?? 'plain';
  if (!HOOK_TYPES.includes(type)) throw badRequest(`Unknown mk_hook_type ${JSON.stringify(type)}; use ${HOOK_TYPES.join(', ')}`);
  const hook = createHook(ctx.state, conv, me, { name, type, outgoingUrl: optString(ctx.body, 'outgoing_url') ?? '', outgoingDisabled: optBool(ctx.body, 'outgoing_disabled') ?? false }, baseUrl(ctx));
  const m = conv.messages[String(conv.last_visible_nr)];
  const res = syncResponse(ctx.state, conv, me, m ? [m] : [], m?.message_nr, { fromMessageNr: optInt(ctx.body, 'from_message_nr') });
  res.hook_info = hookRecord(conv, hook, me, baseUrl(ctx));
  return res;
}

/** → exactly `{hooks: [HookInfo]}`. */
function show(ctx: ApiContext): unknown {
  const { conv, me } = memberConv(ctx);
  return { hooks: (conv.hooks ?? []).map((h) => hookRecord(conv, h, me, baseUrl(ctx))) };
}

/** `{hook_key, hook_name, outgoing_url, outgoing_disabled}` → sync + `hook_info`. */
function configure(ctx: ApiContext): unknown {
  const { conv, me } = memberConv(ctx);
  const hook = hookOf(conv, reqString(ctx.body, 'hook_key'));
  const name = optString(ctx.body, 'hook_name');
  if (name !== undefined && name.trim() !== '') hook.hook_name = name;
  hook.outgoing_url = optString(ctx.body, 'outgoing_url') ?? hook.outgoing_url;
  hook.outgoing_disabled = optBool(ctx.body, 'outgoing_disabled') ?? hook.outgoing_disabled;
  for (const id of conv.members) ctx.state.streams.push(id, Object.assign(hookRecord(conv, hook, id, baseUrl(ctx)), { profile_id: id }));
  ctx.state.onChange();
  const res = syncResponse(ctx.state, conv, me, [], undefined, { fromMessageNr: optInt(ctx.body, 'from_message_nr') });
  res.hook_info = hookRecord(conv, hook, me, baseUrl(ctx));
  return res;
}

/** `{hook_key}` → sync with the `unhook` message. */
function drop(ctx: ApiContext): unknown {
  const { conv, me } = memberConv(ctx);
  dropHook(ctx.state, conv, me, hookOf(conv, reqString(ctx.body, 'hook_key')), baseUrl(ctx));
  const m = conv.messages[String(conv.last_visible_nr)];
  return syncResponse(ctx.state, conv, me, m ? [m] : [], m?.message_nr, { fromMessageNr: optInt(ctx.body, 'from_message_nr') });
}

/** Routes of this file. */
export const hookRoutes: Record<string, ApiRoute> = {
  'conversation/create_hook': { handler: create, scoped: true, mutating: true },
  'conversation/show_hooks': { handler: show, scoped: true },
  'conversation/configure_hook': { handler: configure, scoped: true, mutating: true },
  'conversation/drop_hook': { handler: drop, scoped: true, mutating: true },
};
