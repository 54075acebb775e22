/**
 * A fresh, empty account polls quietly (PROTOCOL.md §R2.1): its horizon is above 0 from the
 * first call, a poll at that horizon is held until something happens, and the horizon only
 * grows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import { post, rawLogin, start } from './helpers.js';
import type { Raw } from './helpers.js';

let sb: SandboxHandle;
let fresh: Raw;

async function heldPolls(n: number): Promise<void> {
  for (let i = 0; i < 10_000 && sb.state.streams.waiting < n; i++) await new Promise<void>((r) => setImmediate(r));
  expect(sb.state.streams.waiting).toBe(n);
}

beforeAll(async () => {
  sb = await start({ seed: 'empty', holdMs: 600_000 });
  for (const name of ['newbie', 'other']) {
    const res = await fetch(`${sb.url}/sandbox/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `${name}@example.com`, password: 'demo' }) });
    expect(res.status).toBe(200);
  }
  fresh = await rawLogin(sb, 'newbie@example.com');
});
afterAll(() => sb.close());

describe('a fresh empty account', () => {
  it('account/sync answers a horizon above 0', async () => {
    const res = await fresh.call('account/sync');
    expect(res.status).toBe(200);
    expect(res.body.event_horizon).toBeGreaterThan(0);
  });

  it('the initial sync at 0 answers that horizon with its own contact and the system labels', async () => {
    const sync = (await fresh.call('account/sync')).body.event_horizon as number;
    const res = await fresh.call('account/poll', { event_horizon: 0, wait: false });
    expect(res.body.event_horizon).toBe(sync);
    const stream = res.body.stream as Array<Record<string, unknown>>;
    expect(stream[0]).toMatchObject({ mk_rec_type: 'contact', account_id: fresh.accountId, email: 'newbie@example.com' });
    // Strangers are not listed (§R2.6).
    expect(stream.filter((r) => r.mk_rec_type === 'contact')).toHaveLength(1);
    const labels = stream.filter((r) => r.mk_rec_type === 'label').map((r) => r.mk_label_subtype);
    expect(labels).toEqual(expect.arrayContaining(['unread', '1:1 conversations', 'starred']));
  });

  it('a poll from 0 with wait:true also answers at once with a horizon above 0 (never 0 to a valid session)', async () => {
    const res = await fresh.call('account/poll', { event_horizon: 0, wait: true });
    expect(res.body.event_horizon).toBeGreaterThan(0);
  });

  it('a poll at the current horizon is held until a record arrives, then answers a higher horizon', async () => {
    const h = (await fresh.call('account/sync')).body.event_horizon as number;
    let settled = false;
    const poll = fresh.call('account/poll', { event_horizon: h, wait: true }).finally(() => {
      settled = true;
    });
    await heldPolls(1);
    expect(settled).toBe(false);
    const other = await rawLogin(sb, 'other@example.com');
    await other.call('conversation/create', { topic: 'hi', account_ids: [fresh.accountId] });
    const res = await poll;
    expect(res.body.event_horizon).toBeGreaterThan(h);
    expect((res.body.stream as Array<{ mk_rec_type: string }>).map((r) => r.mk_rec_type)).toContain('conv');
  });

  it('a wrong password for the new account is still a 431', async () => {
    const bad = await post(sb, 'account/login', { email: 'newbie@example.com', password: 'nope' });
    expect(bad.status).toBe(431);
  });
});
