import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FleepApiError, FleepNetworkError, SessionExpiredError } from '../../src/api/errors.js';
import { BASE, drive, loggedIn, replyLogin, SYNC, T0, TICKET, TICKET2, TOKEN, TOKEN2 } from './helpers.js';

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});

/** nock 14 only delivers replyWithError to axios when given an Error instance. */
const reset = (): Error => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

const byTicket = (ticket: string) => (body: { ticket?: string }) => body.ticket === ticket;

describe('FleepClient errors', () => {
  it.each([
    [400, 'bad_request', 'Invalid sleep interval.'],
    [430, 'not_found', 'Message not found.'],
    [431, 'not_author', 'Member has left the conversation'],
  ])('surfaces HTTP %i at once as FleepApiError with error_id and error_message', async (status, errorId, errorMessage) => {
    const { client, clock } = await loggedIn();
    const scope = nock(BASE).post('/api/message/edit/conv-1').once().reply(status, { error_id: errorId, error_message: errorMessage });
    const error = await client.editMessage('conv-1', 7, 'x').catch((e: unknown) => e);
    scope.done();
    expect(error).toBeInstanceOf(FleepApiError);
    expect(error).toMatchObject({ status, errorId, errorMessage, method: 'message/edit', retryAfterMs: undefined });
    expect((error as Error).message).toBe(`Fleep message/edit failed with HTTP ${status}: ${errorMessage}`);
    expect(clock.delays).toEqual([]);
  });

  it('401: logs in again once, transparently, and retries with the new ticket and cookie', async () => {
    const { client } = await loggedIn();
    const scope = nock(BASE)
      .post('/api/account/sync', byTicket(TICKET))
      .matchHeader('cookie', `token_id=${TOKEN}`)
      .reply(401, { error_id: 'not_authenticated', error_message: 'Expired token, please relogin' });
    replyLogin(scope, TICKET2, TOKEN2);
    scope.post('/api/account/sync', byTicket(TICKET2)).matchHeader('cookie', `token_id=${TOKEN2}`).reply(200, { event_horizon: 42, account_id: 'a' });
    const result = await client.accountSync();
    scope.done();
    expect(result.event_horizon).toBe(42);
    expect(client.authFailures).toBe(0);
  });

  it('401 on a mutating call retries with the same client_req_id', async () => {
    const { client } = await loggedIn();
    const ids: string[] = [];
    const capture = (body: { client_req_id: string }): boolean => {
      ids.push(body.client_req_id);
      return true;
    };
    const scope = nock(BASE).post('/api/message/send/conv-1', capture).reply(401, {});
    replyLogin(scope, TICKET2, TOKEN2);
    scope.post('/api/message/send/conv-1', capture).reply(200, SYNC);
    await client.sendMessage('conv-1', 'hi');
    scope.done();
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
  });

  it('concurrent 401s share one re-login', async () => {
    const { client } = await loggedIn();
    let logins = 0;
    const scope = nock(BASE)
      .post('/api/account/sync', byTicket(TICKET))
      .times(3)
      .reply(401, {})
      .post('/api/account/login')
      .reply(() => {
        logins++;
        return [200, { account_id: 'a', ticket: TICKET2, profiles: [] }, { 'Set-Cookie': `token_id=${TOKEN2}; Path=/` }];
      })
      .post('/api/account/sync', byTicket(TICKET2))
      .times(3)
      .reply(200, { event_horizon: 1, account_id: 'a' });
    const results = await Promise.all([client.accountSync(), client.accountSync(), client.accountSync()]);
    expect(results.map((r) => r.event_horizon)).toEqual([1, 1, 1]);
    expect(logins).toBe(1);
    expect(scope.pendingMocks()).toEqual([]);
  });

  it('a 401 after re-login throws SessionExpiredError; after maxReloginAttempts it fails without trying', async () => {
    const { client, clock } = await loggedIn({ maxReloginAttempts: 2 });
    const scope = nock(BASE).post('/api/account/sync').times(4).reply(401, { error_message: 'Expired token, please relogin' });
    replyLogin(scope).post('/api/account/login').reply(200, { account_id: 'a', ticket: TICKET, profiles: [] }, { 'Set-Cookie': `token_id=${TOKEN}` });

    const first = await client.accountSync().catch((e: unknown) => e);
    expect(first).toBeInstanceOf(SessionExpiredError);
    expect(first).toMatchObject({ attempts: 1, method: 'account/sync' });
    expect((first as Error).cause).toBeInstanceOf(FleepApiError);

    // The second re-login backs off on the clock first (RELIABILITY.md R-09): 0.5 * min(60 s, 1 s).
    const second = await drive(clock, client.accountSync()).catch((e: unknown) => e);
    expect(second).toMatchObject({ code: 'SESSION_EXPIRED', attempts: 2 });
    expect(clock.delays).toEqual([500]);
    scope.done();

    // No more network: nock has nothing left, so any request would be a network error.
    const third = await client.accountSync().catch((e: unknown) => e);
    expect(third).toMatchObject({ code: 'SESSION_EXPIRED', attempts: 2 });

    // An explicit login resets the count.
    const again = replyLogin(nock(BASE)).post('/api/account/sync').reply(200, { event_horizon: 9, account_id: 'a' });
    await client.login('bot@example.com', 'pw-S3cret-Value-987');
    expect((await client.accountSync()).event_horizon).toBe(9);
    again.done();
  });

  it('a refused re-login (431) throws SessionExpiredError with the refusal as cause', async () => {
    const { client } = await loggedIn();
    nock(BASE)
      .post('/api/account/sync')
      .reply(401, {})
      .post('/api/account/login')
      .reply(431, { error_id: 'bad_login', error_message: 'Incorrect email or password' });
    const error = await client.accountSync().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionExpiredError);
    expect(((error as Error).cause as FleepApiError).status).toBe(431);
    expect(client.authFailures).toBe(1);
  });

  it('wrong credentials at login surface as 431, not retried', async () => {
    const { client } = await loggedIn();
    const scope = nock(BASE).post('/api/account/login').once().reply(431, { error_message: 'Incorrect email or password' });
    await expect(client.login('bot@example.com', 'wrong')).rejects.toMatchObject({ status: 431, errorMessage: 'Incorrect email or password' });
    scope.done();
  });

  it.each([
    ['Retry-After header in seconds', { 'Retry-After': '2' }, {}, 2000],
    ['Retry-After header as HTTP date', { 'Retry-After': new Date(T0 + 5000).toUTCString() }, {}, 5000],
    ['retry_after body field in seconds', {}, { retry_after: 3 }, 3000],
    ['retry_after body field as HTTP date', {}, { retry_after: new Date(T0 + 7000).toUTCString() }, 7000],
    ['Retry-After date in the past', { 'Retry-After': new Date(T0 - 60_000).toUTCString() }, {}, 0],
  ])('429 with %s surfaces at once with retryAfterMs', async (_name, headers, body, expected) => {
    const { client, clock } = await loggedIn();
    const scope = nock(BASE)
      .post('/api/message/send/conv-1')
      .once()
      .reply(429, { error_id: 'rate_limited', ...body }, headers as Record<string, string>);
    const error = await client.sendMessage('conv-1', 'x').catch((e: unknown) => e);
    scope.done();
    expect(error).toBeInstanceOf(FleepApiError);
    expect(error).toMatchObject({ status: 429, isRateLimited: true, retryAfterMs: expected });
    expect(clock.delays).toEqual([]);
  });

  it('5xx is retried with full-jitter back-off on the clock, then succeeds', async () => {
    const { client, clock } = await loggedIn();
    const scope = nock(BASE).post('/api/account/sync').reply(500, 'oops').post('/api/account/sync').reply(503, {}).post('/api/account/sync').reply(200, { event_horizon: 5 });
    const result = await drive(clock, client.accountSync());
    scope.done();
    expect(result.event_horizon).toBe(5);
    // random() = 0.5 → half of min(cap, base·2^n).
    expect(clock.delays).toEqual([500, 1000]);
  });

  it('5xx until give-up: throws the last error once retry.giveUpMs of clock time has passed', async () => {
    const { client, clock } = await loggedIn({ random: () => 0.999, retry: { baseMs: 1000, capMs: 4000, giveUpMs: 10_000 } });
    let requests = 0;
    nock(BASE)
      .post('/api/message/send/conv-1')
      .times(50)
      .reply(() => {
        requests++;
        return [502, { error_message: `bad gateway ${requests}` }];
      });
    const start = clock.now();
    const error = await drive(clock, client.sendMessage('conv-1', 'x')).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, errorMessage: 'bad gateway 5' });
    expect(clock.delays).toEqual([999, 1998, 3996, 3007]);
    expect(requests).toBe(5);
    expect(clock.now() - start).toBe(10_000);
  });

  it('connection reset is retried and the mutating call keeps its client_req_id', async () => {
    const { client, clock } = await loggedIn();
    const ids: string[] = [];
    const capture = (body: { client_req_id: string }): boolean => {
      ids.push(body.client_req_id);
      return true;
    };
    nock(BASE)
      .post('/api/message/send/conv-1', capture)
      .replyWithError(reset())
      .post('/api/message/send/conv-1', capture)
      .reply(200, SYNC);
    const result = await drive(clock, client.sendMessage('conv-1', 'x'));
    expect(result.result_message_nr).toBe(2);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
  });

  it('connection reset without retry surfaces as FleepNetworkError with a sanitized cause', async () => {
    const { client } = await loggedIn();
    nock(BASE).post('/api/account/sync').replyWithError(reset());
    const error = await client.call('account/sync', {}, { retry: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FleepNetworkError);
    expect(error).toMatchObject({ reason: 'ECONNRESET', message: 'Fleep account/sync failed: ECONNRESET' });
    const cause = (error as Error).cause as Record<string, unknown>;
    expect(cause).toMatchObject({ code: 'ECONNRESET' });
    expect(Object.keys(cause)).not.toContain('config');
    expect(Object.keys(cause)).not.toContain('request');
  });

  it('an upload is not retried on 5xx (no idempotency key)', async () => {
    const { client, clock } = await loggedIn();
    const scope = nock(BASE).post('/api/file/upload/').query(true).once().reply(503, {});
    await expect(client.uploadFile([{ name: 'a', data: Buffer.from('x') }])).rejects.toMatchObject({ status: 503 });
    scope.done();
    expect(clock.delays).toEqual([]);
  });

  it('times out a hanging call with reason ETIMEDOUT', async () => {
    const { client } = await loggedIn({ requestTimeoutMs: 50 });
    nock(BASE).post('/api/account/sync').delay(20_000).reply(200, {});
    await expect(client.call('account/sync', {}, { retry: false })).rejects.toMatchObject({ code: 'FLEEP_NETWORK', reason: 'ETIMEDOUT' });
  });

  it('polls on their own transport: a poll outlasting requestTimeoutMs is not cut off', async () => {
    const { client } = await loggedIn({ requestTimeoutMs: 50 });
    nock(BASE).post('/api/account/poll').delay(300).reply(200, { event_horizon: 8, stream: [] });
    expect((await client.poll(7, { retry: false })).event_horizon).toBe(8);
    client.close();
  });

  it('a malformed JSON body is a FleepNetworkError BAD_JSON (and retried like one)', async () => {
    const { client, clock } = await loggedIn();
    nock(BASE).post('/api/account/sync').reply(200, '{"event_horizon": 1', { 'Content-Type': 'application/json' });
    await expect(client.call('account/sync', {}, { retry: false })).rejects.toMatchObject({ code: 'FLEEP_NETWORK', reason: 'BAD_JSON' });
    nock(BASE).post('/api/account/sync').reply(200, '<html>', { 'Content-Type': 'text/html' }).post('/api/account/sync').reply(200, { event_horizon: 3 });
    expect((await drive(clock, client.accountSync())).event_horizon).toBe(3);
  });

  it('aborting a pending poll rejects promptly with the signal reason and does not retry', async () => {
    const { client, clock } = await loggedIn();
    const controller = new AbortController();
    const scope = nock(BASE).post('/api/account/poll').delay(50_000).reply(200, { event_horizon: 2, stream: [] });
    scope.on('request', () => controller.abort(new Error('stopping')));
    await expect(client.poll(1, { signal: controller.signal })).rejects.toThrow('stopping');
    expect(clock.delays).toEqual([]);
  });

  it('aborting during a retry sleep rejects with an AbortError and sends nothing more', async () => {
    const { client, clock } = await loggedIn();
    const controller = new AbortController();
    const scope = nock(BASE).post('/api/account/poll').once().reply(503, {});
    const pending = client.poll(1, { signal: controller.signal });
    await clock.armed();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    scope.done();
  });

  it('an already-aborted signal sends nothing', async () => {
    const { client } = await loggedIn();
    await expect(client.sendMessage('conv-1', 'x', { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
