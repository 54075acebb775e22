/**
 * A human-like session through the real API client: alice talks to bob; bob's long poll must
 * deliver exactly the records Fleep would (tags, states, flow/revision numbers), and each
 * waiting poll must be released by the event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleepClient } from '../../src/api/client.js';
import { FleepApiError } from '../../src/api/errors.js';
import { markup } from '../../src/api/index.js';
import type { ConvRecord, FleepRecord, MessageRecord } from '../../src/api/records.js';
import { MessageState } from '../../src/api/records.js';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import { clientFor, msgOf, start } from './helpers.js';

let sb: SandboxHandle;
let alice: FleepClient;
let bob: FleepClient;
let carol: FleepClient;
let aliceId: string;
let bobId: string;
let carolId: string;
let conv: string;
let bobH: number;

/** Waits until the sandbox holds `n` polls (event-driven turns, no timers). */
async function heldPolls(n: number): Promise<void> {
  for (let i = 0; i < 10_000 && sb.state.streams.waiting < n; i++) await new Promise<void>((r) => setImmediate(r));
  expect(sb.state.streams.waiting).toBe(n);
}

/** Starts bob's waiting poll, runs `action` while it is held, and returns what the poll delivered. */
async function bobSees(action: () => Promise<unknown>): Promise<FleepRecord[]> {
  let settled = false;
  const poll = bob.poll(bobH, { wait: true }).finally(() => {
    settled = true;
  });
  await heldPolls(1);
  expect(settled).toBe(false);
  await action();
  const res = await poll;
  // Released by the event: it carries the records. The hold outlasts the test timeout, so an
  // expired hold (which would answer an empty stream) cannot reach this line.
  expect(res.stream.length).toBeGreaterThan(0);
  expect(res.event_horizon).toBe(bobH + res.stream.length);
  bobH = res.event_horizon;
  return res.stream;
}

function onlyMessage(records: FleepRecord[]): MessageRecord {
  const msgs = records.filter(msgOf(conv));
  expect(msgs).toHaveLength(1);
  return msgs[0] as MessageRecord;
}

beforeAll(async () => {
  sb = await start({ holdMs: 600_000 });
  [alice, bob, carol] = await Promise.all([clientFor(sb, 'alice@example.com'), clientFor(sb, 'bob@example.com'), clientFor(sb, 'carol@example.com')]);
  aliceId = sb.accounts['alice@example.com'] as string;
  bobId = sb.accounts['bob@example.com'] as string;
  carolId = sb.accounts['carol@example.com'] as string;
  bobH = (await bob.accountSync()).event_horizon;
});
afterAll(() => sb.close());

describe('a conversation as bob sees it', () => {
  it('create: conv header and the create system message', async () => {
    const stream = await bobSees(async () => {
      const res = await alice.createConversation({ topic: 'Plans', accountIds: [bobId] });
      conv = res.header.conversation_id;
    });
    const header = stream.find((r): r is ConvRecord => r.mk_rec_type === 'conv') as ConvRecord;
    expect(header).toMatchObject({ conversation_id: conv, topic: 'Plans', members: [aliceId, bobId], can_post: true, last_message_nr: 1, profile_id: bobId });
    const create = onlyMessage(stream);
    expect(create).toMatchObject({ message_nr: 1, mk_message_type: 'create', mk_message_state: MessageState.system, account_id: aliceId });
    // The create body lists the members other than the creator (PROTOCOL.md §R2.13).
    expect(JSON.parse(create.message as string)).toEqual({ members: [bobId], topic: 'Plans', org_name: null, organisation_id: null });
  });

  it('send: a new message_nr without flow numbers, rendered XML, mention, unread count', async () => {
    const stream = await bobSees(() => alice.sendMessage(conv, markup('hello *bob* @bob')));
    const m = onlyMessage(stream);
    expect(m).toMatchObject({
      message_nr: 2,
      prev_message_nr: 1,
      account_id: aliceId,
      mk_message_type: 'text',
      mk_message_state: MessageState.plain,
      tags: [],
      message: '<msg><p>hello <b flp="*" fls="*">bob</b> @bob</p></msg>',
      mention_ids: [bobId],
    });
    expect(m.flow_message_nr).toBeUndefined();
    expect(m.revision_message_nr).toBeUndefined();
    expect(stream.find((r) => r.mk_rec_type === 'conv')).toMatchObject({ last_message_nr: 2, unread_count: 1, my_message_nr: 2 });
  });

  it('escaped text (a plain string) arrives without markup', async () => {
    const m = onlyMessage(await bobSees(() => alice.sendMessage(conv, '*not bold* _nor italic_')));
    expect(m.message_nr).toBe(3);
    expect(m.message).not.toContain('<b');
    expect(m.message).not.toContain('<i');
  });

  it('pin, unpin, task, done, reopen: each takes a new flow slot on the original record', async () => {
    const steps: Array<[string[], string, string[], number]> = [
      [['pin'], MessageState.pinned, ['is_shared', 'pin'], 4],
      [['pin', 'is_archived'], MessageState.unpinned, ['is_archived', 'is_shared', 'unpin'], 5],
      [['is_todo'], MessageState.todo, ['is_shared', 'is_task', 'is_todo'], 6],
      [['is_done'], MessageState.done, ['is_shared', 'is_task', 'is_done'], 7],
      [['is_todo'], MessageState.todo, ['is_shared', 'is_task', 'is_todo'], 8],
    ];
    for (const [tags, state, wireTags, slot] of steps) {
      const stream = await bobSees(() => alice.storeMessage(conv, { messageNr: 2, tags }));
      const m = onlyMessage(stream);
      expect(m).toMatchObject({ message_nr: 2, mk_message_state: state, tags: wireTags, flow_message_nr: slot, edit_account_id: aliceId, is_edit: true });
      expect(m.revision_message_nr).toBeUndefined();
      expect(stream.find((r) => r.mk_rec_type === 'conv')).toMatchObject({ last_message_nr: slot });
    }
  });

  it('assignees and reactions', async () => {
    let m = onlyMessage(await bobSees(() => alice.storeMessage(conv, { messageNr: 2, assigneeIds: [bobId] })));
    expect(m).toMatchObject({ assignee_ids: [bobId], assigner_id: aliceId, flow_message_nr: 9 });
    m = onlyMessage(await bobSees(() => alice.storeMessage(conv, { messageNr: 2, addReactions: ['👍'] })));
    expect(m.reactions).toEqual([{ reaction: '👍', account_ids: [aliceId] }]);
    m = onlyMessage(await bobSees(() => bob.storeMessage(conv, { messageNr: 2, addReactions: ['👍'] })));
    expect(m.reactions).toEqual([{ reaction: '👍', account_ids: [aliceId, bobId] }]);
    m = onlyMessage(await bobSees(() => alice.storeMessage(conv, { messageNr: 2, deleteReactions: ['👍'] })));
    expect(m).toMatchObject({ reactions: [{ reaction: '👍', account_ids: [bobId] }], flow_message_nr: 12 });
  });

  it('edit by the author; bob may not edit (431)', async () => {
    const m = onlyMessage(await bobSees(() => alice.editMessage(conv, 2, 'fixed')));
    expect(m).toMatchObject({ message_nr: 2, message: '<msg><p>fixed</p></msg>', edit_account_id: aliceId, flow_message_nr: 13, mention_ids: [] });
    expect(typeof m.edited_time).toBe('number');
    const err = await bob.editMessage(conv, 2, 'mine').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FleepApiError);
    expect((err as FleepApiError).status).toBe(431);
  });

  it('delete by another member', async () => {
    const m = onlyMessage(await bobSees(() => bob.deleteMessage(conv, 3)));
    expect(m).toMatchObject({ message_nr: 3, message: '', tags: ['is_deleted', 'is_deleted'], mk_message_state: MessageState.deleted, edit_account_id: bobId, flow_message_nr: 14 });
  });

  it('topic change: topic system message and conv record', async () => {
    const stream = await bobSees(() => alice.storeConversation(conv, { topic: 'Renamed' }));
    const m = onlyMessage(stream);
    expect(m).toMatchObject({ message_nr: 15, mk_message_type: 'topic', mk_message_state: MessageState.system });
    expect(JSON.parse(m.message as string)).toEqual({ topic: 'Renamed' });
    expect(stream.find((r) => r.mk_rec_type === 'conv')).toMatchObject({ topic: 'Renamed', last_message_nr: 15 });
  });

  it('add and remove a member: add/kick messages, carol sees her side', async () => {
    const carolH = (await carol.accountSync()).event_horizon;
    let stream = await bobSees(() => alice.storeConversation(conv, { addAccountIds: [carolId] }));
    let m = onlyMessage(stream);
    expect(m).toMatchObject({ mk_message_type: 'add', message_nr: 16 });
    expect(JSON.parse(m.message as string)).toEqual({ members: [carolId] });
    expect(stream.find((r) => r.mk_rec_type === 'conv')).toMatchObject({ members: [aliceId, bobId, carolId] });
    const carolSaw = await carol.poll(carolH, { wait: false });
    expect(carolSaw.stream.find((r) => r.mk_rec_type === 'conv')).toMatchObject({ conversation_id: conv, can_post: true, join_message_nr: 16 });

    stream = await bobSees(() => alice.storeConversation(conv, { removeAccountIds: [carolId] }));
    m = onlyMessage(stream);
    expect(m).toMatchObject({ mk_message_type: 'kick', message_nr: 17 });
    expect(JSON.parse(m.message as string)).toEqual({ members: [carolId] });
    const carolLater = await carol.poll(carolSaw.event_horizon, { wait: false });
    expect(carolLater.stream.find((r) => r.mk_rec_type === 'conv')).toMatchObject({ can_post: false, leavers: [carolId] });
    const err = await carol.sendMessage(conv, 'still here?').catch((e: unknown) => e);
    expect((err as FleepApiError).status).toBe(431);
  });

  it('leave: a leave message with an empty body, can_post false for the leaver', async () => {
    const stream = await bobSees(() => alice.leaveConversation(conv));
    expect(onlyMessage(stream)).toMatchObject({ mk_message_type: 'leave', message: '', account_id: aliceId });
    expect(stream.find((r) => r.mk_rec_type === 'conv')).toMatchObject({ members: [bobId], leavers: [carolId, aliceId] });
  });

  it('a poll with wait:false answers at once with the same horizon when nothing happened', async () => {
    const res = await bob.poll(bobH, { wait: false });
    expect(res).toMatchObject({ event_horizon: bobH, stream: [] });
  });
});
