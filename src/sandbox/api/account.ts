/**
 * `account/login`, `account/logout`, `account/sync`, `account/poll` (PROTOCOL.md §2, §3).
 */
import type { FleepRecord } from '../../api/records.js';
import { badRequest, forbidden } from '../errors.js';
import { contactRecord, convHeader, forViewer } from '../views.js';
import type { ApiContext, ApiRoute } from './context.js';
import { caller, optBool, optInt, optStrings, reqString } from './context.js';

/** Most records one poll answer carries. */
export const POLL_BATCH = 1000;

function login(ctx: ApiContext): unknown {
  const email = reqString(ctx.body, 'email');
  const password = reqString(ctx.body, 'password');
  const account = ctx.state.findLogin(email);
  if (!account || account.password !== password) throw forbidden('Incorrect email or password', 'login_failed');
  const session = ctx.state.openSession(account.account_id);
  ctx.setHeader('Set-Cookie', `token_id=${session.token_id}; Path=/; HttpOnly`);
  return {
    account_id: account.account_id,
    display_name: account.display_name,
    ticket: session.ticket,
    profiles: [contactRecord(account)],
  };
}

function logout(ctx: ApiContext): unknown {
  if (ctx.session) ctx.state.sessions.delete(ctx.session.token_id);
  ctx.state.onChange();
  return {};
}

function sync(ctx: ApiContext): unknown {
  const a = caller(ctx);
  return {
    event_horizon: ctx.state.streams.horizon(a.account_id),
    account_id: a.account_id,
    email: a.email,
    display_name: a.display_name,
    fleep_address: a.fleep_address,
    mk_account_status: 'active',
    is_in_org: false,
    is_org_admin: false,
  };
}

/** Initial sync at horizon 0 (PROTOCOL.md §12 #12): contacts, then each conversation's header and last message. */
function initialSync(ctx: ApiContext, flags: string[]): unknown {
  const { state } = ctx;
  const me = caller(ctx).account_id;
  const stream: FleepRecord[] = [...state.accounts.values()].map(contactRecord);
  if (!flags.includes('skip_rest')) {
    for (const conv of state.conversations.values()) {
      if (!conv.members.includes(me) && !conv.leavers.includes(me)) continue;
      stream.push(convHeader(conv, me, state.displayName, 'ic_tiny'));
      const last = conv.messages[String(conv.last_visible_nr)];
      if (last) stream.push(forViewer(state.messageRecord(conv, last), me));
    }
  }
  return { event_horizon: state.streams.horizon(me), stream, sync_progress: 1.0 };
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
  const ready = (): boolean => horizon > state.streams.horizon(me) || state.streams.horizon(me) > horizon;
  if (!wait || ready() || ctx.signal.aborted) return answer();
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
  return answer();
}

/** Routes of this file. */
export const accountRoutes: Record<string, ApiRoute> = {
  'account/login': { handler: login, auth: false },
  'account/logout': { handler: logout },
  'account/sync': { handler: sync },
  'account/poll': { handler: poll },
};
