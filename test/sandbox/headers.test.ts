/**
 * Conversation headers (PROTOCOL.md §R2.2, §R2.7, §R2.8): delta headers carry §R2.7's keys and
 * never the init keys; only init headers carry both `fw_message_nr` and `bw_message_nr`; the
 * read horizon, inbox and unread numbers follow Fleep's recorded `read.spec.js` flow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import { rawLogin, start } from './helpers.js';
import type { Raw } from './helpers.js';

type Rec = Record<string, unknown>;

let sb: SandboxHandle;
let alice: Raw;
let bob: Raw;
let carol: Raw;
let conv: string;

/** §R2.7: the exact keys of the header answering a first post. */
const DELTA_KEYS = [
  'mk_rec_type', 'conversation_id', 'profile_id', 'join_message_nr', 'last_message_nr', 'read_message_nr', 'show_message_nr',
  'send_message_nr', 'inbox_message_nr', 'last_inbox_nr', 'read_inbox_nr', 'unread_count', 'is_mark_unread', 'mk_alert_level',
  'snooze_interval', 'snooze_time', 'is_muted', 'is_automute', 'is_list', 'label_ids', 'teams', 'has_pinboard', 'has_taskboard',
  'has_task_archive', 'has_done_notifications', 'export_files', 'export_progress', 'passive', 'pending', 'inbox_time', 'last_message_time',
];
const MEMBERSHIP_KEYS = ['members', 'leavers', 'admins', 'guests', 'default_members', 'creator_id', 'can_post', 'topic', 'topic_message_nr', 'mk_conv_type', 'organisation_id', 'is_managed', 'is_premium', 'has_email_subject'];
const INIT_KEYS = ['is_init', 'mk_init_mode', 'is_full', 'is_tiny', 'fw_message_nr', 'bw_message_nr', 'begin_message_nr', 'autojoin_url', 'cmail'];

const headerOf = (res: { body: Rec }): Rec => res.body.header as Rec;
function lastConv(stream: Rec[]): Rec {
  return stream.filter((r) => r.mk_rec_type === 'conv' && r.conversation_id === conv).at(-1) as Rec;
}

beforeAll(async () => {
  sb = await start();
  [alice, bob, carol] = (await Promise.all(['alice', 'bob', 'carol'].map((p) => rawLogin(sb, `${p}@example.com`)))) as [Raw, Raw, Raw];
});
afterAll(() => sb.close());

describe('headers along Fleep\'s read.spec flow', () => {
  it('create answers an init ic_full header; bob and carol start unread at 0', async () => {
    const res = await alice.call('conversation/create', { topic: 'readings', account_ids: [bob.accountId, carol.accountId] });
    const h = headerOf(res);
    conv = h.conversation_id as string;
    for (const k of [...INIT_KEYS, ...MEMBERSHIP_KEYS, ...DELTA_KEYS]) expect(h).toHaveProperty(k);
    expect(h).toMatchObject({ is_init: true, mk_init_mode: 'ic_full', bw_message_nr: 1, fw_message_nr: 1, last_message_nr: 1, read_message_nr: 1 });
    expect(h).not.toHaveProperty('my_message_nr');
  });

  it('a first post answers exactly §R2.7\'s delta header', async () => {
    const res = await alice.call(`message/send/${conv}`, { message: 'one' });
    expect(Object.keys(headerOf(res)).sort()).toEqual([...DELTA_KEYS].sort());
    expect(headerOf(res)).toMatchObject({ join_message_nr: 1, last_message_nr: 2, read_message_nr: 2, show_message_nr: 2, send_message_nr: 1, inbox_message_nr: 2, last_inbox_nr: 1, read_inbox_nr: 1, unread_count: 0, export_progress: '1' });
  });

  it('alice after 2–4: read 4, inbox 4, last_inbox_nr 3', async () => {
    await alice.call(`message/send/${conv}`, { message: 'two' });
    const res = await alice.call(`message/send/${conv}`, { message: 'three' });
    expect(headerOf(res)).toMatchObject({ read_message_nr: 4, inbox_message_nr: 4, unread_count: 0, last_message_nr: 4, show_message_nr: 4, last_inbox_nr: 3 });
  });

  it('bob: conversation/sync ic_full is an init header (bw 1, fw 4), read 0, inbox 2, unread 3', async () => {
    const res = await bob.call(`conversation/sync/${conv}`, { mk_direction: 'ic_full' });
    expect(headerOf(res)).toMatchObject({ is_init: true, mk_init_mode: 'ic_full', bw_message_nr: 1, fw_message_nr: 4, read_message_nr: 0, inbox_message_nr: 2, unread_count: 3, last_message_nr: 4, show_message_nr: 4 });
  });

  it('bob: conversation/store read_message_nr 4 answers a delta header without init keys', async () => {
    const h = headerOf(await bob.call(`conversation/store/${conv}`, { read_message_nr: 4 }));
    expect(h).toMatchObject({ read_message_nr: 4, inbox_message_nr: 4, unread_count: 0, last_message_nr: 4, show_message_nr: 4 });
    for (const k of INIT_KEYS) expect(h).not.toHaveProperty(k);
  });

  it('carol: conversation/mark_read answers the tiny init: bw = fw = 4 with message 4 attached', async () => {
    const res = await carol.call(`conversation/mark_read/${conv}`, {});
    expect(headerOf(res)).toMatchObject({ mk_init_mode: 'ic_tiny', is_init: true, is_full: true, is_tiny: true, bw_message_nr: 4, fw_message_nr: 4, read_message_nr: 4, inbox_message_nr: 4, unread_count: 0, last_inbox_nr: 3, topic: 'readings', can_post: true });
    expect((res.body.stream as Rec[]).map((r) => r.message_nr)).toEqual([4]);
  });

  it('carol: store read_message_nr 1 moves back: inbox 2, unread 3, is_mark_unread', async () => {
    const h = headerOf(await carol.call(`conversation/store/${conv}`, { read_message_nr: 1 }));
    expect(h).toMatchObject({ read_message_nr: 1, inbox_message_nr: 2, unread_count: 3, last_message_nr: 4, is_mark_unread: true });
  });

  it('carol leaves: her read horizon moves to the leave message (5), send 5, can_post false', async () => {
    const h = headerOf(await carol.call(`conversation/leave/${conv}`, {}));
    expect(h).toMatchObject({ read_message_nr: 5, inbox_message_nr: 4, unread_count: 0, last_message_nr: 5, show_message_nr: 5, send_message_nr: 5, can_post: false });
    for (const k of INIT_KEYS) expect(h).not.toHaveProperty(k);
  });

  it('carol re-added: what was posted while away counts as read; begin 7, join 1, send 7', async () => {
    await alice.call(`message/send/${conv}`, { message: 'while away' });
    const before = (await carol.call('account/sync')).body.event_horizon as number;
    await alice.call(`conversation/add_members/${conv}`, { emails: 'carol@example.com' });
    await alice.call(`message/send/${conv}`, { message: 'welcome back' });
    const stream = (await carol.call('account/poll', { event_horizon: before, wait: false })).body.stream as Rec[];
    const init = stream.find((r) => r.mk_rec_type === 'conv' && r.is_init === true) as Rec;
    expect(init).toMatchObject({ begin_message_nr: 7, join_message_nr: 1, send_message_nr: 7, mk_init_mode: 'ic_full', can_post: true });
    expect(lastConv(stream)).toMatchObject({ read_message_nr: 6, inbox_message_nr: 8, unread_count: 1, last_message_nr: 8, show_message_nr: 8, join_message_nr: 1, send_message_nr: 7 });
  });
});

describe('which headers are init', () => {
  it('a system message sends members a delta header with the membership block, not an init one', async () => {
    const h0 = (await bob.call('account/sync')).body.event_horizon as number;
    await alice.call(`conversation/store/${conv}`, { topic: 'renamed' });
    const header = lastConv((await bob.call('account/poll', { event_horizon: h0, wait: false })).body.stream as Rec[]);
    expect(header).toMatchObject({ topic: 'renamed', members: expect.any(Array) });
    for (const k of INIT_KEYS) expect(header).not.toHaveProperty(k);
  });

  it('a forward page carries only fw_message_nr, a backward page only bw_message_nr', async () => {
    const fwd = headerOf(await alice.call(`conversation/sync/${conv}`, { from_message_nr: 0 }));
    expect(fwd).toHaveProperty('fw_message_nr');
    expect(fwd).not.toHaveProperty('bw_message_nr');
    const back = await alice.call(`conversation/sync_backward/${conv}`, { from_message_nr: 4 });
    expect(headerOf(back)).toMatchObject({ bw_message_nr: 1 });
    expect(headerOf(back)).not.toHaveProperty('fw_message_nr');
    expect((back.body.stream as Rec[]).map((r) => r.message_nr)).toEqual([1, 2, 3]);
  });

  it('the initial sync gives each conversation a tiny init header covering only its attached message', async () => {
    const res = await bob.call('account/poll', { event_horizon: 0, wait: false });
    const stream = res.body.stream as Rec[];
    const header = stream.find((r) => r.mk_rec_type === 'conv' && r.conversation_id === conv) as Rec;
    expect(header).toMatchObject({ mk_init_mode: 'ic_tiny', is_init: true, topic: 'renamed' });
    expect(header.bw_message_nr).toBe(header.fw_message_nr);
    const attached = stream.filter((r) => r.mk_rec_type === 'message' && r.conversation_id === conv);
    expect(attached.map((r) => r.message_nr)).toEqual([header.bw_message_nr]);
  });

  it('sync_pins answers pin_horizon 0 once every pin was sent, so a paging client stops', async () => {
    await alice.call(`message/store/${conv}`, { message_nr: 2, tags: ['pin'] });
    const res = await alice.call(`conversation/sync_pins/${conv}`, { from_message_nr: 0 });
    expect(headerOf(res).pin_horizon).toBe(0);
    expect((res.body.stream as Rec[]).map((r) => r.message_nr)).toEqual([2]);
  });
});
