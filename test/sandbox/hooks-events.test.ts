/**
 * Webhooks (PROTOCOL.md §6.5, §7.14, §8.1, §R2.15) and `event/store` (§7.15): create, show and
 * drop hooks; post through `/hook/<key>` as JSON, form and import; post with events.
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
let hook: Rec;

const HOOK_KEYS = ['mk_rec_type', 'conversation_id', 'account_id', 'hook_id', 'hook_key', 'hook_name', 'hook_url', 'is_active', 'mk_hook_type', 'avatar_urls', 'outgoing_url', 'outgoing_disabled', 'outgoing_disable_reason'];
const horizon = async (who: Raw): Promise<number> => (await who.call('account/sync')).body.event_horizon as number;
const since = async (who: Raw, h: number): Promise<Rec[]> => (await who.call('account/poll', { event_horizon: h, wait: false })).body.stream as Rec[];

beforeAll(async () => {
  sb = await start();
  [alice, bob] = await Promise.all([rawLogin(sb, 'alice@example.com'), rawLogin(sb, 'bob@example.com')]);
  conv = ((await alice.call('conversation/create', { topic: 'ci', account_ids: [bob.accountId] })).body.header as Rec).conversation_id as string;
  await alice.call(`message/send/${conv}`, { message: 'hello' });
});
afterAll(() => sb.close());

describe('hooks', () => {
  it('create_hook answers sync + hook_info with hook_url; a hook system message takes the next slot; members get a hook record', async () => {
    const hb = await horizon(bob);
    const res = await alice.call(`conversation/create_hook/${conv}`, { hook_name: 'ci', mk_hook_type: 'plain' });
    expect(res.status).toBe(200);
    hook = res.body.hook_info as Rec;
    expect(Object.keys(hook).sort()).toEqual([...HOOK_KEYS].sort());
    expect(hook).toMatchObject({ hook_name: 'ci', mk_hook_type: 'plain', is_active: true, account_id: alice.accountId, outgoing_url: '', outgoing_disable_reason: null });
    expect(String(hook.hook_url)).toBe(`${sb.url}/hook/${String(hook.hook_key)}`);
    expect(String(hook.hook_key)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const msg = (res.body.stream as Rec[])[0] as Rec;
    expect(msg).toMatchObject({ message_nr: 3, mk_message_type: 'hook', mk_message_state: MessageState.system });
    expect(JSON.parse(msg.message as string)).toEqual({ hook_name: 'ci', hook_key: hook.hook_key });
    const bobSaw = (await since(bob, hb)).find((r) => r.mk_rec_type === 'hook') as Rec;
    expect(bobSaw).toMatchObject({ hook_key: hook.hook_key, hook_url: '' });
  });

  it('show_hooks answers exactly {hooks: [HookInfo]}', async () => {
    const res = await alice.call(`conversation/show_hooks/${conv}`, {});
    expect(Object.keys(res.body)).toEqual(['hooks']);
    expect(res.body.hooks).toEqual([hook]);
  });

  it('POST /hook/<key> with JSON {message, user}: a text message by the hook owner with hook_key, is_new_sheet false, sender_name', async () => {
    const hb = await horizon(bob);
    const res = await fetch(String(hook.hook_url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'build *ok*', user: 'CI' }) });
    expect(res.status).toBe(200);
    const msg = (await since(bob, hb)).find((r) => r.mk_rec_type === 'message') as Rec;
    expect(msg).toMatchObject({ account_id: alice.accountId, hook_key: hook.hook_key, is_new_sheet: false, sender_name: 'CI', mk_message_type: 'text', message: '<msg><p>build <b flp="*" fls="*">ok</b></p></msg>' });
  });

  it('a form-encoded message= post works too; an unknown key is a 404', async () => {
    const res = await fetch(String(hook.hook_url), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'message=from+a+form' });
    expect(res.status).toBe(200);
    const last = (await alice.call(`conversation/sync/${conv}`, { mk_direction: 'ic_end' })).body.stream as Rec[];
    expect(last.at(-1)).toMatchObject({ message: '<msg><p>from a form</p></msg>', hook_key: hook.hook_key });
    expect((await fetch(`${sb.url}/hook/AAAAAAAAAAAAAAAAAAAAAA`, { method: 'POST', body: '{"message":"x"}' })).status).toBe(404);
  });

  it('an import hook keeps posted_time and sender_name', async () => {
    const imp = (await alice.call(`conversation/create_hook/${conv}`, { hook_name: 'import', mk_hook_type: 'import' })).body.hook_info as Rec;
    const res = await fetch(String(imp.hook_url), { method: 'POST', body: JSON.stringify({ messages: [{ message_key: null, message: 'old news', posted_time: 1500000000, sender_name: 'Archive' }] }) });
    expect(res.status).toBe(200);
    const last = ((await alice.call(`conversation/sync/${conv}`, { mk_direction: 'ic_end' })).body.stream as Rec[]).at(-1);
    expect(last).toMatchObject({ posted_time: 1500000000, sender_name: 'Archive', hook_key: imp.hook_key });
    await alice.call(`conversation/drop_hook/${conv}`, { hook_key: imp.hook_key });
  });

  it('drop_hook answers sync with an unhook message; the hook no longer posts', async () => {
    const res = await alice.call(`conversation/drop_hook/${conv}`, { hook_key: hook.hook_key });
    const msg = (res.body.stream as Rec[])[0] as Rec;
    expect(msg.mk_message_type).toBe('unhook');
    expect(JSON.parse(msg.message as string)).toEqual({ hook_name: 'ci', hook_key: hook.hook_key });
    expect((await alice.call(`conversation/show_hooks/${conv}`, {})).body.hooks).toEqual([]);
    expect((await fetch(String(hook.hook_url), { method: 'POST', body: '{"message":"x"}' })).status).toBe(404);
  });
});

describe('event/store', () => {
  it('add_plain posts; the answer has stream and requests with status_code and identifier; a request record reaches the stream', async () => {
    const h = await horizon(alice);
    const res = await alice.call('event/store', {
      api_version: 4,
      stream: [{ client_req_id: '84d73134-ca41-4dda-b818-f724f42cd79e', mk_event_type: 'urn:fleep:client:message:add_plain', params: { conversation_id: conv, message: 'Hello world!' } }],
    });
    expect(res.status).toBe(200);
    const [request] = res.body.requests as Rec[];
    const posted = (res.body.stream as Rec[])[0] as Rec;
    expect(posted).toMatchObject({ mk_rec_type: 'message', message: '<msg><p>Hello world!</p></msg>' });
    expect(request).toEqual({ mk_rec_type: 'request', client_req_id: '84d73134-ca41-4dda-b818-f724f42cd79e', mk_event_type: 'urn:fleep:client:message:add_plain', status_code: 200, identifier: { conversation_id: conv, message_nr: posted.message_nr } });
    expect(await since(alice, h)).toContainEqual(expect.objectContaining({ mk_rec_type: 'request', client_req_id: '84d73134-ca41-4dda-b818-f724f42cd79e' }));
  });

  it('errors are per event with HTTP 200; other events in the batch still run; a repeated client_req_id runs once', async () => {
    const nr = ((await alice.call(`message/send/${conv}`, { message: 'to do' })).body.result_message_nr as number);
    const res = await alice.call('event/store', {
      stream: [
        { client_req_id: 'e1', mk_event_type: 'urn:fleep:client:message:set_todo', params: { conversation_id: conv, message_nr: nr } },
        { client_req_id: 'e2', mk_event_type: 'urn:fleep:client:message:edit', params: { conversation_id: conv, message_nr: 99999, message: 'x' } },
        { client_req_id: 'e3', mk_event_type: 'urn:fleep:client:nonsense', params: { conversation_id: conv } },
      ],
    });
    expect(res.status).toBe(200);
    const requests = res.body.requests as Rec[];
    expect(requests.map((r) => r.status_code)).toEqual([200, 430, 400]);
    expect(requests[1]).toMatchObject({ error_id: 'not_found', error_message: 'Message not found.' });
    expect((res.body.stream as Rec[])[0]).toMatchObject({ message_nr: nr, mk_message_state: MessageState.todo });
    const again = await alice.call('event/store', { stream: [{ client_req_id: 'e1', mk_event_type: 'urn:fleep:client:message:set_todo', params: { conversation_id: conv, message_nr: nr } }] });
    expect(again.body.requests).toEqual([requests[0]]);
    expect(again.body.stream).toEqual([]);
  });
});
