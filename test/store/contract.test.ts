/**
 * The Store contract, run against every backend: MemoryStore must behave exactly like SqliteStore.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.js';
import { StoreStateError } from '../../src/store/store-errors.js';
import { StoreConflictError } from '../../src/store/store.js';
import type { MemoryStore } from '../../src/store/memory-store.js';
import type { SqliteStore } from '../../src/store/sqlite-store.js';
import { backends, tempDir } from './helpers.js';
import type { BackendOptions } from './helpers.js';

const T0 = Date.parse('2026-03-29T00:00:00Z');
let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

describe.each(backends(() => tmp.dir))('Store contract: $name', (backend) => {
  const open: Array<MemoryStore | SqliteStore> = [];
  let clock: ManualClock;

  async function fresh(options: BackendOptions = {}): Promise<MemoryStore | SqliteStore> {
    clock = options.clock instanceof ManualClock ? options.clock : new ManualClock(T0);
    const store = backend.make({ clock, ...options });
    open.push(store);
    await store.open();
    return store;
  }

  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  describe('lifecycle (R-24)', () => {
    it('rejects reads and writes before open()', async () => {
      const store = backend.make({ clock: new ManualClock(T0) });
      open.push(store);
      await expect(store.get('ns', 'k')).rejects.toMatchObject({ code: 'STORE_NOT_OPEN' });
      await expect(store.set('ns', 'k', 1)).rejects.toBeInstanceOf(StoreStateError);
      await expect(store.commit({ cursor: 5 })).rejects.toThrow(/before open\(\) resolved.*Await store.open\(\)/);
      await store.open();
      expect(await store.getCursor()).toBeUndefined();
      expect(await store.get('ns', 'k')).toBeUndefined();
    });

    it('rejects a write issued while a slow open() is still loading, then accepts it after', async () => {
      const manual = new ManualClock(T0);
      const store = backend.make({ clock: manual, loadDelayMs: 5000 });
      open.push(store);
      const opening = store.open();
      expect(store.state).toBe('opening');
      await expect(store.set('ns', 'k', 'early')).rejects.toMatchObject({ code: 'STORE_NOT_OPEN', operation: 'set' });
      await expect(store.commit({ eventKey: 'e1', cursor: 9 })).rejects.toBeInstanceOf(StoreStateError);
      await manual.advance(4999);
      expect(store.state).toBe('opening');
      await manual.advance(1);
      await opening;
      expect(store.state).toBe('open');
      expect(await store.getCursor()).toBeUndefined();
      expect(await store.isHandled('e1')).toBe(false);
      await store.set('ns', 'k', 'late');
      expect(await store.get('ns', 'k')).toBe('late');
    });

    it('open() and close() are idempotent; use after close rejects', async () => {
      const store = await fresh();
      await store.open();
      await store.close();
      await store.close();
      await expect(store.get('ns', 'k')).rejects.toMatchObject({ code: 'STORE_CLOSED' });
      await expect(store.open()).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    });
  });

  describe('key/value', () => {
    it('reads a missing key as undefined and deletes it as false', async () => {
      const store = await fresh();
      expect(await store.get('ns', 'nope')).toBeUndefined();
      expect(await store.delete('ns', 'nope')).toBe(false);
    });

    it('round-trips JSON values, separated by namespace, without aliasing', async () => {
      const store = await fresh();
      const value = { a: [1, 2, { b: 'c' }], n: null, t: true, u: undefined };
      await store.set('one', 'k', value);
      await store.set('two', 'k', 42);
      value.a.push(3);
      const read = await store.get<{ a: unknown[] }>('one', 'k');
      expect(read).toEqual({ a: [1, 2, { b: 'c' }], n: null, t: true });
      expect(read).not.toHaveProperty('u');
      read?.a.push('mutated');
      expect(await store.get('one', 'k')).toEqual({ a: [1, 2, { b: 'c' }], n: null, t: true });
      expect(await store.get('two', 'k')).toBe(42);
      await store.set('one', 'k', null);
      expect(await store.get('one', 'k')).toBeNull();
    });

    it('deletes with delete() and with set(undefined)', async () => {
      const store = await fresh();
      await store.set('ns', 'a', 1);
      await store.set('ns', 'b', 2);
      expect(await store.delete('ns', 'a')).toBe(true);
      await store.set('ns', 'b', undefined);
      expect(await store.get('ns', 'a')).toBeUndefined();
      expect(await store.get('ns', 'b')).toBeUndefined();
    });

    it('rejects values without a JSON form and bad names with a clear error', async () => {
      const store = await fresh();
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await expect(store.set('ns', 'k', cyclic)).rejects.toThrow(/must be JSON-serialisable/);
      await expect(store.set('ns', 'k', () => 1)).rejects.toThrow(/JSON-serialisable, got function/);
      await expect(store.set('ns', 'k', 10n)).rejects.toThrow(TypeError);
      await expect(store.set('', 'k', 1)).rejects.toThrow(/namespace must be a non-empty string/);
      await expect(store.set('ns', 'k', 1, { ttlMs: -5 })).rejects.toThrow(/ttlMs must be a positive number/);
      expect(await store.get('ns', 'k')).toBeUndefined();
    });

    it('lists live keys of a namespace in code point order, optionally by prefix', async () => {
      const store = await fresh();
      for (const key of ['b', 'a', 'a:2', 'a:1', '\u{1F600}', '\uFFFF', 'A', 'ab']) await store.set('ns', key, key.length);
      await store.set('other', 'a:3', 0);
      await store.set('ns', 'a:temp', 1, { ttlMs: 100 });
      await clock.advance(100);
      expect((await store.list('ns')).map((e) => e.key)).toEqual(['A', 'a', 'a:1', 'a:2', 'ab', 'b', '\uFFFF', '\u{1F600}']);
      expect(await store.list('ns', 'a:')).toEqual([
        { key: 'a:1', value: 3 },
        { key: 'a:2', value: 3 },
      ]);
      expect(await store.list('ns', '%')).toEqual([]);
      expect(await store.list('empty')).toEqual([]);
    });

    it('expires keys after their TTL on the store clock', async () => {
      const store = await fresh();
      await store.set('ns', 'k', 'v', { ttlMs: 1000 });
      await store.set('ns', 'forever', 'v');
      await clock.advance(999);
      expect(await store.get('ns', 'k')).toBe('v');
      await clock.advance(1);
      expect(await store.get('ns', 'k')).toBeUndefined();
      expect(await store.delete('ns', 'k')).toBe(false);
      expect(await store.get('ns', 'forever')).toBe('v');
      // A plain set clears an earlier TTL.
      await store.set('ns', 'k2', 1, { ttlMs: 10 });
      await store.set('ns', 'k2', 2);
      await clock.advance(1000);
      expect(await store.get('ns', 'k2')).toBe(2);
    });
  });

  describe('compareAndSet', () => {
    it('writes only when the current value deep-equals expected', async () => {
      const store = await fresh();
      expect(await store.compareAndSet('ns', 'k', undefined, { a: 1, b: [1, 2] })).toBe(true);
      expect(await store.compareAndSet('ns', 'k', undefined, 'x')).toBe(false);
      expect(await store.compareAndSet('ns', 'k', { a: 2, b: [1, 2] }, 'x')).toBe(false);
      expect(await store.compareAndSet('ns', 'k', { b: [1, 2], a: 1, c: undefined }, { a: 2 })).toBe(true);
      expect(await store.get('ns', 'k')).toEqual({ a: 2 });
      expect(await store.compareAndSet('ns', 'k', { a: 2 }, undefined)).toBe(true);
      expect(await store.get('ns', 'k')).toBeUndefined();
      expect(await store.compareAndSet('ns', 'k', null, 1)).toBe(false);
    });

    it('treats an expired key as absent and can set a TTL', async () => {
      const store = await fresh();
      await store.set('lease', 'poller', 'A', { ttlMs: 30_000 });
      expect(await store.compareAndSet('lease', 'poller', undefined, 'B', { ttlMs: 30_000 })).toBe(false);
      await clock.advance(30_000);
      expect(await store.compareAndSet('lease', 'poller', undefined, 'B', { ttlMs: 30_000 })).toBe(true);
      await clock.advance(29_999);
      expect(await store.get('lease', 'poller')).toBe('B');
      await clock.advance(1);
      expect(await store.get('lease', 'poller')).toBeUndefined();
    });

    it('100 concurrent CAS-retry increments end at exactly 100 (R-25)', async () => {
      const store = await fresh();
      let conflicts = 0;
      const increment = async (): Promise<void> => {
        for (;;) {
          const current = await store.get<number>('ns', 'counter');
          if (await store.compareAndSet('ns', 'counter', current, (current ?? 0) + 1)) return;
          conflicts++;
        }
      };
      await Promise.all(Array.from({ length: 100 }, increment));
      expect(await store.get('ns', 'counter')).toBe(100);
      expect(conflicts).toBeGreaterThan(0);
    });
  });

  describe('commit, cursor and ledger', () => {
    it('resetCursor moves the cursor anywhere, also backwards (resync only)', async () => {
      const store = await fresh();
      await store.commit({ cursor: 500 });
      await store.resetCursor(20);
      expect(await store.getCursor()).toBe(20);
      await store.commit({ cursor: 25 });
      expect(await store.getCursor()).toBe(25);
      await expect(store.resetCursor(-1)).rejects.toThrow();
    });

    it('applies ledger, cursor, kv and outbox together; the cursor never moves backwards', async () => {
      const store = await fresh();
      expect(await store.getCursor()).toBeUndefined();
      await store.commit({
        eventKey: 'c1:1:0',
        cursor: 10,
        kv: [
          { namespace: 'p', key: 'seen', value: 1 },
          { namespace: 'p', key: 'tmp', value: 'x', ttlMs: 50 },
        ],
        outbox: [{ id: 'r1', lane: 'c1', effect: { method: 'message/send', body: { message: 'hi' } }, createdAt: T0 }],
      });
      expect(await store.isHandled('c1:1:0')).toBe(true);
      expect(await store.isHandled('c1:2:0')).toBe(false);
      expect(await store.getCursor()).toBe(10);
      expect(await store.get('p', 'seen')).toBe(1);
      await store.commit({ cursor: 7, kv: [{ namespace: 'p', key: 'seen', value: undefined }] });
      expect(await store.getCursor()).toBe(10);
      expect(await store.get('p', 'seen')).toBeUndefined();
      await clock.advance(50);
      expect(await store.get('p', 'tmp')).toBeUndefined();
      const [entry] = await store.outboxPending({ limit: 10 });
      expect(entry).toMatchObject({ id: 'r1', lane: 'c1', effect: { method: 'message/send', body: { message: 'hi' } }, createdAt: T0, attempts: 0, notBefore: 0 });
    });

    it('getJson returns the stored JSON text that get() parses; expired and missing keys are undefined', async () => {
      const store = await fresh();
      await store.set('p', 'k', { b: 1, a: [2] });
      await store.set('p', 't', 1, { ttlMs: 10 });
      expect(await store.getJson('p', 'k')).toBe('{"b":1,"a":[2]}');
      expect(JSON.parse((await store.getJson('p', 'k'))!)).toEqual(await store.get('p', 'k'));
      expect(await store.getJson('p', 'nope')).toBeUndefined();
      await clock.advance(10);
      expect(await store.getJson('p', 't')).toBeUndefined();
    });

    it('a conditional commit applies while its reads are current, and is refused whole when one changed', async () => {
      const store = await fresh();
      await store.set('p', 'count', 1);
      const read = await store.getJson('p', 'count');
      const conditional = {
        eventKey: 'e1',
        cursor: 3,
        expect: [{ namespace: 'p', key: 'count', json: read }, { namespace: 'p', key: 'absent', json: undefined }],
        kv: [{ namespace: 'p', key: 'count', value: 2 }],
        outbox: [{ id: 'e1:0', lane: 'c', effect: { n: 2 }, createdAt: T0 }],
        jobs: [{ id: 'job:e1', nextFireAt: T0 + 60_000, data: { n: 2 } }],
      };
      await store.set('p', 'count', 5); // a concurrent event got there first
      const refused = store.commit(conditional);
      await expect(refused).rejects.toBeInstanceOf(StoreConflictError);
      await expect(store.commit(conditional)).rejects.toMatchObject({ code: 'STORE_CONFLICT', reason: 'changed', eventKey: 'e1', changed: { namespace: 'p', key: 'count' } });
      expect(await store.get('p', 'count')).toBe(5);
      expect(await store.isHandled('e1')).toBe(false);
      expect(await store.getCursor()).toBeUndefined();
      expect(await store.outboxSize()).toBe(0);
      expect(await store.listJobs()).toEqual([]);

      // Run again on fresh reads: applies.
      await store.commit({ ...conditional, expect: [{ namespace: 'p', key: 'count', json: await store.getJson('p', 'count') }], kv: [{ namespace: 'p', key: 'count', value: 6 }] });
      expect(await store.get('p', 'count')).toBe(6);
      expect(await store.isHandled('e1')).toBe(true);
      expect(await store.getCursor()).toBe(3);
      expect(await store.getJob('job:e1')).toEqual({ id: 'job:e1', nextFireAt: T0 + 60_000, data: { n: 2 } });
      // The same unit committed again (a duplicate run) is refused as handled.
      await expect(store.commit({ eventKey: 'e1', expect: [], kv: [{ namespace: 'p', key: 'count', value: 7 }] })).rejects.toMatchObject({ reason: 'handled' });
      expect(await store.get('p', 'count')).toBe(6);
    });

    it('of concurrent conditional commits on one read, exactly one applies; the others in its group are unaffected', async () => {
      const store = await fresh();
      const read = await store.getJson('p', 'n');
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          store.commit({ eventKey: `e${i}`, expect: [{ namespace: 'p', key: 'n', json: read }], kv: [{ namespace: 'p', key: 'n', value: i }] }),
        ).concat([store.commit({ eventKey: 'plain', kv: [{ namespace: 'p', key: 'other', value: 1 }] })]),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      expect(results.at(-1)!.status).toBe('fulfilled');
      const winner = results.findIndex((r) => r.status === 'fulfilled');
      expect(await store.get('p', 'n')).toBe(winner);
      expect(await store.get('p', 'other')).toBe(1);
      expect((await Promise.all(Array.from({ length: 10 }, (_, i) => store.isHandled(`e${i}`)))).filter(Boolean)).toHaveLength(1);
    });

    it('treats an expired key as absent in a conditional commit', async () => {
      const store = await fresh();
      await store.set('p', 'mark', true, { ttlMs: 5 });
      await clock.advance(5);
      await store.commit({ eventKey: 'e', expect: [{ namespace: 'p', key: 'mark', json: undefined }], kv: [{ namespace: 'p', key: 'mark', value: true }] });
      expect(await store.get('p', 'mark')).toBe(true);
    });

    it('creates jobs only when their id is new, and cancels jobs, in the commit', async () => {
      const store = await fresh();
      await store.commit({ eventKey: 'a', jobs: [{ id: 'job:1', nextFireAt: T0 + 5, data: { v: 1 } }] });
      await store.saveJob({ id: 'job:1', nextFireAt: T0 + 9, data: { v: 'fired once, moved on' } });
      await store.commit({ eventKey: 'a', jobs: [{ id: 'job:1', nextFireAt: T0 + 5, data: { v: 1 } }, { id: 'job:2', nextFireAt: null, data: null }] });
      expect(await store.listJobs()).toEqual([
        { id: 'job:1', nextFireAt: T0 + 9, data: { v: 'fired once, moved on' } },
        { id: 'job:2', nextFireAt: null, data: null },
      ]);
      await store.commit({ eventKey: 'b', cancelJobs: ['job:1', 'job:none'] });
      expect((await store.listJobs()).map((j) => j.id)).toEqual(['job:2']);
      await expect(store.commit({ eventKey: 'c', jobs: [{ id: '', nextFireAt: null, data: null }] })).rejects.toThrow(/JobRow.id/);
      await expect(store.commit({ eventKey: 'c', cancelJobs: [''] })).rejects.toThrow(/cancelJobs/);
      expect(await store.isHandled('c')).toBe(false);
    });

    it('ignores an outbox id that already exists (re-handling after a crash)', async () => {
      const store = await fresh();
      await store.commit({ eventKey: 'e', outbox: [{ id: 'r1', lane: 'c', effect: { v: 1 }, createdAt: 1 }] });
      await store.commit({ eventKey: 'e', outbox: [{ id: 'r1', lane: 'c', effect: { v: 2 }, createdAt: 2 }, { id: 'r2', lane: 'c', effect: { v: 3 }, createdAt: 3 }] });
      const pending = await store.outboxPending({ limit: 10 });
      expect(pending.map((e) => [e.id, e.effect])).toEqual([
        ['r1', { v: 1 }],
        ['r2', { v: 3 }],
      ]);
    });

    it('a sent entry leaves the outbox for good, and its id committed again is pending again', async () => {
      const store = await fresh();
      const entry = (i: number): { id: string; lane: string; effect: object; createdAt: number } => ({ id: `r${i}`, lane: `c${i % 3}`, effect: { i }, createdAt: i });
      for (let i = 0; i < 3000; i++) await store.commit({ outbox: [entry(i)] });
      for (let i = 0; i < 2999; i++) await store.outboxDone(`r${i}`);
      await store.outboxDone('r5');
      await store.outboxRetry('r7', 3, 99);
      expect(await store.outboxSize()).toBe(1);
      await store.commit({ outbox: [entry(7)] });
      const pending = await store.outboxPending({ limit: 10 });
      expect(pending.map((e) => [e.id, e.attempts])).toEqual([
        ['r2999', 0],
        ['r7', 0],
      ]);
      expect((await store.outboxPending({ limit: 10, lane: 'c1' })).map((e) => e.id)).toEqual(['r7']);
      expect(await store.outboxSize()).toBe(2);
    });

    it('a commit with a bad part applies nothing', async () => {
      const store = await fresh();
      await expect(
        store.commit({ eventKey: 'e1', cursor: 5, kv: [{ namespace: 'p', key: 'k', value: 1 }], outbox: [{ id: 'r', lane: 'c', effect: () => 0, createdAt: 0 }] }),
      ).rejects.toThrow(/Outbox entry 'r' effect must be JSON-serialisable/);
      await expect(store.commit({ eventKey: 'e1', cursor: -1 })).rejects.toThrow(/cursor must be a non-negative integer/);
      expect(await store.isHandled('e1')).toBe(false);
      expect(await store.getCursor()).toBeUndefined();
      expect(await store.get('p', 'k')).toBeUndefined();
      expect(await store.outboxSize()).toBe(0);
    });

    it('prunes the ledger: entries survive while young OR among the newest minKeys', async () => {
      const store = await fresh({ ledgerRetention: { maxAgeMs: 1000, minKeys: 10 } });
      for (let i = 0; i < 30; i++) await store.commit({ eventKey: `e${i}`, cursor: i });
      await clock.advance(2000);
      await store.prune();
      const handled = async (from: number, to: number): Promise<boolean[]> => {
        const out: boolean[] = [];
        for (let i = from; i < to; i++) out.push(await store.isHandled(`e${i}`));
        return out;
      };
      expect(await handled(0, 20)).toEqual(Array(20).fill(false));
      expect(await handled(20, 30)).toEqual(Array(10).fill(true));
      for (let i = 30; i < 35; i++) await store.commit({ eventKey: `e${i}`, cursor: i });
      await store.prune();
      expect(await handled(20, 25)).toEqual(Array(5).fill(false));
      expect(await handled(25, 35)).toEqual(Array(10).fill(true));
      expect(await store.getCursor()).toBe(34);
    });

    it('prunes on its own every 1,000 writes', async () => {
      const store = await fresh({ ledgerRetention: { maxAgeMs: 10, minKeys: 0 } });
      await store.commit({ eventKey: 'old' });
      await clock.advance(11);
      for (let i = 0; i < 998; i++) await store.commit({ eventKey: `e${i}` });
      expect(await store.isHandled('old')).toBe(true);
      await store.commit({ eventKey: 'last' });
      expect(await store.isHandled('old')).toBe(false);
      expect(await store.isHandled('last')).toBe(true);
    });
  });

  describe('failures and dead letters', () => {
    it('counts failures per event key', async () => {
      const store = await fresh();
      expect(await store.recordFailure('e1', 'boom')).toBe(1);
      expect(await store.recordFailure('e1', 'boom again')).toBe(2);
      expect(await store.recordFailure('e2', 'x')).toBe(1);
      expect(await store.recordFailure('e1', 'third')).toBe(3);
    });

    it('keeps dead letters in order, filtered by kind', async () => {
      const store = await fresh();
      await store.addDeadLetter({ kind: 'event', key: 'e1', payload: { text: 'hi' }, reason: 'failed 3 times' });
      await clock.advance(5);
      await store.addDeadLetter({ kind: 'effect', key: 'r1', payload: null, reason: '400' });
      await store.addDeadLetter({ kind: 'event', key: 'e2', payload: [1], reason: 'again' });
      await expect(store.addDeadLetter({ kind: 'bogus' as 'event', key: 'x', payload: 1, reason: 'r' })).rejects.toThrow(/kind must be/);
      expect(await store.deadLetters()).toEqual([
        { kind: 'event', key: 'e1', payload: { text: 'hi' }, reason: 'failed 3 times', at: T0 },
        { kind: 'effect', key: 'r1', payload: null, reason: '400', at: T0 + 5 },
        { kind: 'event', key: 'e2', payload: [1], reason: 'again', at: T0 + 5 },
      ]);
      expect((await store.deadLetters('event')).map((d) => d.key)).toEqual(['e1', 'e2']);
      expect(await store.deadLetters('job')).toEqual([]);
    });

    it('resolves a dead letter together with its change, once, and refuses a bad change whole', async () => {
      const store = await fresh();
      await store.addDeadLetter({ kind: 'effect', key: 'r1', payload: null, reason: '431' });
      await store.addDeadLetter({ kind: 'event', key: 'r1', payload: null, reason: 'same key, other kind' });
      const requeue = { outbox: [{ id: 'r1', lane: 'c1', effect: { method: 'message/send' }, createdAt: T0 }], kv: [{ namespace: 'ns', key: 'k', value: 1 }] };
      await expect(store.resolveDeadLetter('effect', 'r1', { kv: [{ namespace: 'ns', key: 'bad', value: () => 1 }] })).rejects.toThrow(/JSON-serialisable/);
      expect((await store.deadLetters()).length).toBe(2);
      expect(await store.resolveDeadLetter('effect', 'r1', requeue)).toBe(true);
      expect(await store.resolveDeadLetter('effect', 'r1', requeue)).toBe(false);
      expect((await store.outboxPending({ limit: 10 })).map((e) => e.id)).toEqual(['r1']);
      expect(await store.get('ns', 'k')).toBe(1);
      expect(await store.deadLetters()).toEqual([{ kind: 'event', key: 'r1', payload: null, reason: 'same key, other kind', at: T0 }]);
      expect(await store.resolveDeadLetter('event', 'r1')).toBe(true);
      expect(await store.deadLetters()).toEqual([]);
    });
  });

  describe('outbox', () => {
    it('lists pending entries in seq order with limit, afterSeq and lane; retries and completes them', async () => {
      const store = await fresh();
      const lanes = ['a', 'b', 'a', 'c', 'a', 'b'];
      await store.commit({ outbox: lanes.map((lane, i) => ({ id: `r${i}`, lane, effect: { i }, createdAt: T0 + i, notBefore: i === 5 ? T0 + 99 : undefined })) });
      const all = await store.outboxPending({ limit: 100 });
      expect(all.map((e) => e.id)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
      for (let i = 1; i < all.length; i++) expect(all[i]!.seq).toBeGreaterThan(all[i - 1]!.seq);
      expect(all[5]!.notBefore).toBe(T0 + 99);
      expect((await store.outboxPending({ limit: 2 })).map((e) => e.id)).toEqual(['r0', 'r1']);
      expect((await store.outboxPending({ limit: 2, afterSeq: all[1]!.seq })).map((e) => e.id)).toEqual(['r2', 'r3']);
      expect((await store.outboxPending({ limit: 10, lane: 'a', afterSeq: all[0]!.seq })).map((e) => e.id)).toEqual(['r2', 'r4']);
      await store.outboxRetry('r2', 3, T0 + 5000);
      await store.outboxRetry('missing', 1, 1);
      expect((await store.outboxPending({ limit: 1, lane: 'a', afterSeq: all[0]!.seq }))[0]).toMatchObject({ id: 'r2', attempts: 3, notBefore: T0 + 5000, seq: all[2]!.seq });
      await store.outboxDone('r0');
      await store.outboxDone('r0');
      expect(await store.outboxSize()).toBe(5);
      expect((await store.outboxPending({ limit: 1 }))[0]!.id).toBe('r1');
      await expect(store.outboxPending({ limit: 0 })).rejects.toThrow(/limit must be a positive integer/);
    });

    it('never reuses a seq after the newest entry is removed', async () => {
      const store = await fresh();
      await store.commit({ outbox: [{ id: 'a', lane: 'l', effect: 1, createdAt: 0 }] });
      const [first] = await store.outboxPending({ limit: 1 });
      await store.outboxDone('a');
      await store.commit({ outbox: [{ id: 'b', lane: 'l', effect: 2, createdAt: 0 }] });
      const [second] = await store.outboxPending({ limit: 1 });
      expect(second!.seq).toBeGreaterThan(first!.seq);
    });
  });

  describe('jobs and fires', () => {
    it('saves, updates, lists (by next fire, finished last) and deletes jobs', async () => {
      const store = await fresh();
      await store.saveJob({ id: 'standup', nextFireAt: T0 + 3000, data: { cron: '0 9 * * 1-5' } });
      await store.saveJob({ id: 'done', nextFireAt: null, data: {} });
      await store.saveJob({ id: 'remind', nextFireAt: T0 + 1000, data: { text: 'x' } });
      await store.saveJob({ id: 'also', nextFireAt: T0 + 3000, data: null });
      expect((await store.listJobs()).map((j) => j.id)).toEqual(['remind', 'also', 'standup', 'done']);
      await store.saveJob({ id: 'remind', nextFireAt: null, data: { text: 'y' } });
      expect(await store.getJob('remind')).toEqual({ id: 'remind', nextFireAt: null, data: { text: 'y' } });
      expect(await store.getJob('nope')).toBeUndefined();
      expect(await store.deleteJob('remind')).toBe(true);
      expect(await store.deleteJob('remind')).toBe(false);
      expect((await store.listJobs()).map((j) => j.id)).toEqual(['also', 'standup', 'done']);
    });

    it('claims a fire key exactly once, even among concurrent callers (R-18)', async () => {
      const store = await fresh();
      const results = await Promise.all(Array.from({ length: 20 }, () => store.claimFire('standup@2026-03-30T07:00Z', T0)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.claimFire('standup@2026-03-30T07:00Z', T0)).toBe(false);
      expect(await store.claimFire('standup@2026-03-31T07:00Z', T0 + 86_400_000)).toBe(true);
    });
  });
});
