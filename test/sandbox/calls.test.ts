/** Every read call and the less common mutating calls, through the API client. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleepClient } from '../../src/api/client.js';
import { markup } from '../../src/api/index.js';
import type { ConvRecord, FleepRecord, MessageRecord } from '../../src/api/records.js';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import { clientFor, msgOf, pollUntil, rawLogin, start } from './helpers.js';

let sb: SandboxHandle;
let alice: FleepClient;
let bob: FleepClient;
let team: string;
let direct: string;

beforeAll(async () => {
  sb = await start();
  [alice, bob] = await Promise.all([clientFor(sb, 'alice@example.com'), clientFor(sb, 'bob@example.com')]);
  const convs = [...sb.state.conversations.values()];
  team = convs.find((c) => c.topic === 'Team')?.conversation_id as string;
  direct = convs.find((c) => c.topic === '')?.conversation_id as string;
  for (let i = 1; i <= 14; i++) await alice.sendMessage(team, `m${i}`);
});
afterAll(() => sb.close());

const nrs = (stream: FleepRecord[]): number[] => stream.filter((r): r is MessageRecord => r.mk_rec_type === 'message').map((r) => r.message_nr);

describe('account/poll initial sync', () => {
  it('horizon 0: contacts, conv headers (ic_tiny) and last messages, at the current horizon', async () => {
    const res = await alice.poll(0, { wait: false });
    const { event_horizon } = await alice.accountSync();
    expect(res.event_horizon).toBe(event_horizon);
    expect(res.sync_progress).toBe(1);
    expect(res.stream.filter((r) => r.mk_rec_type === 'contact')).toHaveLength(4);
    const convs = res.stream.filter((r): r is ConvRecord => r.mk_rec_type === 'conv');
    expect(convs.map((c) => c.conversation_id).sort()).toEqual([team, direct].sort());
    expect(convs[0]?.mk_init_mode).toBe('ic_tiny');
    expect(res.stream.some((r) => r.mk_rec_type === 'message' && r.conversation_id === team && r.message_nr === 15)).toBe(true);
  });

  it('skip_rest leaves the conversations out', async () => {
    const res = await alice.poll(0, { wait: false, pollFlags: ['skip_rest'] });
    expect(res.stream.some((r) => r.mk_rec_type === 'contact')).toBe(true);
    expect(res.stream.filter((r) => r.mk_rec_type === 'conv' || r.mk_rec_type === 'message')).toEqual([]);
  });

  it('a horizon from the future (a reset world) answers 0 so the client resyncs', async () => {
    const res = await alice.poll(10_000_000, { wait: true });
    expect(res).toMatchObject({ event_horizon: 0, stream: [] });
  });
});

describe('conversation/sync modes', () => {
  it('ic_header: header only; ic_tiny: the last message', async () => {
    const header = await alice.syncConversation(team, { mode: 'ic_header' });
    expect(header.stream).toEqual([]);
    expect(header.header).toMatchObject({ conversation_id: team, topic: 'Team', last_message_nr: 15 });
    expect(nrs((await alice.syncConversation(team, { mode: 'ic_tiny' })).stream)).toEqual([15]);
  });

  it('forward flow sync pages ten slots at a time and reports fw_message_nr', async () => {
    const page = await alice.syncConversation(team, { fromMessageNr: 0 });
    expect(nrs(page.stream)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(page.header.fw_message_nr).toBe(10);
    const next = await alice.syncConversation(team, { fromMessageNr: 10 });
    expect(nrs(next.stream)).toEqual([11, 12, 13, 14, 15]);
    expect(next.header.fw_message_nr).toBe(15);
  });

  it('forward flow sync includes changed older messages once (their change slots)', async () => {
    await alice.storeMessage(team, { messageNr: 3, tags: ['pin'] });
    const page = await alice.syncConversation(team, { fromMessageNr: 15 });
    expect(page.stream).toHaveLength(1);
    expect(page.stream[0]).toMatchObject({ message_nr: 3, flow_message_nr: 16 });
  });

  it('ic_end, ic_backward, ic_forward, ic_flow, ic_full and ic_pinboard', async () => {
    expect(nrs((await alice.syncConversation(team, { mode: 'ic_end' })).stream)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const back = await alice.syncConversation(team, { mode: 'ic_backward', fromMessageNr: 6 });
    expect(nrs(back.stream)).toEqual([1, 2, 3, 4, 5]);
    expect(back.header.bw_message_nr).toBe(1);
    expect(nrs((await alice.syncConversation(team, { mode: 'ic_forward', fromMessageNr: 12 })).stream)).toEqual([13, 14, 15]);
    expect(nrs((await alice.syncConversation(team, { mode: 'ic_flow', fromMessageNr: 8 })).stream)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    const full = await bob.syncConversation(team, { mode: 'ic_full' });
    expect(nrs(full.stream)).toContain(3);
    expect(nrs((await alice.syncConversation(team, { mode: 'ic_pinboard' })).stream)).toEqual([3]);
  });

  it('sync_pins and sync_pinboard list pinned messages', async () => {
    const pins = await alice.syncPins(team);
    expect(nrs(pins.stream)).toEqual([3]);
    const raw = await rawLogin(sb, 'alice@example.com');
    const res = await raw.call(`conversation/sync_pins/${team}`);
    expect(nrs(res.body.stream as FleepRecord[])).toEqual([3]);
  });
});

describe('read horizon, copy, poke, create', () => {
  it('mark_read only moves forward; conversation/store read_message_nr can move back (is_mark_unread)', async () => {
    const h = (await bob.accountSync()).event_horizon;
    await bob.markRead(team, 10);
    let header = (await bob.syncConversation(team, { mode: 'ic_header' })).header;
    expect(header).toMatchObject({ read_message_nr: 10, unread_count: 5 });
    await bob.markRead(team, 5);
    header = (await bob.syncConversation(team, { mode: 'ic_header' })).header;
    expect(header.read_message_nr).toBe(10);
    await bob.storeConversation(team, { readMessageNr: 4 });
    header = (await bob.syncConversation(team, { mode: 'ic_header' })).header;
    expect(header).toMatchObject({ read_message_nr: 4, is_mark_unread: true });
    const { records } = await pollUntil(alice, (await alice.accountSync()).event_horizon - 10, (r) => r.mk_rec_type === 'activity');
    expect(records[0]).toMatchObject({ conversation_id: team });
    expect(h).toBeGreaterThan(0);
  });

  it('message/copy posts a copy into another conversation', async () => {
    const res = await alice.copyMessage(team, 2, direct);
    expect(res.header.conversation_id).toBe(direct);
    expect(res.stream[0]).toMatchObject({ conversation_id: direct, message: '<msg><p>m1</p></msg>' });
  });

  it('conversation/poke puts a poke record into the caller\'s stream', async () => {
    const h = (await alice.accountSync()).event_horizon;
    await alice.poke(team, 424242);
    const res = await alice.poll(h, { wait: false });
    expect(res.stream).toEqual([{ mk_rec_type: 'poke', conversation_id: team, message_nr: 424242, profile_id: sb.accounts['alice@example.com'] }]);
  });

  it('conversation/create with emails and a first message', async () => {
    const res = await alice.call<{ header: ConvRecord; stream: FleepRecord[] }>('conversation/create', { topic: 'Mail', emails: 'bob@example.com, carol@example.com', message: 'first' });
    expect(res.header.members).toHaveLength(3);
    expect(res.header.mk_init_mode).toBe('ic_full');
    expect(nrs(res.stream)).toEqual([1, 2]);
  });

  it('a client_req_id yields a request record in the sender\'s stream', async () => {
    const h = (await alice.accountSync()).event_horizon;
    await alice.sendMessage(team, 'with id', { clientReqId: 'req-1' });
    const { records } = await pollUntil(alice, h, (r) => r.mk_rec_type === 'request');
    expect(records[0]).toEqual({ mk_rec_type: 'request', client_req_id: 'req-1', conversation_id: team, result_message_nr: 17 });
  });
});

describe('contacts, search, files, classificators', () => {
  it('contact/sync, contact/sync/list, contact/sync/all', async () => {
    const bobId = sb.accounts['bob@example.com'] as string;
    expect(await alice.syncContact(bobId)).toMatchObject({ mk_rec_type: 'contact', account_id: bobId, email: 'bob@example.com', display_name: 'Bob', fleep_address: 'bob' });
    const list = await alice.call<{ contacts: unknown[] }>('contact/sync/list', { contacts: [bobId, 'missing'] });
    expect(list.contacts).toHaveLength(1);
    // The accounts alice shares a conversation with, not alice herself (PROTOCOL.md §R2.6).
    expect((await alice.syncAllContacts()).contacts).toHaveLength(3);
    expect((await alice.syncAllContacts({ ignore: [bobId] })).contacts).toHaveLength(2);
    expect((await alice.syncAllContacts({ searchStr: 'car' })).contacts.map((c) => c.email)).toEqual(['carol@example.com']);
  });

  it('search finds substrings in the caller\'s conversations only', async () => {
    await alice.sendMessage(direct, 'secret deploy plan');
    await alice.sendMessage(team, 'Deploy tonight');
    const mine = await alice.search('deploy');
    expect(mine.matches.map((m) => m.conversation_id).sort()).toEqual([direct, team].sort());
    expect(mine.headers).toHaveLength(2);
    const bobs = await bob.search('deploy');
    expect(bobs.matches.map((m) => m.conversation_id)).toEqual([team]);
    expect((await alice.search('deploy', { conversationId: direct })).matches).toHaveLength(1);
  });

  it('file/upload (multipart and PUT) then send with attachments', async () => {
    const up = await alice.uploadFile([{ name: 'notes.txt', data: Buffer.from('hello file'), contentType: 'text/plain' }]);
    const file = up.files[0] as { upload_url: string; size: number; name: string };
    expect(file).toMatchObject({ name: 'notes.txt', size: 10 });
    const raw = await rawLogin(sb, 'alice@example.com');
    const put = await fetch(`${sb.url}/api/file/upload/?ticket=${raw.ticket}`, {
      method: 'PUT',
      headers: { cookie: raw.cookie, 'content-type': 'image/png', 'content-disposition': 'attachment; filename="a.png"' },
      body: Buffer.from([1, 2, 3]),
    });
    expect(put.status).toBe(200);
    const h = (await bob.accountSync()).event_horizon;
    await alice.sendMessage(team, 'see file', { attachments: [file.upload_url] });
    const { records, all } = await pollUntil(bob, h, (r) => r.mk_rec_type === 'file');
    const fileRec = records[0] as { attachment_id: string; file_url: string; message_nr: number };
    expect(fileRec).toMatchObject({ file_name: 'notes.txt', file_size: 10, file_type: 'text/plain' });
    const msg = all.find(msgOf(team, fileRec.message_nr as number)) as MessageRecord;
    expect(msg.message).toBe(`<msg><p>see file</p><file key="${fileRec.attachment_id}">notes.txt</file></msg>`);
    const download = await fetch(sb.url + fileRec.file_url);
    expect(await download.text()).toBe('hello file');
  });

  it('api/classificators without a session', async () => {
    const res = await fetch(`${sb.url}/api/classificators`, { method: 'POST', body: '{}' });
    expect(await res.json()).toMatchObject({ mk_account_status: ['new', 'active', 'banned', 'closed'] });
  });

  it('markup renders on send (bold, link, quote)', async () => {
    const res = await alice.sendMessage(team, markup('> quoted\nsee www.example.com'));
    expect((res.stream[0] as MessageRecord).message).toBe('<msg><p><q>&gt; quoted</q><br/>see <a href="http://www.example.com">www.example.com</a></p></msg>');
    expect(msgOf(team)(res.stream[0] as FleepRecord)).toBe(true);
  });
});
