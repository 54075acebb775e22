/** The /sandbox/ control API, client_req_id de-duplication, seeds, reset and persistence. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import { rawLogin, start } from './helpers.js';

async function control(sb: SandboxHandle, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sb.url}/sandbox/${path}`, { method, ...(method === 'GET' ? {} : { headers: { 'content-type': 'application/json' } }), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('control API', () => {
  let sb: SandboxHandle;
  beforeAll(async () => {
    sb = await start();
  });
  afterAll(() => sb.close());

  it('creates accounts that can log in through the API; refuses duplicates and bad input', async () => {
    const res = await control(sb, 'POST', 'accounts', { email: 'dave@example.com', password: 'pw', display_name: 'Dave' });
    expect(res.status).toBe(200);
    expect(res.body.account_id).toMatch(/^[0-9a-f-]{36}$/);
    const dave = await rawLogin(sb, 'dave@example.com', 'pw');
    expect(dave.accountId).toBe(res.body.account_id);
    expect((await control(sb, 'POST', 'accounts', { email: 'dave@example.com', password: 'x' })).status).toBe(400);
    expect((await control(sb, 'POST', 'accounts', { email: 'nope', password: 'x' })).status).toBe(400);
    const list = await control(sb, 'GET', 'accounts');
    expect((list.body.accounts as Array<{ email: string }>).map((a) => a.email)).toContain('dave@example.com');
    expect(JSON.stringify(list.body)).not.toContain('password');
  });

  it('lists conversations and the current state of every message', async () => {
    const convs = (await control(sb, 'GET', 'conversations')).body.conversations as Array<{ conversation_id: string; topic: string; members: string[] }>;
    const team = convs.find((c) => c.topic === 'Team');
    expect(team?.members).toHaveLength(4);
    const alice = await rawLogin(sb, 'alice@example.com');
    await alice.call(`message/send/${team?.conversation_id}`, { message: 'hello *world*' });
    await alice.call(`message/store/${team?.conversation_id}`, { message_nr: 2, tags: ['is_todo'], add_reactions: ['🎉'] });
    const msgs = (await control(sb, 'GET', `conversations/${team?.conversation_id}/messages`)).body.messages as Array<Record<string, unknown>>;
    expect(msgs).toHaveLength(2);
    expect(msgs[1]).toMatchObject({
      message_nr: 2,
      account_id: alice.accountId,
      email: 'alice@example.com',
      text: 'hello *world*',
      xml: '<msg><p>hello <b flp="*" fls="*">world</b></p></msg>',
      tags: ['is_shared', 'is_task', 'is_todo'],
      state: 'urn:fleep:message:mk_message_state:todo',
      reactions: [{ reaction: '🎉', account_ids: [alice.accountId] }],
      revision: 3,
    });
    expect((await control(sb, 'GET', 'conversations/nope/messages')).status).toBe(404);
    expect((await control(sb, 'GET', 'whatever')).status).toBe(404);
  });
});

describe('client_req_id de-duplication and the request ledger', () => {
  let sb: SandboxHandle;
  beforeAll(async () => {
    sb = await start();
  });
  afterAll(() => sb.close());

  it('a repeat returns the stored response, posts nothing, and counts as a repeat', async () => {
    const alice = await rawLogin(sb, 'alice@example.com');
    const team = [...sb.state.conversations.values()].find((c) => c.topic === 'Team')?.conversation_id as string;
    const first = await alice.call(`message/send/${team}`, { message: 'once', client_req_id: 'abc' });
    const again = await alice.call(`message/send/${team}`, { message: 'once', client_req_id: 'abc' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(first.body.client_req_id).toBe('abc');
    expect(sb.state.conversation(team).last_message_nr).toBe(2);
    // Another account may use the same id.
    const bob = await rawLogin(sb, 'bob@example.com');
    await bob.call(`message/send/${team}`, { message: 'mine', client_req_id: 'abc' });
    expect(sb.state.conversation(team).last_message_nr).toBe(3);
    const ledger = (await control(sb, 'GET', 'requests?method=message/send')).body.requests as Array<Record<string, unknown>>;
    expect(ledger).toHaveLength(2);
    expect(ledger[0]).toMatchObject({ seq: 1, method: 'message/send', account_id: alice.accountId, conversation_id: team, client_req_id: 'abc', repeats: 1, body: { message: 'once', client_req_id: 'abc' } });
    expect(ledger[0]?.body).not.toHaveProperty('ticket');
    expect(ledger[1]).toMatchObject({ account_id: bob.accountId, repeats: 0 });
  });

  it('refused requests are not in the ledger and their id stays usable', async () => {
    const alice = await rawLogin(sb, 'alice@example.com');
    const team = [...sb.state.conversations.values()].find((c) => c.topic === 'Team')?.conversation_id as string;
    expect((await alice.call(`message/send/${team}`, { message: '', client_req_id: 'later' })).status).toBe(400);
    expect((await alice.call(`message/send/${team}`, { message: 'now', client_req_id: 'later' })).status).toBe(200);
    const all = (await control(sb, 'GET', 'requests')).body.requests as unknown[];
    expect(all).toHaveLength(3);
  });
});

describe('seeds and reset', () => {
  it('demo: four accounts, Team with all four, a direct alice ↔ bot conversation', async () => {
    const sb = await start({ seed: 'demo' });
    try {
      expect(Object.keys(sb.accounts).sort()).toEqual(['alice@example.com', 'bob@example.com', 'bot@example.com', 'carol@example.com']);
      const bot = await rawLogin(sb, 'bot@example.com');
      const sync = await bot.call('account/sync');
      expect(sync.body).toMatchObject({ display_name: 'fleepkit bot', fleep_address: 'bot' });
      const convs = [...sb.state.conversations.values()];
      expect(convs.map((c) => [c.topic, c.members.length])).toEqual([
        ['Team', 4],
        ['', 2],
      ]);
      expect(convs[1]?.members).toEqual([sb.accounts['alice@example.com'], sb.accounts['bot@example.com']]);
    } finally {
      await sb.close();
    }
  });

  it('empty: nothing; reset goes back to the seed', async () => {
    const sb = await start({ seed: 'empty' });
    try {
      expect(sb.state.accounts.size).toBe(0);
      await control(sb, 'POST', 'accounts', { email: 'x@example.com', password: 'p' });
      expect(sb.state.accounts.size).toBe(1);
      expect((await control(sb, 'POST', 'reset')).status).toBe(200);
      expect(sb.state.accounts.size).toBe(0);
    } finally {
      await sb.close();
    }
  });
});

describe('persistence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleepkit-sandbox-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps accounts, conversations, messages, sessions, horizons and de-dup across restarts', async () => {
    const dataFile = join(dir, 'sandbox.json');
    const first = await start({ dataFile });
    const alice = await rawLogin(first, 'alice@example.com');
    const team = [...first.state.conversations.values()].find((c) => c.topic === 'Team')?.conversation_id as string;
    const sent = await alice.call(`message/send/${team}`, { message: 'survives', client_req_id: 'keep-me' });
    const horizon = (await alice.call('account/sync')).body.event_horizon as number;
    await first.close();
    expect(JSON.parse(readFileSync(dataFile, 'utf8'))).toHaveProperty('world');

    const second = await start({ dataFile, seed: 'empty' });
    try {
      expect(second.accounts['alice@example.com']).toBe(alice.accountId);
      // The old session still works; the horizon continues.
      const sync = await post2(second, alice, 'account/sync', {});
      expect(sync.body.event_horizon).toBe(horizon);
      const repeat = await post2(second, alice, `message/send/${team}`, { message: 'survives', client_req_id: 'keep-me' });
      expect(repeat.body).toEqual(sent.body);
      const msgs = second.state.conversation(team).messages;
      expect(Object.values(msgs).map((m) => m.text)).toContain('survives');
      expect(second.state.conversation(team).last_message_nr).toBe(2);
    } finally {
      await second.close();
    }
  });
});

async function post2(sb: SandboxHandle, who: { cookie: string; ticket: string }, method: string, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sb.url}/api/${method}`, { method: 'POST', headers: { cookie: who.cookie }, body: JSON.stringify({ ...body, ticket: who.ticket }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
