/**
 * `account/login|logout|sync|configure|lookup` (PROTOCOL.md §2, §R2.15).
 */
import { badRequest, forbidden } from '../errors.js';
import type { ApiContext, ApiRoute } from './context.js';
import { caller, optString, optStrings, reqString } from './context.js';

function login(ctx: ApiContext): unknown {
  const email = reqString(ctx.body, 'email');
  const password = reqString(ctx.body, 'password');
  const account = ctx.state.findLogin(email);
  if (!account || account.mk_account_status === 'new' || account.password !== password) throw forbidden('Incorrect email or password', 'login_failed');
  const session = ctx.state.openSession(account.account_id);
  ctx.setHeader('Set-Cookie', `token_id=${session.token_id}; Path=/; HttpOnly`);
  return {
    account_id: account.account_id,
    display_name: account.display_name,
    ticket: session.ticket,
    profiles: [ctx.state.ownContact(account)],
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

const ADDRESS = /^[a-z0-9._-]+$/;

/**
 * `account/configure`: `display_name`, `password` (with `old_password`), `phone_nr`,
 * `client_settings`, `fleep_address` (settable once; a second change is a 431, §R2.15). Other
 * documented settings are accepted and ignored. Answers the caller's own contact; a new name
 * reaches co-members as a `contact` record.
 */
function configure(ctx: ApiContext): unknown {
  const { state, body } = ctx;
  const a = caller(ctx);
  const name = optString(body, 'display_name');
  const password = optString(body, 'password');
  const phone = optString(body, 'phone_nr');
  const settings = optString(body, 'client_settings');
  const address = optString(body, 'fleep_address')?.trim().toLowerCase();
  if (name !== undefined && name.trim() === '') throw badRequest('display_name must not be empty');
  if (password !== undefined) {
    if (password === '') throw badRequest('password must not be empty');
    if (optString(body, 'old_password') !== a.password) throw forbidden('Incorrect old_password; send the current password as old_password', 'wrong_password');
  }
  if (address !== undefined && address !== a.fleep_address) {
    if (a.address_locked) throw forbidden('fleep_address can be set only once', 'fleep_address_set');
    if (!ADDRESS.test(address)) throw badRequest(`fleep_address must match [a-z0-9._-]+, got ${JSON.stringify(address)}`);
    if (state.findLogin(address)) throw forbidden(`fleep_address ${address} is taken`, 'fleep_address_taken');
    a.fleep_address = address;
    a.address_locked = true;
  }
  if (name !== undefined) a.display_name = name;
  if (password !== undefined) a.password = password;
  if (phone !== undefined) a.phone_nr = phone;
  if (settings !== undefined) a.client_settings = settings;
  const own = state.ownContact(a);
  state.streams.push(a.account_id, own);
  if (name !== undefined || address !== undefined) {
    for (const other of state.knownContacts(a.account_id)) {
      const c = state.contactFor(other.account_id, a.account_id);
      if (c) state.streams.push(other.account_id, c);
    }
  }
  state.onChange();
  return own;
}

/**
 * `account/lookup {lookup_list, ignore_list}` → `{stream: [contact…]}`; an address without an
 * account answers a `new` contact usable in `add_account_ids` (§R2.15).
 */
function lookup(ctx: ApiContext): unknown {
  const { state } = ctx;
  const me = caller(ctx).account_id;
  const wanted = optStrings(ctx.body, 'lookup_list');
  if (!wanted) throw badRequest('Missing lookup_list: a list of e-mail addresses or fleep addresses');
  const ignore = new Set(optStrings(ctx.body, 'ignore_list') ?? []);
  const stream = [];
  for (const key of wanted.map((w) => w.trim()).filter(Boolean)) {
    const a = state.findLogin(key) ?? (key.includes('@') ? state.placeholderAccount(key) : undefined);
    if (!a || ignore.has(a.account_id)) continue;
    const c = state.contactFor(me, a.account_id);
    if (c) stream.push(c);
  }
  return { stream };
}

/** Routes of this file. */
export const accountRoutes: Record<string, ApiRoute> = {
  'account/login': { handler: login, auth: false },
  'account/logout': { handler: logout },
  'account/sync': { handler: sync },
  'account/configure': { handler: configure, mutating: true },
  'account/lookup': { handler: lookup },
};
