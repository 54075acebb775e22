/**
 * Members and contacts as Fleep handles them (PROTOCOL.md §R2.6, §R2.9, §R2.13): a fold into
 * the create message before the first post, newcomers' contacts, known contacts only, Fleep
 * addresses and e-mails without an account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageState } from '../../src/api/records.js';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import { rawLogin, start } from './helpers.js';
import type { Raw } from './helpers.js';

type Rec = Record<string, unknown>;

let sb: SandboxHandle;
let alice: Raw;
let bob: Raw;
let carol: Raw;

async function since(who: Raw, h: number): Promise<Rec[]> {
  return (await who.call('account/poll', { event_horizon: h, wait: false })).body.stream as Rec[];
}
const horizon = async (who: Raw): Promise<number> => (await who.call('account/sync')).body.event_horizon as number;

beforeAll(async () => {
  sb = await start();
  [alice, bob, carol] = (await Promise.all(['alice', 'bob', 'carol'].map((p) => rawLogin(sb, `${p}@example.com`)))) as [Raw, Raw, Raw];
});
afterAll(() => sb.close());

describe('adding members', () => {
  it('before the first post: message 1 re-sent with the longer list and flow 2, plus activity; the next post is 3', async () => {
    const conv = ((await alice.call('conversation/create', { topic: 'members' })).body.header as Rec).conversation_id as string;
    const res = await alice.call(`conversation/add_members/${conv}`, { emails: 'bob@example.com' });
    const stream = res.body.stream as Rec[];
    const create = stream.find((r) => r.mk_rec_type === 'message') as Rec;
    expect(create).toMatchObject({ message_nr: 1, flow_message_nr: 2, prev_message_nr: 0, inbox_nr: 0, mk_message_type: 'create', tags: [], edit_account_id: alice.accountId, mk_message_state: MessageState.system });
    expect(JSON.parse(create.message as string)).toEqual({ members: [bob.accountId], org_name: null, organisation_id: null, topic: 'members' });
    expect(stream).toContainEqual(expect.objectContaining({ mk_rec_type: 'activity', conversation_id: conv, account_id: bob.accountId, join_message_nr: 1 }));
    expect(res.body.header).toMatchObject({ members: [alice.accountId, bob.accountId], leavers: [], last_message_nr: 2, read_message_nr: 1, show_message_nr: 1, inbox_message_nr: 1, join_message_nr: 1, last_inbox_nr: 0, send_message_nr: 1 });
    const post = (await alice.call(`message/send/${conv}`, { message: 'first' })).body.stream as Rec[];
    expect(post[0]).toMatchObject({ message_nr: 3, prev_message_nr: 1 });
  });

  it('after a post: an add message {members:[added]}; the newcomer gets an init header and the others\' contacts, the others get hers', async () => {
    const conv = ((await alice.call('conversation/create', { topic: 'later', account_ids: [bob.accountId] })).body.header as Rec).conversation_id as string;
    await alice.call(`message/send/${conv}`, { message: 'hi' });
    const [hb, hc] = [await horizon(bob), await horizon(carol)];
    const res = await alice.call(`conversation/add_members/${conv}`, { emails: 'carol@example.com' });
    const add = (res.body.stream as Rec[]).find((r) => r.mk_rec_type === 'message') as Rec;
    expect(add).toMatchObject({ message_nr: 3, mk_message_type: 'add' });
    expect(JSON.parse(add.message as string)).toEqual({ members: [carol.accountId] });
    const bobSaw = await since(bob, hb);
    expect(bobSaw).toContainEqual(expect.objectContaining({ mk_rec_type: 'contact', account_id: carol.accountId, email: 'carol@example.com' }));
    const carolSaw = await since(carol, hc);
    expect(carolSaw.filter((r) => r.mk_rec_type === 'contact').map((r) => r.account_id).sort()).toEqual([alice.accountId, bob.accountId].sort());
    expect(carolSaw.find((r) => r.mk_rec_type === 'conv')).toMatchObject({ conversation_id: conv, is_init: true, begin_message_nr: 3, can_post: true });
  });

  it('a contact record has the recorded public shape: unset optionals absent', async () => {
    const contact = (await alice.call('contact/sync', { contact_id: bob.accountId })).body;
    expect(Object.keys(contact).sort()).toEqual(['account_id', 'activity_time', 'dialog_id', 'display_name', 'email', 'fleep_address', 'is_hidden_for_add', 'mk_account_status', 'mk_rec_type', 'organisation_id', 'sort_rank'].sort());
  });

  it('contact/sync/all lists the accounts the caller shares a conversation with, not itself, not strangers', async () => {
    const res = await fetch(`${sb.url}/sandbox/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'stranger@example.com', password: 'demo' }) });
    expect(res.status).toBe(200);
    const emails = ((await alice.call('contact/sync/all', { ignore: [] })).body.contacts as Rec[]).map((c) => c.email);
    expect(emails).not.toContain('alice@example.com');
    expect(emails).not.toContain('stranger@example.com');
    expect(emails).toEqual(expect.arrayContaining(['bob@example.com', 'carol@example.com']));
  });

  it('<fleep_address>@fleep.io is accepted wherever an e-mail is', async () => {
    const res = await alice.call('conversation/create', { topic: 'addr', emails: 'bob@fleep.io, carol@fleep.io' });
    expect((res.body.header as Rec).members).toEqual([alice.accountId, bob.accountId, carol.accountId]);
    const lookup = await alice.call('account/lookup', { lookup_list: ['carol@fleep.io'], ignore_list: [] });
    expect(lookup.body.stream).toEqual([expect.objectContaining({ account_id: carol.accountId })]);
  });

  it('an e-mail without an account becomes a member with a `new` contact, and cannot log in', async () => {
    const res = await alice.call('conversation/create', { topic: 'guests', emails: 'someone@elsewhere.org' });
    const members = (res.body.header as Rec).members as string[];
    expect(members).toHaveLength(2);
    const contact = (await alice.call('contact/sync', { contact_id: members[1] })).body;
    expect(contact).toMatchObject({ email: 'someone@elsewhere.org', mk_account_status: 'new', sort_rank: 8 });
    expect(contact).not.toHaveProperty('fleep_address');
    const login = await fetch(`${sb.url}/api/account/login`, { method: 'POST', body: JSON.stringify({ email: 'someone@elsewhere.org', password: '' }) });
    expect(login.status).toBe(431);
  });

  it('inbox_message_nr ignores system messages', async () => {
    const conv = ((await alice.call('conversation/create', { topic: 'sys', account_ids: [bob.accountId] })).body.header as Rec).conversation_id as string;
    await alice.call(`conversation/set_topic/${conv}`, { topic: 'sys 2' });
    const h = (await bob.call(`conversation/sync/${conv}`, { mk_direction: 'ic_header' })).body.header as Rec;
    expect(h).toMatchObject({ inbox_message_nr: 1, last_inbox_nr: 0, unread_count: 0, last_message_nr: 2 });
  });
});
