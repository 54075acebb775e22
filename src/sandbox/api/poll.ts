/**
 * `account/poll` (PROTOCOL.md §3, §R2.1) and `account/listen` (§3.5).
 *
 * Every account's stream starts with records (its contact, the system labels), so a valid
 * session is never answered horizon 0 by the stream itself; 0 is only sent for a horizon the
 * stream cannot serve (from the future — a reset world — or older than the kept records), which
 * clients read as "resync".
 */
import type { FleepRecord } from '../../api/records.js';
import { badRequest } from '../errors.js';
import { labelRecord } from '../labels.js';
import type { ApiContext, ApiRoute } from './context.js';
import { caller, optBool, optInt, optStrings } from './context.js';
import { tinyInit } from './conversation-sync.js';

/** Most records one poll answer carries. */
export const POLL_BATCH = 1000;

/**
 * Initial sync at horizon 0 (§12 #12, §R2.1, §R2.2): the caller's own contact and the contacts
 * it knows, its labels, then per conversation an `ic_tiny` init header with its inbox message;
 * `skip_hidden` leaves hidden conversations out, `skip_rest` all of them.
 */
function initialSync(ctx: ApiContext, flags: string[]): unknown {
  const { state } = ctx;
  const account = caller(ctx);
  const me = account.account_id;
  const stream: FleepRecord[] = [state.ownContact(account)];
  for (const a of state.knownContacts(me)) stream.push(state.contactFor(me, a.account_id) as FleepRecord);
  for (const l of state.labelsOf(me)) stream.push(labelRecord(l));
  if (!flags.includes('skip_rest')) {
    for (const conv of state.conversationsOf(me)) {
      const hidden = (conv.member_state[me]?.hide_message_nr ?? 0) >= conv.last_message_nr;
      if (hidden && flags.includes('skip_hidden')) continue;
      const tiny = tinyInit(state, conv, me);
      stream.push(tiny.header, ...tiny.stream);
    }
  }
  return { event_horizon: state.streams.horizon(me), stream, sync_progress: 1.0 };
}

/** Waits until the account's stream moves past `horizon`, the hold ends or the client leaves. */
async function hold(ctx: ApiContext, me: string, horizon: number): Promise<void> {
  const { state } = ctx;
  const ready = (): boolean => state.streams.horizon(me) !== horizon;
  if (ready() || ctx.signal.aborted) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      unwait();
      ctx.signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ctx.holdMs);
    const unwait = state.streams.wait(me, done);
    ctx.signal.addEventListener('abort', done, { once: true });
  });
}

async function poll(ctx: ApiContext): Promise<unknown> {
  const { state, faults } = ctx;
  const me = caller(ctx).account_id;
  const horizon = optInt(ctx.body, 'event_horizon') ?? 0;
  if (horizon < 0) throw badRequest('event_horizon must be ≥ 0');
  const wait = optBool(ctx.body, 'wait') ?? true;
  const flags = optStrings(ctx.body, 'poll_flags') ?? [];
  if (faults.resync()) return { event_horizon: 0, stream: [] };
  if (horizon === 0) return initialSync(ctx, flags);
  const answer = (): unknown => {
    // A horizon from the future means the world was reset or replaced: ask for a resync.
    if (horizon > state.streams.horizon(me)) return { event_horizon: 0, stream: [] };
    const base = state.streams.base(me);
    // Records below `base` were dropped from the bounded stream: a client this far behind has
    // lost events, and must resync rather than silently skip them (PROTOCOL.md §3.2).
    if (horizon < base) return { event_horizon: 0, stream: [] };
    const back = faults.duplicateBack(horizon - base);
    const batch = state.streams.since(me, horizon - back, POLL_BATCH);
    return { event_horizon: Math.max(batch.horizon, horizon), stream: batch.records, sync_progress: 1.0 };
  };
  if (wait) await hold(ctx, me, horizon);
  return answer();
}

/**
 * `account/listen {event_horizon, wait}` (§3.5): the lightweight notifier — the new horizon,
 * `conv_count` (conversations with unread messages) and the new text messages by others.
 */
async function listen(ctx: ApiContext): Promise<unknown> {
  const { state } = ctx;
  const me = caller(ctx).account_id;
  const horizon = optInt(ctx.body, 'event_horizon') ?? 0;
  if (horizon < 0) throw badRequest('event_horizon must be ≥ 0');
  if (horizon > 0 && (optBool(ctx.body, 'wait') ?? true)) await hold(ctx, me, horizon);
  const now = state.streams.horizon(me);
  const from = Math.min(Math.max(horizon, state.streams.base(me)), now);
  const records = horizon === 0 ? [] : state.streams.since(me, from, POLL_BATCH).records;
  const messages = records.flatMap((r) => {
    if (r.mk_rec_type !== 'message' || r.account_id === me || r.mk_message_type !== 'text' || r.is_edit === true) return [];
    const conv = state.conversations.get(r.conversation_id as string);
    return [{ conv_url: `/chat/${r.conversation_id as string}`, conversation_id: r.conversation_id, topic: conv?.topic ?? '', message: r.message, author_name: state.displayName(String(r.account_id)) }];
  });
  let convCount = 0;
  for (const c of state.conversationsOf(me)) if ((c.member_state[me]?.unread_count ?? 0) > 0 && c.members.includes(me)) convCount++;
  return { event_horizon: horizon === 0 ? now : from + records.length, conv_count: convCount, messages };
}

/** Routes of this file. */
export const pollRoutes: Record<string, ApiRoute> = {
  'account/poll': { handler: poll },
  'account/listen': { handler: listen },
};
