import { inspect } from 'node:util';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FleepClient } from '../../src/api/client.js';
import { BASE, captureLogger, drive, PASSWORD, replyLogin, TestClock, T0, TICKET, TOKEN } from './helpers.js';

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});

const SECRETS = [PASSWORD, TICKET, TOKEN];

/** Every way an error or object might be shown, including the whole cause chain. */
function renderings(value: unknown): string[] {
  const out = [inspect(value, { depth: 20, showHidden: true, getters: true }), JSON.stringify(value) ?? '', String(value)];
  let current: unknown = value;
  for (let i = 0; i < 10 && current instanceof Error; i++) {
    out.push(current.message, current.stack ?? '', JSON.stringify(current), inspect(current, { depth: 20, showHidden: true }));
    out.push(JSON.stringify(Object.getOwnPropertyNames(current).map((key) => [key, String((current as unknown as Record<string, unknown>)[key])])));
    current = current.cause;
  }
  return out;
}

function expectNoSecrets(value: unknown): void {
  for (const text of renderings(value)) for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('FleepClient keeps secrets out of errors, logs and serialisations', () => {
  it('no error, log line, JSON or inspect output contains the password, ticket or token', async () => {
    const lines: string[] = [];
    const clock = new TestClock(T0);
    const client = new FleepClient({ baseUrl: BASE, clock, random: () => 0, logger: captureLogger(lines), maxReloginAttempts: 1 });
    replyLogin(nock(BASE));
    await client.login('bot@example.com', PASSWORD);
    expectNoSecrets(client);
    expect(inspect(client)).toContain('isLoggedIn: true');

    const errors: unknown[] = [];
    const capture = async (promise: Promise<unknown>): Promise<void> => {
      errors.push(await drive(clock, promise).then(() => new Error('expected a failure'), (e: unknown) => e));
    };
    // Error messages that echo the request (a hostile or verbose server / transport).
    nock(BASE).post('/api/message/send/c1').reply(400, { error_id: 'bad', error_message: 'bad request' });
    await capture(client.sendMessage('c1', 'x'));
    nock(BASE)
      .post('/api/file/upload/')
      .query(true)
      .replyWithError(Object.assign(new Error(`socket hang up at /api/file/upload/?ticket=${TICKET} cookie token_id=${TOKEN}`), { code: 'ECONNRESET' }));
    await capture(client.uploadFile([{ name: 'a', data: Buffer.from('x') }]));
    nock(BASE).post('/api/account/sync').reply(200, 'not json');
    await capture(client.call('account/sync', {}, { retry: false }));
    // A request timeout, as the transport reports it (no real waiting: a time budget in a test
    // fails on a loaded machine).
    nock(BASE)
      .post('/api/account/sync')
      .replyWithError(Object.assign(new Error(`timeout of 30000ms exceeded (ticket=${TICKET})`), { code: 'ECONNABORTED' }));
    await capture(client.call('account/sync', {}, { retry: false }));
    nock(BASE).post('/api/account/sync').reply(503, {}).post('/api/account/sync').reply(429, {}, { 'Retry-After': '1' });
    await capture(client.accountSync());
    // 401 → re-login refused → SessionExpiredError; then the fail-fast path.
    nock(BASE).post('/api/account/sync').reply(401, {}).post('/api/account/login').reply(431, { error_message: 'Incorrect email or password' });
    await capture(client.accountSync());
    await capture(client.accountSync());

    expect(errors.map((e) => (e as { code?: string }).code)).toEqual([
      'FLEEP_API',
      'FLEEP_NETWORK',
      'FLEEP_NETWORK',
      'FLEEP_NETWORK',
      'FLEEP_API',
      'SESSION_EXPIRED',
      'SESSION_EXPIRED',
    ]);
    expect((errors[3] as { reason?: string }).reason).toBe('ETIMEDOUT');
    for (const error of errors) expectNoSecrets(error);
    // The redacted transport message is still useful.
    expect(((errors[1] as Error).cause as Error).message).toContain('ticket=[redacted]');

    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) for (const secret of SECRETS) expect(line).not.toContain(secret);
    expectNoSecrets(client);
    expect(JSON.parse(JSON.stringify(client))).toEqual({ baseUrl: BASE, accountId: '6f1c9a52-3b0e-4c47-9a51-7a0c2f1d9e10', isLoggedIn: true });
  });

  it('does not expose secrets through enumerable properties', async () => {
    const client = new FleepClient({ baseUrl: BASE });
    replyLogin(nock(BASE));
    await client.login('bot@example.com', PASSWORD);
    const seen = JSON.stringify(Object.entries(client)) + JSON.stringify(Object.getOwnPropertyNames(client));
    for (const secret of SECRETS) expect(seen).not.toContain(secret);
    expectNoSecrets({ wrapped: client });
  });
});
