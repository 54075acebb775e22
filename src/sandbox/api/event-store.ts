/**
 * `event/store` (PROTOCOL.md §7.15, §R2.15): a batch of client events. Each event runs on its
 * own: the answer is HTTP 200 with the records the events produced in `stream` and one
 * `request` record per event in `requests` (`status_code`, `identifier`, and `error_id` /
 * `error_message` when that event was refused). Each event's `request` record also reaches the
 * caller's stream, as a sync barrier. Repeating an event's `client_req_id` answers the stored
 * request record and changes nothing (§5.1).
 */
import type { FleepRecord } from '../../api/records.js';
import { SandboxHttpError, badRequest } from '../errors.js';
import type { StoredConversation, StoredMessage } from '../model.js';
import type { SandboxState } from '../state.js';
import type { ApiContext, ApiRoute } from './context.js';
import { caller, optInt, optNumber, optString, optStrings, reqInt, reqString } from './context.js';
import type { MessageInput } from './message-ops.js';
import { changeMessage, sendText } from './message-ops.js';
import { messageStream } from './sync-response.js';

const PREFIX = 'urn:fleep:client:message:';

/** What one event did: the message it created or changed. */
interface Done {
  conv: StoredConversation;
  message: StoredMessage;
}

type EventHandler = (state: SandboxState, me: string, conv: StoredConversation, params: Record<string, unknown>) => StoredMessage;

function change(input: (p: Record<string, unknown>) => MessageInput): EventHandler {
  return (state, me, conv, p) => {
    const m = state.message(conv, reqInt(p, 'message_nr'));
    changeMessage(state, conv, me, m, input(p));
    return m;
  };
}

function add(tags: string[]): EventHandler {
  return (state, me, conv, p) => sendText(state, conv, me, { text: optString(p, 'message'), attachments: optStrings(p, 'attachments'), tags });
}

/** The message events the sandbox runs, by the part after `urn:fleep:client:message:`. */
const EVENTS: Record<string, EventHandler> = {
  add_plain: add([]),
  add_todo: add(['is_todo']),
  add_pinned: add(['pin']),
  edit: change((p) => ({ text: reqString(p, 'message') })),
  edit_body: change((p) => ({ text: reqString(p, 'message') })),
  delete: change(() => ({ tags: ['is_deleted'] })),
  set_todo: change(() => ({ tags: ['is_todo'] })),
  set_done: change(() => ({ tags: ['is_done'] })),
  set_pinned: change((p) => ({ tags: ['pin'], pinWeight: optNumber(p, 'pin_weight') })),
  set_unpinned: change(() => ({ tags: ['unpin'] })),
  set_assignees: change((p) => ({ assigneeIds: optStrings(p, 'assignee_ids') ?? [] })),
  'pin:set_position': change((p) => ({ pinWeight: optNumber(p, 'pin_weight') })),
};

/** Per account and client_req_id: the request record answered (de-duplication). */
const answered = new WeakMap<SandboxState, Map<string, FleepRecord>>();

function runEvent(state: SandboxState, me: string, type: string, params: Record<string, unknown>): Done {
  const handler = type.startsWith(PREFIX) ? EVENTS[type.slice(PREFIX.length)] : undefined;
  if (!handler) throw badRequest(`Event type ${type} is not supported by the sandbox; supported: ${Object.keys(EVENTS).map((k) => PREFIX + k).join(', ')}`);
  const conv = state.conversation(reqString(params, 'conversation_id'));
  state.requireMember(conv, me);
  return { conv, message: handler(state, me, conv, params) };
}

function store(ctx: ApiContext): unknown {
  const { state } = ctx;
  const me = caller(ctx).account_id;
  optInt(ctx.body, 'api_version');
  const events = ctx.body.stream;
  if (!Array.isArray(events)) throw badRequest('stream must be a list of events: {client_req_id, mk_event_type, params}');
  let seen = answered.get(state);
  if (!seen) answered.set(state, (seen = new Map()));
  const stream: FleepRecord[] = [];
  const requests: FleepRecord[] = [];
  for (const raw of events) {
    const ev = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const clientReqId = typeof ev.client_req_id === 'string' ? ev.client_req_id : null;
    const type = typeof ev.mk_event_type === 'string' ? ev.mk_event_type : '';
    const params = (typeof ev.params === 'object' && ev.params !== null ? ev.params : {}) as Record<string, unknown>;
    const dedupKey = clientReqId ? `${me}\u0000${clientReqId}` : undefined;
    const earlier = dedupKey ? seen.get(dedupKey) : undefined;
    if (earlier) {
      requests.push(earlier);
      continue;
    }
    const request: Record<string, unknown> = { mk_rec_type: 'request', client_req_id: clientReqId, mk_event_type: type };
    try {
      const done = runEvent(state, me, type, params);
      stream.push(...messageStream(state, done.conv, [done.message], me));
      Object.assign(request, { status_code: 200, identifier: { conversation_id: done.conv.conversation_id, message_nr: done.message.message_nr } });
    } catch (err) {
      if (!(err instanceof SandboxHttpError)) throw err;
      const id = typeof params.conversation_id === 'string' ? { conversation_id: params.conversation_id } : {};
      Object.assign(request, { status_code: err.status, identifier: id, error_id: err.errorId, error_message: err.message });
    }
    const rec = request as FleepRecord;
    requests.push(rec);
    if (dedupKey) seen.set(dedupKey, rec);
    if (clientReqId) state.streams.push(me, Object.assign({}, rec, { profile_id: me }));
  }
  state.onChange();
  return { stream, requests };
}

/** Routes of this file. */
export const eventStoreRoutes: Record<string, ApiRoute> = {
  'event/store': { handler: store, mutating: true },
};
