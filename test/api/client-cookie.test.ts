/**
 * The session cookie follows the server: a `token_id` set on any answer (not only login) is the
 * one sent next, as Fleep's own iOS library does; the pinboard pages by `pin_cursor`.
 */
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FleepApiError } from '../../src/api/errors.js';
import { BASE, loggedIn, SYNC, TICKET, TOKEN, TOKEN2 } from './helpers.js';

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});

describe('token_id from any Set-Cookie', () => {
  it('a poll answer that sets token_id makes the next call send the new cookie', async () => {
    const { client } = await loggedIn();
    const scope = nock(BASE)
      .post('/api/account/poll')
      .matchHeader('cookie', `token_id=${TOKEN}`)
      .reply(200, { event_horizon: 5, stream: [] }, { 'Set-Cookie': ['lang=en; Path=/', `token_id=${TOKEN2}; Path=/; HttpOnly; Max-Age=2592000`] })
      .post('/api/account/sync')
      .matchHeader('cookie', `token_id=${TOKEN2}`)
      .reply(200, { event_horizon: 5 });
    await client.poll(4);
    await client.accountSync();
    scope.done();
    expect(client.liveSecrets()).toEqual([TICKET, TOKEN2]);
  });

  it('an error answer that sets token_id is honoured too; cookies of other names change nothing', async () => {
    const { client } = await loggedIn();
    const scope = nock(BASE)
      .post('/api/message/send/conv-1')
      .reply(429, { error_id: 'rate_limited' }, { 'Set-Cookie': `token_id=${TOKEN2}; Path=/`, 'Retry-After': '1' })
      .post('/api/conversation/sync/conv-1')
      .matchHeader('cookie', `token_id=${TOKEN2}`)
      .reply(200, SYNC, { 'Set-Cookie': 'session_hint=abc; Path=/' })
      .post('/api/conversation/sync/conv-1')
      .matchHeader('cookie', `token_id=${TOKEN2}`)
      .reply(200, SYNC);
    await expect(client.sendMessage('conv-1', 'hi')).rejects.toBeInstanceOf(FleepApiError);
    await client.syncConversation('conv-1');
    await client.syncConversation('conv-1');
    scope.done();
  });

  it('a 401 answered with a new token_id is retried with it, without logging in again', async () => {
    const { client } = await loggedIn();
    const scope = nock(BASE)
      .post('/api/account/sync')
      .matchHeader('cookie', `token_id=${TOKEN}`)
      .reply(401, { error_id: 'session_expired' }, { 'Set-Cookie': `token_id=${TOKEN2}; Path=/` })
      .post('/api/account/sync')
      .matchHeader('cookie', `token_id=${TOKEN2}`)
      .reply(200, { event_horizon: 9 });
    await expect(client.accountSync()).resolves.toEqual({ event_horizon: 9 });
    scope.done();
  });
});

describe('pinboard paging', () => {
  it('listPins follows header.pin_cursor until it is null', async () => {
    const { client } = await loggedIn();
    const bodies: unknown[] = [];
    const pin = (nr: number): Record<string, unknown> => ({ mk_rec_type: 'message', conversation_id: 'conv-1', message_nr: nr, tags: ['pin'], pin_weight: nr });
    const scope = nock(BASE)
      .post('/api/account/sync_pinboard', (b: unknown) => bodies.push(b) > 0)
      .reply(200, { header: { pin_cursor: JSON.stringify({ pin_weight: 2 }) }, stream: [pin(3), pin(2)] })
      .post('/api/account/sync_pinboard', (b: unknown) => bodies.push(b) > 0)
      .reply(200, { header: { pin_cursor: null }, stream: [pin(1)] });
    const pins = await client.listPins('conv-1', { pinLimit: 2 });
    scope.done();
    expect(pins.map((p) => p.message_nr)).toEqual([3, 2, 1]);
    expect(bodies).toEqual([
      { conversation_id: 'conv-1', pin_weight: null, pin_limit: 2, ticket: TICKET },
      { conversation_id: 'conv-1', pin_weight: 2, pin_limit: 2, ticket: TICKET },
    ]);
  });
});
