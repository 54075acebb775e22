/** Seeded fault injection: each fault kind, determinism, and that /sandbox/ is never affected. */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/util/clock.js';
import type { FaultConfig, SandboxHandle } from '../../src/sandbox/index.js';
import { rawLogin, start } from './helpers.js';
import type { Raw } from './helpers.js';

let sb: SandboxHandle;
let alice: Raw;
let team: string;
const clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));

async function setFaults(cfg: FaultConfig | Record<string, unknown>): Promise<number> {
  const res = await fetch(`${sb.url}/sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(cfg) });
  return res.status;
}

beforeAll(async () => {
  sb = await start({ clock });
  alice = await rawLogin(sb, 'alice@example.com');
  team = [...sb.state.conversations.values()].find((c) => c.topic === 'Team')?.conversation_id as string;
});
afterEach(async () => {
  await fetch(`${sb.url}/sandbox/faults`, { method: 'DELETE' });
});
afterAll(() => sb.close());

describe('fault schedule', () => {
  it('validates the schedule with a message naming the key', async () => {
    const res = await fetch(`${sb.url}/sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error_rate: 2 }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error_message: string }).error_message).toContain('error_rate');
    expect(await setFaults({ bogus: 1 })).toBe(400);
  });

  it('error_rate: 5xx before the call runs; /sandbox/ is unaffected; same seed, same pattern', async () => {
    const pattern = async (): Promise<number[]> => {
      expect(await setFaults({ seed: 42, error_rate: 0.5 })).toBe(200);
      const out: number[] = [];
      for (let i = 0; i < 20; i++) out.push((await alice.call('account/sync')).status);
      return out;
    };
    const a = await pattern();
    const b = await pattern();
    expect(a).toEqual(b);
    expect(a).toContain(500);
    expect(a).toContain(200);
    await setFaults({ error_rate: 1 });
    const before = sb.state.conversation(team).last_message_nr;
    const res = await alice.call(`message/send/${team}`, { message: 'x' });
    expect(res.status).toBe(500);
    expect(res.body).toHaveProperty('error_id');
    expect(sb.state.conversation(team).last_message_nr).toBe(before);
    expect((await fetch(`${sb.url}/sandbox/accounts`)).status).toBe(200);
    const stats = (await (await fetch(`${sb.url}/sandbox/faults`)).json()) as { stats: { errors: number } };
    expect(stats.stats.errors).toBeGreaterThan(0);
  });

  it('reset_rate: the call runs but the response is cut and the socket destroyed', async () => {
    await setFaults({ reset_rate: 1 });
    const before = sb.state.conversation(team).last_message_nr;
    const err = await alice.call(`message/send/${team}`, { message: 'ambiguous', client_req_id: 'cut-1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(sb.state.conversation(team).last_message_nr).toBe(before + 1);
    await fetch(`${sb.url}/sandbox/faults`, { method: 'DELETE' });
    // The retry with the same id is de-duplicated.
    const retry = await alice.call(`message/send/${team}`, { message: 'ambiguous', client_req_id: 'cut-1' });
    expect(retry.status).toBe(200);
    expect(retry.body.result_message_nr).toBe(before + 1);
    expect(sb.state.conversation(team).last_message_nr).toBe(before + 1);
  });

  it('latency_ms holds every API call for that long before it runs; /sandbox/ is not held', async () => {
    await setFaults({ latency_ms: 60 });
    // The sandbox sleeps on a real timer; fake only setTimeout so the test drives that timer
    // itself (sockets and setImmediate stay real) and observes the held call without waiting.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const scheduled = vi.spyOn(globalThis, 'setTimeout');
    try {
      const held = (): boolean => scheduled.mock.calls.some(([, ms]) => ms === 60);
      const before = sb.state.conversation(team).last_message_nr;
      let answered = false;
      const send = alice.call(`message/send/${team}`, { message: 'late' }).then((res) => {
        answered = true;
        return res;
      });
      for (let i = 0; i < 10_000 && !held(); i++) await new Promise<void>((r) => setImmediate(r));
      expect(held()).toBe(true);
      expect((await fetch(`${sb.url}/sandbox/accounts`)).status).toBe(200);
      await vi.advanceTimersByTimeAsync(59);
      expect(answered).toBe(false);
      expect(sb.state.conversation(team).last_message_nr).toBe(before);
      await vi.advanceTimersByTimeAsync(1);
      const res = await send;
      expect(res.status).toBe(200);
      expect(res.body.result_message_nr).toBe(before + 1);
    } finally {
      // Spy first: it wraps the fake, so restoring it after useRealTimers would reinstall the fake.
      scheduled.mockRestore();
      vi.useRealTimers();
    }
  });

  it('hold_ms overrides the long-poll hold: a quiet poll answers empty at the same horizon', async () => {
    await setFaults({ hold_ms: 30 });
    const h = (await alice.call('account/sync')).body.event_horizon as number;
    const res = await alice.call('account/poll', { event_horizon: h, wait: true });
    expect(res.body).toMatchObject({ event_horizon: h, stream: [] });
  });

  it('rate_limit: 429 with Retry-After past the per-second budget, per account unless global', async () => {
    await setFaults({ rate_limit: { per_second: 2, retry_after_s: 3 } });
    expect((await alice.call('account/sync')).status).toBe(200);
    expect((await alice.call('account/sync')).status).toBe(200);
    const limited = await alice.call('account/sync');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.body).toMatchObject({ error_id: 'account_rate_limited', retry_after: 3 });
    const bob = await rawLogin(sb, 'bob@example.com');
    expect((await bob.call('account/sync')).status).toBe(200);
    await clock.advance(1000);
    expect((await alice.call('account/sync')).status).toBe(200);
    await setFaults({ rate_limit: { per_second: 1, global: true } });
    expect((await alice.call('account/sync')).status).toBe(200);
    expect((await bob.call('account/sync')).status).toBe(429);
  });

  it('expire_sessions_every: the Nth call is 401 and the session is gone until a new login', async () => {
    const me = await rawLogin(sb, 'carol@example.com');
    await setFaults({ expire_sessions_every: 3 });
    expect((await me.call('account/sync')).status).toBe(200);
    expect((await me.call('account/sync')).status).toBe(200);
    expect((await me.call('account/sync')).status).toBe(401);
    expect((await me.call('account/sync')).status).toBe(401);
    const again = await rawLogin(sb, 'carol@example.com');
    expect((await again.call('account/sync')).status).toBe(200);
  });

  it('duplicate_batches: a poll repeats already-delivered records from an older horizon', async () => {
    const h0 = (await alice.call('account/sync')).body.event_horizon as number;
    for (let i = 0; i < 3; i++) await alice.call(`message/send/${team}`, { message: `d${i}` });
    const first = await alice.call('account/poll', { event_horizon: h0, wait: false });
    const h1 = first.body.event_horizon as number;
    await alice.call(`message/send/${team}`, { message: 'next' });
    await setFaults({ seed: 3, duplicate_batches: 1 });
    const dup = await alice.call('account/poll', { event_horizon: h1, wait: false });
    const stream = dup.body.stream as Array<Record<string, unknown>>;
    const fresh = h1 + 2; // one message record and one conv record arrived since h1
    expect(stream.length).toBeGreaterThan(2);
    expect(dup.body.event_horizon).toBe(fresh);
    const firstStream = first.body.stream as unknown[];
    expect(firstStream).toContainEqual(stream[0]);
  });

  it('resync_every: every Nth poll answers horizon 0', async () => {
    await setFaults({ resync_every: 2 });
    const h = (await alice.call('account/sync')).body.event_horizon as number;
    expect((await alice.call('account/poll', { event_horizon: h, wait: false })).body.event_horizon).toBe(h);
    expect((await alice.call('account/poll', { event_horizon: h, wait: false })).body).toEqual({ event_horizon: 0, stream: [] });
  });

  it('DELETE /sandbox/faults restores normal service', async () => {
    await setFaults({ error_rate: 1 });
    await fetch(`${sb.url}/sandbox/faults`, { method: 'DELETE' });
    expect((await alice.call('account/sync')).status).toBe(200);
  });
});
