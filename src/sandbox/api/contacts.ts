/**
 * `contact/sync`, `contact/sync/list`, `contact/sync/all`, `contact/describe` (PROTOCOL.md
 * §7.11, §R2.6, §R2.15). An account knows the accounts it shares (or shared) a conversation
 * with; `contact/sync/all` lists those, never every account and never the caller.
 */
import type { FleepRecord } from '../../api/records.js';
import { badRequest, notFound } from '../errors.js';
import type { ApiContext, ApiRoute } from './context.js';
import { caller, optString, optStrings, reqString } from './context.js';

function contactSync(ctx: ApiContext): unknown {
  const me = caller(ctx).account_id;
  const id = reqString(ctx.body, 'contact_id');
  const c = ctx.state.contactFor(me, id);
  if (!c) throw notFound(`Contact not found: ${id}`);
  return c;
}

function contactList(ctx: ApiContext): unknown {
  const me = caller(ctx).account_id;
  const ids = optStrings(ctx.body, 'contacts') ?? [];
  return { contacts: ids.flatMap((id) => ctx.state.contactFor(me, id) ?? []) };
}

function contactAll(ctx: ApiContext): unknown {
  const { state } = ctx;
  const me = caller(ctx).account_id;
  const ignore = new Set(optStrings(ctx.body, 'ignore') ?? []);
  const search = optString(ctx.body, 'search_str')?.toLowerCase();
  const contacts = state
    .knownContacts(me)
    .filter((a) => !ignore.has(a.account_id))
    .filter((a) => !search || [a.email, a.display_name, a.fleep_address].some((s) => s.toLowerCase().includes(search)))
    .map((a) => state.contactFor(me, a.account_id) as FleepRecord);
  return { contacts };
}

/**
 * `contact/describe {contact_id, contact_name, phone_nr}`: the caller's own name and phone for a
 * contact. Only the caller sees it: its stream gets the contact with `display_name` =
 * `contact_name`, and `contact/sync` returns the same; the answer is that contact.
 */
function describe(ctx: ApiContext): unknown {
  const { state } = ctx;
  const me = caller(ctx).account_id;
  const id = reqString(ctx.body, 'contact_id');
  if (!state.accounts.has(id)) throw notFound(`Contact not found: ${id}`);
  if (id === me) throw badRequest('contact/describe names other accounts; change your own name with account/configure');
  const name = optString(ctx.body, 'contact_name');
  const phone = optString(ctx.body, 'phone_nr');
  const notes = state.notes.get(me) ?? {};
  const note = { ...notes[id] };
  if (name !== undefined) {
    if (name.trim() === '') delete note.contact_name;
    else note.contact_name = name;
  }
  if (phone !== undefined) {
    if (phone === '') delete note.phone_nr;
    else note.phone_nr = phone;
  }
  notes[id] = note;
  state.notes.set(me, notes);
  const c = state.contactFor(me, id) as FleepRecord;
  state.streams.push(me, c);
  state.onChange();
  return c;
}

/** Routes of this file. */
export const contactRoutes: Record<string, ApiRoute> = {
  'contact/sync': { handler: contactSync },
  'contact/sync/list': { handler: contactList },
  'contact/sync/all': { handler: contactAll },
  'contact/describe': { handler: describe, mutating: true },
};
