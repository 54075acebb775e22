/** Error codes and limits, checked with raw HTTP so statuses and bodies are exact. */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import { post, rawLogin, start } from './helpers.js';
import type { Raw } from './helpers.js';

let sb: SandboxHandle;
let alice: Raw;
let carol: Raw;
let team: string;
let direct: string;

beforeAll(async () => {
  sb = await start();
  alice = await rawLogin(sb, 'alice@example.com');
  carol = await rawLogin(sb, 'carol@example.com');
  const convs = [...sb.state.conversations.values()];
  team = convs.find((c) => c.topic === 'Team')?.conversation_id as string;
  direct = convs.find((c) => c.topic === '')?.conversation_id as string;
});
afterAll(() => sb.close());

function expectError(res: { status: number; body: Record<string, unknown> }, status: number, errorId?: string): void {
  expect(res.status).toBe(status);
  expect(typeof res.body.error_id).toBe('string');
  expect(typeof res.body.error_message).toBe('string');
  if (errorId) expect(res.body.error_id).toBe(errorId);
}

describe('login and session', () => {
  it('login sets the token_id cookie and returns a 20-hex ticket and the profile', async () => {
    const res = await post(sb, 'account/login', { email: 'ALICE@example.com', password: 'demo' });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/^token_id=[0-9a-f-]{36}; Path=\/; HttpOnly$/);
    expect(res.body.ticket).toMatch(/^[0-9a-f]{20}$/);
    expect(res.body).toMatchObject({ display_name: 'Alice', profiles: [{ mk_rec_type: 'contact', email: 'alice@example.com', fleep_address: 'alice' }] });
  });

  it('login by fleep address works; wrong password is 431 "Incorrect email or password"', async () => {
    expect((await post(sb, 'account/login', { email: 'bob', password: 'demo' })).status).toBe(200);
    const res = await post(sb, 'account/login', { email: 'alice@example.com', password: 'nope' });
    expectError(res, 431);
    expect(res.body.error_message).toBe('Incorrect email or password');
    expect(JSON.stringify(res.body)).not.toContain('nope');
  });

  it('401 without cookie, without ticket, with a wrong ticket', async () => {
    expectError(await alice.call('account/sync', {}, { cookie: '' }), 401, 'not_authenticated');
    expectError(await alice.call('account/sync', {}, { ticket: null }), 401);
    expectError(await alice.call('account/sync', {}, { ticket: '0'.repeat(20) }), 401);
    expect((await alice.call('account/sync')).status).toBe(200);
  });

  it('after logout the old session answers 401 "Expired token, please relogin"', async () => {
    const temp = await rawLogin(sb, 'bob@example.com');
    expect((await temp.call('account/logout')).status).toBe(200);
    const res = await temp.call('account/sync');
    expectError(res, 401);
    expect(res.body.error_message).toBe('Expired token, please relogin');
  });
});

describe('input and rule errors', () => {
  it('400 for malformed JSON, a non-object body, and bad field types', async () => {
    expectError(await post(sb, 'account/login', '{"email":', { cookie: alice.cookie }), 400, 'bad_request');
    expectError(await post(sb, 'account/login', '[1,2]'), 400);
    expectError(await alice.call(`message/send/${team}`, { message: 42 }), 400);
    expectError(await alice.call('account/poll', { event_horizon: 'x' }), 400);
    expectError(await alice.call(`conversation/sync/${team}`, { mk_direction: 'sideways' }), 400);
  });

  it('404 for unknown methods and paths, and for GET on the API', async () => {
    expectError(await alice.call('message/teleport'), 404, 'unknown_method');
    expectError(await alice.call('nope/nope/nope'), 404);
    const res = await fetch(`${sb.url}/api/account/sync`);
    expect(res.status).toBe(404);
    expect(await res.json()).toHaveProperty('error_id');
  });

  it('430 for unknown conversation and message', async () => {
    expectError(await alice.call('message/send/00000000-0000-0000-0000-000000000000', { message: 'x' }), 430, 'not_found');
    expectError(await alice.call(`message/edit/${team}`, { message_nr: 999, message: 'x' }), 430, 'not_found');
  });

  it('431 for a non-member, a system message change, copying a deleted message', async () => {
    expectError(await carol.call(`message/send/${direct}`, { message: 'hi' }), 431);
    expectError(await carol.call(`conversation/sync/${direct}`), 431);
    expectError(await alice.call(`message/store/${team}`, { message_nr: 1, tags: ['pin'] }), 431);
    const sent = await alice.call(`message/send/${team}`, { message: 'to delete' });
    const nr = sent.body.result_message_nr as number;
    expect((await alice.call(`message/delete/${team}`, { message_nr: nr })).status).toBe(200);
    expectError(await alice.call(`message/copy/${team}`, { message_nr: nr, to_conv_id: direct }), 431);
    expectError(await alice.call(`message/edit/${team}`, { message_nr: nr, message: 'back' }), 431);
  });

  it('is_retry with a stale from_message_nr is 431; with the current one it posts', async () => {
    const last = sb.state.conversation(team).last_message_nr;
    expectError(await alice.call(`message/send/${team}`, { message: 'r', is_retry: true, from_message_nr: last - 1 }), 431, 'retry_conflict');
    expect((await alice.call(`message/send/${team}`, { message: 'r', is_retry: true, from_message_nr: last })).status).toBe(200);
  });

  it('a message over 100,000 characters is 400; exactly 100,000 is accepted', async () => {
    expectError(await alice.call(`message/send/${team}`, { message: 'x'.repeat(100_001) }), 400);
    expect((await alice.call(`message/send/${team}`, { message: 'y'.repeat(100_000) })).status).toBe(200);
  });

  it('an empty message is 400', async () => {
    expectError(await alice.call(`message/send/${team}`, { message: '  ' }), 400);
  });
});

describe('body limit', () => {
  it('refuses a body over 1 MiB with 413 without buffering it, and keeps serving others', async () => {
    const before = process.memoryUsage().rss;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${sb.url}/api/account/sync`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: alice.cookie } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      // Streamed without Content-Length: the server must count bytes as they arrive.
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = (): void => {
        while (sent < 4 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(413);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
    expect((await alice.call('account/sync')).status).toBe(200);
  });

  it('refuses a declared Content-Length over 1 MiB at once', async () => {
    const res = await fetch(`${sb.url}/api/account/sync`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error_id: 'request_too_large' });
  });
});
