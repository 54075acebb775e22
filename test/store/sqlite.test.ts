/**
 * SqliteStore beyond the shared contract: persistence, several instances on one file, schema
 * versioning and migrations, pragmas, and the createStore factory.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.js';
import { createStore, MemoryStore, SqliteStore, StoreSchemaError } from '../../src/store/index.js';
import { MIGRATIONS, SCHEMA_VERSION, migrate } from '../../src/store/sqlite-schema.js';
import type { Migration } from '../../src/store/sqlite-schema.js';
import { tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let n = 0;
const stores: SqliteStore[] = [];
beforeAll(() => {
  tmp = tempDir();
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});
afterAll(() => tmp.cleanup());

function file(): string {
  return join(tmp.dir, `s-${++n}.db`);
}

async function openStore(path: string, options: ConstructorParameters<typeof SqliteStore>[0] = {}): Promise<SqliteStore> {
  const store = new SqliteStore({ ...options, path });
  stores.push(store);
  await store.open();
  return store;
}

describe('SqliteStore', () => {
  it('persists everything across a close and reopen', async () => {
    const path = file();
    const a = await openStore(path);
    await a.commit({ eventKey: 'e1', cursor: 42, kv: [{ namespace: 'p', key: 'k', value: { x: 1 } }], outbox: [{ id: 'r1', lane: 'c', effect: { m: 1 }, createdAt: 5 }] });
    await a.saveJob({ id: 'j', nextFireAt: 100, data: { every: '1h' } });
    // Fire keys are pruned 30 days after their instant, so use a current one.
    await a.claimFire('j@now', Date.now());
    await a.recordFailure('bad', 'boom');
    await a.addDeadLetter({ kind: 'job', key: 'j', payload: 1, reason: 'r' });
    await a.close();
    const b = await openStore(path);
    expect(b.recoveredFromCorruption).toBe(false);
    expect(await b.getCursor()).toBe(42);
    expect(await b.isHandled('e1')).toBe(true);
    expect(await b.get('p', 'k')).toEqual({ x: 1 });
    expect((await b.outboxPending({ limit: 5 })).map((e) => e.id)).toEqual(['r1']);
    expect(await b.getJob('j')).toEqual({ id: 'j', nextFireAt: 100, data: { every: '1h' } });
    expect(await b.claimFire('j@now', Date.now())).toBe(false);
    expect(await b.recordFailure('bad', 'again')).toBe(2);
    expect(await b.deadLetters('job')).toHaveLength(1);
  });

  it('creates the directory, uses WAL, FULL sync by default and the busy timeout', async () => {
    const path = join(tmp.dir, 'nested', 'deeper', 'bot.db');
    const store = await openStore(path, { busyTimeoutMs: 7000 });
    expect(store.description).toBe(`sqlite:${path}`);
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      const tables = (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
      expect(tables).toEqual(expect.arrayContaining(['dead_letters', 'failures', 'fires', 'jobs', 'kv', 'ledger', 'meta', 'outbox']));
    } finally {
      raw.close();
    }
    const db = (store as unknown as { db: Database.Database }).db;
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(7000);
    const normal = await openStore(file(), { synchronous: 'NORMAL' });
    expect((normal as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true })).toBe(1);
  });

  it('validates options with messages naming the value', () => {
    expect(() => new SqliteStore({ path: file(), onCorrupt: 'ignore' as 'refuse' })).toThrow(/onCorrupt must be 'refuse' or 'resync', got "ignore"/);
    expect(() => new SqliteStore({ path: file(), synchronous: 'OFF' as 'FULL' })).toThrow(/synchronous must be 'FULL' or 'NORMAL'/);
    expect(() => new SqliteStore({ path: file(), busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs/);
    expect(() => new SqliteStore({ path: file(), ledgerRetention: { minKeys: 1.5 } })).toThrow(/minKeys must be a non-negative integer/);
  });

  describe('two instances on one file', () => {
    it('100 concurrent CAS-retry increments across both end at exactly 100', async () => {
      const path = file();
      const a = await openStore(path);
      const b = await openStore(path);
      const increment = async (store: SqliteStore): Promise<void> => {
        for (;;) {
          const current = await store.get<number>('ns', 'counter');
          if (await store.compareAndSet('ns', 'counter', current, (current ?? 0) + 1)) return;
        }
      };
      await Promise.all(Array.from({ length: 100 }, (_, i) => increment(i % 2 ? a : b)));
      expect(await a.get('ns', 'counter')).toBe(100);
      expect(await b.get('ns', 'counter')).toBe(100);
    });

    it('claimFire is true for exactly one instance per fire key', async () => {
      const path = file();
      const a = await openStore(path);
      const b = await openStore(path);
      const keys = Array.from({ length: 200 }, (_, i) => `job@${i}`);
      const results = await Promise.all(keys.flatMap((k, i) => [a.claimFire(k, i), b.claimFire(k, i)]));
      for (let i = 0; i < keys.length; i++) expect(Number(results[2 * i]) + Number(results[2 * i + 1])).toBe(1);
      expect(results.filter((r, i) => r && i % 2 === 0).length).toBeGreaterThan(0);
    });

    it('the cursor written by one is read by the other and never moves backwards', async () => {
      const path = file();
      const a = await openStore(path);
      const b = await openStore(path);
      await a.commit({ cursor: 50 });
      await b.commit({ cursor: 40, eventKey: 'x' });
      expect(await a.getCursor()).toBe(50);
      expect(await a.isHandled('x')).toBe(true);
    });
  });

  describe('schema versions', () => {
    it('refuses a file from a newer fleepkit and leaves it untouched', async () => {
      const path = file();
      const raw = new Database(path);
      raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      raw.close();
      const store = new SqliteStore({ path });
      stores.push(store);
      const error = await store.open().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StoreSchemaError);
      expect(error).toMatchObject({ code: 'STORE_SCHEMA_TOO_NEW', found: SCHEMA_VERSION + 1, known: SCHEMA_VERSION });
      expect(String((error as Error).message)).toMatch(/upgrade fleepkit/);
      expect(existsSync(path)).toBe(true);
      const check = new Database(path);
      expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
      check.close();
    });

    it('applies pending migrations in order, in one transaction', () => {
      const db = new Database(':memory:');
      const applied: number[] = [];
      const extra: Migration[] = [...MIGRATIONS, (d) => (applied.push(2), d.exec('CREATE TABLE extra (a)'))];
      migrate(db, ':memory:');
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      migrate(db, ':memory:', extra);
      expect(applied).toEqual([2]);
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
      migrate(db, ':memory:', extra);
      expect(applied).toEqual([2]);

      const failing = new Database(':memory:');
      const broken: Migration[] = [
        ...MIGRATIONS,
        (d) => {
          d.exec('CREATE TABLE half (a)');
          throw new Error('migration 2 failed');
        },
      ];
      expect(() => migrate(failing, ':memory:', broken)).toThrow('migration 2 failed');
      expect(failing.pragma('user_version', { simple: true })).toBe(0);
      expect(failing.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name IN ('kv', 'half')").get()).toEqual({ n: 0 });
      db.close();
      failing.close();
    });
  });

  it('coalesces removals of sent entries: with the next commit, or in one transaction of their own', async () => {
    const path = file();
    const a = await openStore(path);
    const entry = (id: string): { id: string; lane: string; effect: object; createdAt: number } => ({ id, lane: 'c', effect: { m: id }, createdAt: 1 });
    await a.commit({ outbox: ['s1', 's2', 's3', 's4'].map(entry) });
    const other = await openStore(path);
    const pendingIds = async (s: SqliteStore): Promise<string[]> => (await s.outboxPending({ limit: 10 })).map((e) => e.id);

    // Two removals, then a commit before either was awaited: the commit writes them.
    const first = [a.outboxDone('s1'), a.outboxDone('s2')];
    await a.commit({ eventKey: 'e1', cursor: 1 });
    expect(await pendingIds(other)).toEqual(['s3', 's4']);
    await Promise.all(first);

    // A removal with no commit after it is written on its own once the event loop turns.
    await a.outboxDone('s3');
    expect(await pendingIds(other)).toEqual(['s4']);

    // Reading the outbox writes pending removals first: a sent entry is never listed again.
    const last = a.outboxDone('s4');
    expect(await pendingIds(a)).toEqual([]);
    expect(await a.outboxSize()).toBe(0);
    await last;
    expect(await pendingIds(other)).toEqual([]);
  });

  it('group commit: commits of one turn share a transaction; each resolves once written, and every read sees them', async () => {
    const path = file();
    const a = await openStore(path);
    const other = await openStore(path);
    const commits = [1, 2, 3].map((i) => a.commit({ eventKey: `e${i}`, cursor: i, kv: [{ namespace: 'p', key: `k${i}`, value: i }] }));
    // Not on disk yet (another connection does not see them), but this store already counts them.
    expect(await other.isHandled('e1')).toBe(false);
    expect(await a.isHandled('e2')).toBe(true);
    await Promise.all(commits);
    expect(await Promise.all(['e1', 'e2', 'e3'].map((k) => other.isHandled(k)))).toEqual([true, true, true]);
    expect(await other.getCursor()).toBe(3);

    // Any other call writes the pending commits first: read-your-writes, in call order.
    const pending = a.commit({ kv: [{ namespace: 'p', key: 'k1', value: 'new' }] });
    expect(await a.get('p', 'k1')).toBe('new');
    await a.set('p', 'k1', 'newer');
    await pending;
    expect(await other.get('p', 'k1')).toBe('newer');

    // A refused commit is refused alone; the others of its turn are written.
    const good = a.commit({ eventKey: 'e4' });
    const bad = a.commit({ eventKey: 'e5', kv: [{ namespace: 'p', key: 'f', value: () => 1 }] });
    await expect(bad).rejects.toThrow(/JSON/);
    await good;
    expect([await other.isHandled('e4'), await other.isHandled('e5')]).toEqual([true, false]);
  });

  it('writes pending removals on close', async () => {
    const path = file();
    const a = await openStore(path);
    await a.commit({ outbox: [{ id: 'x', lane: 'c', effect: {}, createdAt: 1 }] });
    const done = a.outboxDone('x');
    await a.close();
    await done;
    const b = await openStore(path);
    expect(await b.outboxSize()).toBe(0);
  });

  it('keeps the ledger small: pruning removes old rows once past minKeys', async () => {
    const clock = new ManualClock(0);
    const store = await openStore(file(), { clock, ledgerRetention: { maxAgeMs: 1000, minKeys: 500 } });
    for (let i = 0; i < 2000; i++) await store.commit({ eventKey: `e${i}` });
    await clock.advance(1001);
    await store.prune();
    const db = (store as unknown as { db: Database.Database }).db;
    expect(db.prepare('SELECT count(*) AS n FROM ledger').get()).toEqual({ n: 500 });
    expect(await store.isHandled('e1499')).toBe(false);
    expect(await store.isHandled('e1500')).toBe(true);
  });
});

describe('createStore', () => {
  it('builds a memory store, a SQLite store, and refuses both at once', async () => {
    expect(createStore({ memory: true })).toBeInstanceOf(MemoryStore);
    const path = file();
    const store = createStore({ sqlite: path, onCorrupt: 'resync', sqliteOptions: { synchronous: 'NORMAL' } });
    expect(store).toBeInstanceOf(SqliteStore);
    expect(store.description).toBe(`sqlite:${path}`);
    expect(() => createStore({ memory: true, sqlite: path })).toThrow(/both memory: true and sqlite/);
    expect(new SqliteStore().path).toBe('./data/fleepkit.db');
  });
});
