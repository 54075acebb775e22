import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FleepClient } from '../../src/api/client.js';
import { markup, WORD_JOINER } from '../../src/api/markup.js';
import { ACCOUNT, BASE, loggedIn, PASSWORD, replyLogin, SYNC, TICKET, TOKEN, UUID } from './helpers.js';

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});

interface Shape {
  name: string;
  path: string;
  run: (client: FleepClient) => Promise<unknown>;
  body: Record<string, unknown>;
}

const REQ = expect.stringMatching(UUID);

const SHAPES: Shape[] = [
  { name: 'accountSync', path: '/api/account/sync', run: (c) => c.accountSync(), body: {} },
  { name: 'poll (defaults)', path: '/api/account/poll', run: (c) => c.poll(918273), body: { event_horizon: 918273, wait: true } },
  {
    name: 'poll (no wait, flags)',
    path: '/api/account/poll',
    run: (c) => c.poll(0, { wait: false, pollFlags: ['skip_hidden'] }),
    body: { event_horizon: 0, wait: false, poll_flags: ['skip_hidden'] },
  },
  {
    name: 'sendMessage',
    path: '/api/message/send/conv-1',
    run: (c) => c.sendMessage('conv-1', 'hello', { clientReqId: 'req-1', attachments: ['upload-url-1'] }),
    body: { message: 'hello', attachments: ['upload-url-1'], client_req_id: 'req-1' },
  },
  {
    name: 'sendMessage escapes strings',
    path: '/api/message/send/conv-1',
    run: (c) => c.sendMessage('conv-1', '*hi* @bob'),
    body: { message: `*${WORD_JOINER}hi*${WORD_JOINER} @${WORD_JOINER}bob`, client_req_id: REQ },
  },
  {
    name: 'sendMessage sends markup as typed',
    path: '/api/message/send/conv-1',
    run: (c) => c.sendMessage('conv-1', markup('*hi* @bob')),
    body: { message: '*hi* @bob', client_req_id: REQ },
  },
  {
    name: 'storeMessage',
    path: '/api/message/store/conv-1',
    run: (c) =>
      c.storeMessage('conv-1', {
        messageNr: 7,
        message: 'task',
        tags: ['is_todo'],
        assigneeIds: ['acc-2'],
        addReactions: ['👍'],
        deleteReactions: ['👎'],
        pinWeight: 2.5,
        subject: 'subj',
      }),
    body: {
      message_nr: 7,
      message: 'task',
      tags: ['is_todo'],
      assignee_ids: ['acc-2'],
      add_reactions: ['👍'],
      del_reactions: ['👎'],
      pin_weight: 2.5,
      subject: 'subj',
      client_req_id: REQ,
    },
  },
  {
    name: 'editMessage',
    path: '/api/message/edit/conv-1',
    run: (c) => c.editMessage('conv-1', 7, 'fixed', { fromMessageNr: 6 }),
    body: { message_nr: 7, message: 'fixed', from_message_nr: 6, client_req_id: REQ },
  },
  { name: 'deleteMessage', path: '/api/message/delete/conv-1', run: (c) => c.deleteMessage('conv-1', 7), body: { message_nr: 7, client_req_id: REQ } },
  { name: 'markRead', path: '/api/message/mark_read/conv-1', run: (c) => c.markRead('conv-1', 7), body: { message_nr: 7, client_req_id: REQ } },
  {
    name: 'copyMessage',
    path: '/api/message/copy/conv-1',
    run: (c) => c.copyMessage('conv-1', 7, 'conv-2'),
    body: { message_nr: 7, to_conv_id: 'conv-2', client_req_id: REQ },
  },
  {
    name: 'createConversation',
    path: '/api/conversation/create',
    run: (c) => c.createConversation({ topic: 'Ops', accountIds: ['acc-2'], emails: ['a@x.io', 'b@x.io'] }),
    body: { topic: 'Ops', account_ids: ['acc-2'], emails: 'a@x.io, b@x.io', client_req_id: REQ },
  },
  {
    name: 'syncConversation',
    path: '/api/conversation/sync/conv-1',
    run: (c) => c.syncConversation('conv-1', { mode: 'ic_header', fromMessageNr: 3 }),
    body: { mk_direction: 'ic_header', from_message_nr: 3 },
  },
  {
    name: 'syncPins (classic pinboard call)',
    path: '/api/conversation/sync_pins/conv-1',
    run: (c) => c.syncPins('conv-1', { fromMessageNr: 4 }),
    body: { from_message_nr: 4 },
  },
  {
    name: 'syncPinboard (first page)',
    path: '/api/account/sync_pinboard',
    run: (c) => c.syncPinboard('conv-1'),
    body: { conversation_id: 'conv-1', pin_weight: null, pin_limit: 30 },
  },
  {
    name: 'syncPinboard (next page)',
    path: '/api/account/sync_pinboard',
    run: (c) => c.syncPinboard('conv-1', { pinWeight: 2.5, pinLimit: 10 }),
    body: { conversation_id: 'conv-1', pin_weight: 2.5, pin_limit: 10 },
  },
  {
    name: 'storeConversation',
    path: '/api/conversation/store/conv-1',
    run: (c) => c.storeConversation('conv-1', { topic: 'Ops 2', addAccountIds: ['acc-2'], removeAccountIds: ['acc-3'], readMessageNr: 5 }),
    body: { topic: 'Ops 2', add_account_ids: ['acc-2'], remove_account_ids: ['acc-3'], read_message_nr: 5, client_req_id: REQ },
  },
  { name: 'leaveConversation', path: '/api/conversation/leave/conv-1', run: (c) => c.leaveConversation('conv-1'), body: { client_req_id: REQ } },
  { name: 'syncContact', path: '/api/contact/sync', run: (c) => c.syncContact('acc-9'), body: { contact_id: 'acc-9' } },
  {
    name: 'syncAllContacts',
    path: '/api/contact/sync/all',
    run: (c) => c.syncAllContacts({ ignore: ['acc-1'], searchStr: 'bo' }),
    body: { ignore: ['acc-1'], search_str: 'bo' },
  },
  {
    name: 'search',
    path: '/api/search',
    run: (c) => c.search('deploy', { conversationId: 'conv-1', searchTypes: ['chat'] }),
    body: { keywords: 'deploy', conversation_id: 'conv-1', search_types: ['chat'] },
  },
  {
    name: 'poke',
    path: '/api/conversation/poke/conv-1',
    run: (c) => c.poke('conv-1', 424242),
    body: { message_nr: 424242, is_bg_poke: false, client_req_id: REQ },
  },
  {
    name: 'call() sends the body verbatim and encodes the path id',
    path: '/api/message/send/c%2F1%20x',
    run: (c) => c.call('message/send', { message: 'raw *x*' }, { conversationId: 'c/1 x', clientReqId: 'k-1' }),
    body: { message: 'raw *x*', client_req_id: 'k-1' },
  },
  {
    name: 'call() of an unknown read marked idempotent has no client_req_id',
    path: '/api/account/lookup',
    run: (c) => c.call('account/lookup', { lookup_list: ['x'] }, { idempotent: true }),
    body: { lookup_list: ['x'] },
  },
];

describe('FleepClient HTTP shapes', () => {
  it('logs in with email, password and remember_me, and keeps cookie + ticket', async () => {
    let seen: unknown;
    const scope = nock(BASE)
      .post('/api/account/login', (body) => {
        seen = body;
        return true;
      })
      .matchHeader('content-type', /application\/json/)
      .reply(200, { account_id: ACCOUNT, ticket: TICKET, profiles: [{ mk_rec_type: 'contact', account_id: ACCOUNT, fleep_address: 'echo.bot' }] }, {
        'Set-Cookie': [`other=1; Path=/`, `token_id=${TOKEN}; Path=/; HttpOnly`],
      });
    const client = new FleepClient({ baseUrl: BASE });
    expect(client.isLoggedIn).toBe(false);
    const result = await client.login('bot@example.com', PASSWORD);
    scope.done();
    expect(seen).toEqual({ email: 'bot@example.com', password: PASSWORD, remember_me: true });
    expect(result).toEqual({ accountId: ACCOUNT, profile: { mk_rec_type: 'contact', account_id: ACCOUNT, fleep_address: 'echo.bot' } });
    expect(client.isLoggedIn).toBe(true);
    expect(client.accountId).toBe(ACCOUNT);
    expect(client.profile?.fleep_address).toBe('echo.bot');
  });

  it('treats a login answer without token_id cookie as a bad response', async () => {
    nock(BASE).post('/api/account/login').times(1).reply(200, { account_id: ACCOUNT, ticket: TICKET, profiles: [] });
    const client = new FleepClient({ baseUrl: BASE, retry: { giveUpMs: 1 } });
    await expect(client.login('bot@example.com', PASSWORD)).rejects.toMatchObject({ code: 'FLEEP_NETWORK', reason: 'BAD_LOGIN_RESPONSE' });
    expect(client.isLoggedIn).toBe(false);
  });

  for (const shape of SHAPES) {
    it(`${shape.name}: POST ${shape.path}`, async () => {
      const { client } = await loggedIn();
      let seen: unknown;
      const scope = nock(BASE)
        .post(shape.path, (body) => {
          seen = body;
          return true;
        })
        .matchHeader('cookie', `token_id=${TOKEN}`)
        .matchHeader('content-type', /application\/json/)
        .reply(200, SYNC);
      await shape.run(client);
      scope.done();
      expect(seen).toEqual({ ...shape.body, ticket: TICKET });
    });
  }

  it('generates a fresh client_req_id per mutating call', async () => {
    const { client } = await loggedIn();
    const ids: string[] = [];
    nock(BASE)
      .post('/api/message/send/conv-1', (body: { client_req_id: string }) => {
        ids.push(body.client_req_id);
        return true;
      })
      .times(2)
      .reply(200, SYNC);
    await client.sendMessage('conv-1', 'a');
    await client.sendMessage('conv-1', 'b');
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('uploads files as multipart with the ticket in the query string', async () => {
    const { client } = await loggedIn();
    let body = '';
    const scope = nock(BASE)
      .post('/api/file/upload/')
      .query({ ticket: TICKET })
      .matchHeader('cookie', `token_id=${TOKEN}`)
      .matchHeader('content-type', /^multipart\/form-data; boundary=/)
      .reply(200, (_uri, requestBody) => {
        body = String(requestBody);
        return { files: [{ file_id: 'f1', upload_url: 'opaque-1', name: 'a.txt' }, { file_id: 'f2', upload_url: 'opaque-2', name: 'b.bin' }] };
      });
    const result = await client.uploadFile([
      { name: 'a.txt', data: Buffer.from('hello file'), contentType: 'text/plain' },
      { name: 'b.bin', data: Buffer.from([1, 2, 3]) },
    ]);
    scope.done();
    expect(result.files.map((f) => f.upload_url)).toEqual(['opaque-1', 'opaque-2']);
    expect(body).toContain('Content-Disposition: form-data; name="files"; filename="a.txt"');
    expect(body).toContain('Content-Type: text/plain');
    expect(body).toContain('hello file');
    expect(body).toContain('Content-Disposition: form-data; name="files"; filename="b.bin"');
    expect(body).toContain('Content-Type: application/octet-stream');
    expect(body).not.toContain(TICKET);
  });

  it('logs out with the ticket and forgets the session', async () => {
    const { client } = await loggedIn();
    let seen: unknown;
    const scope = nock(BASE)
      .post('/api/account/logout', (body) => {
        seen = body;
        return true;
      })
      .matchHeader('cookie', `token_id=${TOKEN}`)
      .reply(200, {});
    await client.logout();
    scope.done();
    expect(seen).toEqual({ ticket: TICKET });
    expect(client.isLoggedIn).toBe(false);
    await expect(client.accountSync()).rejects.toThrow('FleepClient is not logged in: call login(email, password) before account/sync');
  });

  it('rejects bad input with errors that say what to pass', async () => {
    const { client } = await loggedIn();
    await expect(client.sendMessage('', 'x')).rejects.toThrow(/conversationId must be a non-empty id string/);
    await expect(client.editMessage('conv-1', -1, 'x')).rejects.toThrow('messageNr must be a non-negative integer message number, got -1');
    await expect(client.uploadFile([])).rejects.toThrow(/non-empty array/);
    await expect(client.sendMessage('conv-1', 42 as unknown as string)).rejects.toThrow('A message must be a string or markup(text), got number');
    await expect(client.call('Message Send')).rejects.toThrow(`Fleep method must look like 'message/send', got "Message Send"`);
    await expect(client.call('account/login')).rejects.toThrow('Use client.login(email, password)');
    await expect(new FleepClient({ baseUrl: BASE }).login('', 'x')).rejects.toThrow(/email must be a non-empty string/);
  });
});

describe('FleepClient options', () => {
  it('validates options once with the exact offending value', () => {
    expect(() => new FleepClient({ pollTimeoutMs: 60_000 })).toThrow(
      'FleepClient option pollTimeoutMs must be a number >= 120000 (Fleep holds a poll ~90 s), got 60000',
    );
    expect(() => new FleepClient({ baseUrl: 'fleep.io' })).toThrow(`baseUrl must be an absolute http(s) URL such as 'https://fleep.io', got "fleep.io"`);
    expect(() => new FleepClient({ baseUrl: 'ftp://x' })).toThrow('baseUrl must use http or https, got "ftp://x"');
    expect(() => new FleepClient({ retry: { baseMs: 5000, capMs: 1000 } })).toThrow('retry.capMs (1000) must be >= retry.baseMs (5000)');
    expect(() => new FleepClient({ retry: { giveUpMs: -1 } })).toThrow('retry.giveUpMs must be a positive finite number of ms, got -1');
    expect(() => new FleepClient({ maxReloginAttempts: 0 })).toThrow('maxReloginAttempts must be an integer >= 1, got 0');
    expect(() => new FleepClient({ requestTimeoutMs: Number.NaN })).toThrow('requestTimeoutMs must be a positive finite number of ms, got NaN');
    expect(new FleepClient({ baseUrl: 'http://127.0.0.1:9/' }).baseUrl).toBe('http://127.0.0.1:9');
  });

  it('re-logs in with the same credentials (login helper sanity)', async () => {
    const client = new FleepClient({ baseUrl: BASE });
    const scope = replyLogin(nock(BASE));
    await client.login('bot@example.com', PASSWORD, { rememberMe: false });
    scope.done();
    expect(client.isLoggedIn).toBe(true);
  });
});
