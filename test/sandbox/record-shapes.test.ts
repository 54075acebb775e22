/**
 * Message records carry exactly the keys Fleep's do (PROTOCOL.md §R2.3, §R2.4, §R2.12): a fixed
 * core, `is_edit`, and optional keys only when set — `pin_weight` only on pins and tasks,
 * `flow_message_nr` only on re-sent records (none on a `message/store` delete), never
 * `revision_message_nr`.
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
let conv: string;

/** The core keys of every message record (§R2.3) plus the post-2017 `is_edit`. */
const CORE = ['mk_rec_type', 'conversation_id', 'message_nr', 'prev_message_nr', 'account_id', 'profile_id', 'inbox_nr', 'lock_account_id', 'message', 'mk_message_type', 'mk_message_state', 'posted_time', 'tags', 'is_edit'];

const keys = (r: Rec): string[] => Object.keys(r).sort();

/** Runs `action` and returns what bob's stream received in the meantime. */
async function bobSees(action: () => Promise<unknown>): Promise<Rec[]> {
  const h = (await bob.call('account/sync')).body.event_horizon as number;
  await action();
  return (await bob.call('account/poll', { event_horizon: h, wait: false })).body.stream as Rec[];
}

const messageOf = (stream: Rec[], nr: number): Rec => stream.find((r) => r.mk_rec_type === 'message' && r.message_nr === nr) as Rec;

beforeAll(async () => {
  sb = await start();
  [alice, bob] = await Promise.all([rawLogin(sb, 'alice@example.com'), rawLogin(sb, 'bob@example.com')]);
  conv = ((await alice.call('conversation/create', { topic: 'shapes', account_ids: [bob.accountId] })).body.header as Rec).conversation_id as string;
});
afterAll(() => sb.close());

describe('message record shape', () => {
  it('a new plain message has exactly the core keys, in the response and in another member\'s poll', async () => {
    let res: Rec = {};
    const stream = await bobSees(async () => {
      res = (await alice.call(`message/send/${conv}`, { message: 'hello' })).body;
    });
    const mine = (res.stream as Rec[])[0] as Rec;
    expect(keys(mine)).toEqual([...CORE].sort());
    expect(mine).toMatchObject({ message_nr: 2, prev_message_nr: 1, inbox_nr: 1, lock_account_id: null, is_edit: false, tags: [], profile_id: alice.accountId, mk_message_state: MessageState.plain });
    const seen = messageOf(stream, 2);
    expect(keys(seen)).toEqual([...CORE].sort());
    expect(seen.profile_id).toBe(bob.accountId);
  });

  it('pin: flow number, editor, pinned_account_id, pin_weight, tags is_shared+pin (§R2.4)', async () => {
    const stream = await bobSees(() => alice.call(`message/store/${conv}`, { message_nr: 2, tags: ['pin'] }));
    const pin = messageOf(stream, 2);
    expect(keys(pin)).toEqual([...CORE, 'flow_message_nr', 'edit_account_id', 'edited_time', 'pinned_account_id', 'pin_weight'].sort());
    expect(pin).toMatchObject({ flow_message_nr: 3, edit_account_id: alice.accountId, pinned_account_id: alice.accountId, tags: ['is_shared', 'pin'], mk_message_state: MessageState.pinned, is_edit: true });
    expect(typeof pin.pin_weight).toBe('number');
  });

  it('unpin + edit: exactly the recorded keys, no pin_weight (§R2.4)', async () => {
    const res = (await alice.call(`message/store/${conv}`, { message_nr: 2, message: 'unpinMsg', tags: ['pin', 'is_archived'] })).body;
    const unpin = (res.stream as Rec[])[0] as Rec;
    expect(keys(unpin)).toEqual([...CORE, 'flow_message_nr', 'ref_message_nr', 'edit_account_id', 'edited_time'].sort());
    expect(unpin).toMatchObject({ message_nr: 2, flow_message_nr: 4, ref_message_nr: 2, message: '<msg><p>unpinMsg</p></msg>', tags: ['is_archived', 'is_shared', 'unpin'], mk_message_state: MessageState.unpinned });
  });

  it('task: pin_weight, section_id, task_weight 2^32, tasked_account_id (§R2.4)', async () => {
    const nr = ((await alice.call(`message/send/${conv}`, { message: 'do it' })).body.result_message_nr as number);
    const stream = await bobSees(() => alice.call(`message/store/${conv}`, { message_nr: nr, tags: ['is_todo'] }));
    const task = messageOf(stream, nr);
    expect(keys(task)).toEqual([...CORE, 'flow_message_nr', 'edit_account_id', 'edited_time', 'pin_weight', 'section_id', 'task_weight', 'tasked_account_id'].sort());
    expect(task).toMatchObject({ task_weight: 4294967296, tasked_account_id: alice.accountId, tags: ['is_shared', 'is_task', 'is_todo'], mk_message_state: MessageState.todo });
  });

  it('edit by message/edit, as another member sees it: flow number, editor, new body', async () => {
    const nr = ((await alice.call(`message/send/${conv}`, { message: 'typo' })).body.result_message_nr as number);
    const stream = await bobSees(() => alice.call(`message/edit/${conv}`, { message_nr: nr, message: 'fixed' }));
    const edit = messageOf(stream, nr);
    expect(keys(edit)).toEqual([...CORE, 'flow_message_nr', 'edit_account_id', 'edited_time'].sort());
    expect(edit).toMatchObject({ message: '<msg><p>fixed</p></msg>', edit_account_id: alice.accountId, is_edit: true });
    expect(edit.flow_message_nr).toBeGreaterThan(nr);
  });

  it('delete by message/delete: flow number, empty body, is_deleted twice (§R2.4)', async () => {
    const nr = ((await alice.call(`message/send/${conv}`, { message: 'oops' })).body.result_message_nr as number);
    const stream = await bobSees(() => bob.call(`message/delete/${conv}`, { message_nr: nr }));
    const del = messageOf(stream, nr);
    expect(keys(del)).toEqual([...CORE, 'flow_message_nr', 'edit_account_id', 'edited_time'].sort());
    expect(del).toMatchObject({ message: '', tags: ['is_deleted', 'is_deleted'], mk_message_state: MessageState.deleted, edit_account_id: bob.accountId });
  });

  it('delete by message/store after an edit: no flow number at all (§R2.4)', async () => {
    const nr = ((await bob.call(`message/send/${conv}`, { message: 'draft' })).body.result_message_nr as number);
    await bob.call(`message/edit/${conv}`, { message_nr: nr, message: 'draft 2' });
    const stream = await bobSees(() => bob.call(`message/store/${conv}`, { message_nr: nr, tags: ['is_deleted'] }));
    const del = messageOf(stream, nr);
    expect(keys(del)).toEqual([...CORE, 'edit_account_id', 'edited_time'].sort());
    expect(del).toMatchObject({ message_nr: nr, message: '', tags: ['is_deleted', 'is_deleted'], mk_message_state: MessageState.deleted });
  });

  it('no record carries revision_message_nr, and a plain record never pin_weight: null', async () => {
    const all = (await alice.call(`conversation/sync/${conv}`, { from_message_nr: 0 })).body.stream as Rec[];
    expect(all.length).toBeGreaterThan(3);
    for (const r of all) {
      expect(r).not.toHaveProperty('revision_message_nr');
      if (r.mk_message_state === MessageState.plain || r.mk_message_state === MessageState.system) expect(r).not.toHaveProperty('pin_weight');
    }
  });

  it('attachments: the send response holds the file record; the message has no attachments key; ids are per message', async () => {
    const up = await fetch(`${sb.url}/api/file/upload/?ticket=${alice.ticket}`, {
      method: 'PUT',
      headers: { cookie: alice.cookie, 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="notes.txt"' },
      body: Buffer.from('file body'),
    });
    const file = ((await up.json()) as { files: Rec[] }).files[0] as Rec;
    const first = (await alice.call(`message/send/${conv}`, { message: 't', attachments: [file.upload_url] })).body;
    const second = (await alice.call(`message/send/${conv}`, { message: '', attachments: [file.upload_url] })).body;
    const [msg, rec] = first.stream as Rec[];
    expect(msg).not.toHaveProperty('attachments');
    expect(rec).toMatchObject({ mk_rec_type: 'file', message_nr: msg?.message_nr, file_name: 'notes.txt', file_type: 'application/octet-stream', width: null, height: null, is_animated: null });
    expect(rec).not.toHaveProperty('thumb_url_50');
    expect(rec?.attachment_id).not.toBe(file.file_id);
    expect(msg?.message).toBe(`<msg><p>t</p><file key="${String(rec?.attachment_id)}">notes.txt</file></msg>`);
    const other = (second.stream as Rec[])[1] as Rec;
    expect(other.attachment_id).not.toBe(rec?.attachment_id);
  });
});
