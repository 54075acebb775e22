/**
 * The classic calls real clients make (PROTOCOL.md §R2.15), each with the shape the evidence
 * gives: hubot-fleep's `conversation/list`, the heart-beat monitor's `account/sync_pinboard`,
 * Fleep's python client's `sync_files`, `mark_unread`, `hide`…, the test suite's
 * `set_topic`/`remove_members`/`contact/describe`/`account/lookup`, iOS's `account/listen`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import { rawLogin, start } from './helpers.js';
import type { Raw } from './helpers.js';

type Rec = Record<string, unknown>;

let sb: SandboxHandle;
let alice: Raw;
let bob: Raw;
let conv: string;

const horizon = async (who: Raw): Promise<number> => (await who.call('account/sync')).body.event_horizon as number;
const ok = async (p: Promise<{ status: number; body: Rec }>): Promise<Rec> => {
  const res = await p;
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};

beforeAll(async () => {
  sb = await start();
  [alice, bob] = await Promise.all([rawLogin(sb, 'alice@example.com'), rawLogin(sb, 'bob@example.com')]);
  conv = ((await alice.call('conversation/create', { topic: 'classic', account_ids: [bob.accountId] })).body.header as Rec).conversation_id as string;
  for (let i = 1; i <= 4; i++) await alice.call(`message/send/${conv}`, { message: `m${i}` });
});
afterAll(() => sb.close());

describe('classic endpoints', () => {
  it('conversation/list {sync_horizon: 0}: conversations with conversation_id and last_message_nr; repeat until empty', async () => {
    const first = await ok(alice.call('conversation/list', { sync_horizon: 0 }));
    const convs = first.conversations as Rec[];
    expect(convs.length).toBeGreaterThan(0);
    expect(convs.find((c) => c.conversation_id === conv)).toMatchObject({ mk_rec_type: 'conv', last_message_nr: 5, topic: 'classic' });
    const next = await ok(alice.call('conversation/list', { sync_horizon: first.sync_horizon }));
    expect(next.conversations).toEqual([]);
  });

  it('conversation/set_topic answers sync with the new topic and a topic message', async () => {
    const res = await ok(alice.call(`conversation/set_topic/${conv}`, { topic: 'classic 2' }));
    expect(res.header).toMatchObject({ topic: 'classic 2' });
    expect(res.stream).toEqual([expect.objectContaining({ mk_message_type: 'topic', message: JSON.stringify({ topic: 'classic 2' }) })]);
  });

  it('conversation/remove_members {emails} posts kick {members:[ids]}', async () => {
    const other = ((await alice.call('conversation/create', { topic: 'kick', emails: 'bob@example.com, carol@example.com' })).body.header as Rec).conversation_id as string;
    const res = await ok(alice.call(`conversation/remove_members/${other}`, { emails: 'carol@example.com' }));
    const kick = (res.stream as Rec[])[0] as Rec;
    expect(kick.mk_message_type).toBe('kick');
    expect(JSON.parse(kick.message as string)).toEqual({ members: [sb.accounts['carol@example.com']] });
    expect(res.header).toMatchObject({ members: [alice.accountId, bob.accountId], leavers: [sb.accounts['carol@example.com']] });
  });

  it('account/sync_pinboard pages pins by pin_cursor until it is null', async () => {
    for (const nr of [2, 3, 4]) await alice.call(`message/store/${conv}`, { message_nr: nr, tags: ['pin'] });
    const seen: number[] = [];
    let weight: number | null = null;
    for (let page = 0; page < 5; page++) {
      const res = await ok(bob.call('account/sync_pinboard', { conversation_id: conv, pin_weight: weight, pin_limit: 2 }));
      seen.push(...(res.stream as Rec[]).map((r) => r.message_nr as number));
      const cursor = (res.header as Rec).pin_cursor as string | null;
      if (cursor === null) break;
      weight = (JSON.parse(cursor) as { pin_weight: number }).pin_weight;
    }
    expect(seen.sort()).toEqual([2, 3, 4]);
  });

  it('conversation/sync_files pages file records; file_horizon 0 when done', async () => {
    const up = await fetch(`${sb.url}/api/file/upload/?ticket=${alice.ticket}`, {
      method: 'PUT',
      headers: { cookie: alice.cookie, 'content-type': 'text/plain', 'content-disposition': 'attachment; filename="a.txt"' },
      body: 'aaa',
    });
    const url = (((await up.json()) as { files: Rec[] }).files[0] as Rec).upload_url;
    await alice.call(`message/send/${conv}`, { message: 'file', attachments: [url] });
    const res = await ok(bob.call(`conversation/sync_files/${conv}`, { from_message_nr: 0 }));
    expect(res.stream).toEqual([expect.objectContaining({ mk_rec_type: 'file', file_name: 'a.txt' })]);
    expect((res.header as Rec).file_horizon).toBe(0);
  });

  it('message/mark_unread moves the read horizon back so that message is unread', async () => {
    await ok(bob.call(`conversation/mark_read/${conv}`, {}));
    const res = await ok(bob.call(`message/mark_unread/${conv}`, { message_nr: 3 }));
    expect(res.header).toMatchObject({ read_message_nr: 2, is_mark_unread: true });
  });

  it('conversation/hide and unhide answer hide_message_nr; set_alerts answers mk_alert_level', async () => {
    const hidden = await ok(bob.call(`conversation/hide/${conv}`, {}));
    expect((hidden.header as Rec).hide_message_nr).toBeGreaterThan(0);
    const shown = await ok(bob.call(`conversation/unhide/${conv}`, {}));
    expect((shown.header as Rec).hide_message_nr).toBe(0);
    const alerts = await ok(bob.call(`conversation/set_alerts/${conv}`, { mk_alert_level: 'never' }));
    expect(alerts.header).toMatchObject({ mk_alert_level: 'never' });
    expect((await bob.call(`conversation/set_alerts/${conv}`, { mk_alert_level: 'loud' })).status).toBe(400);
  });

  it('account/configure answers the own contact (owner view); a new name reaches co-members; a second fleep_address change is a 431', async () => {
    const hb = await horizon(bob);
    const own = await ok(alice.call('account/configure', { display_name: 'Alice A.' }));
    expect(own).toMatchObject({ mk_rec_type: 'contact', account_id: alice.accountId, display_name: 'Alice A.', has_password: true });
    expect(own).toHaveProperty('client_flags');
    expect(own).toHaveProperty('storage_used_bytes');
    const seen = (await bob.call('account/poll', { event_horizon: hb, wait: false })).body.stream as Rec[];
    const contact = seen.find((r) => r.mk_rec_type === 'contact' && r.account_id === alice.accountId) as Rec;
    expect(contact).toMatchObject({ display_name: 'Alice A.' });
    expect(contact).not.toHaveProperty('client_flags');
    await ok(alice.call('account/configure', { fleep_address: 'alice.a' }));
    expect((await alice.call('account/configure', { fleep_address: 'alice.b' })).status).toBe(431);
  });

  it('contact/describe names a contact for the caller only', async () => {
    const h = await horizon(alice);
    const res = await ok(alice.call('contact/describe', { contact_id: bob.accountId, contact_name: 'Bobby', phone_nr: '+372 555' }));
    expect(res).toMatchObject({ account_id: bob.accountId, display_name: 'Bobby' });
    const stream = (await alice.call('account/poll', { event_horizon: h, wait: false })).body.stream as Rec[];
    expect(stream).toContainEqual(expect.objectContaining({ mk_rec_type: 'contact', account_id: bob.accountId, display_name: 'Bobby' }));
    expect((await ok(alice.call('contact/sync', { contact_id: bob.accountId }))).display_name).toBe('Bobby');
    const carol = await rawLogin(sb, 'carol@example.com');
    expect((await ok(carol.call('contact/sync', { contact_id: bob.accountId }))).display_name).toBe('Bob');
  });

  it('account/lookup {lookup_list} answers {stream: [contact…]}; an unknown e-mail gives a new contact usable in add_account_ids', async () => {
    const res = await ok(alice.call('account/lookup', { lookup_list: ['bob@example.com', 'nobody@else.org'], ignore_list: [] }));
    const stream = res.stream as Rec[];
    expect(stream.map((c) => c.email)).toEqual(['bob@example.com', 'nobody@else.org']);
    expect(stream[1]).toMatchObject({ mk_account_status: 'new' });
    const add = await ok(alice.call(`conversation/store/${conv}`, { add_account_ids: [stream[1]?.account_id] }));
    expect((add.header as Rec).members).toContain(stream[1]?.account_id);
  });

  it('account/listen answers the new horizon, conv_count and the new messages of others', async () => {
    const h = await horizon(bob);
    await alice.call(`message/send/${conv}`, { message: 'listen to this' });
    const res = await ok(bob.call('account/listen', { event_horizon: h, wait: false }));
    expect(res.event_horizon).toBeGreaterThan(h);
    expect(res.conv_count).toBeGreaterThanOrEqual(1);
    expect(res.messages).toEqual([expect.objectContaining({ conversation_id: conv, message: '<msg><p>listen to this</p></msg>', author_name: 'Alice A.' })]);
  });
});
