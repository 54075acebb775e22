/**
 * an unreadable store file is moved aside and reported loudly, never silently reset.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.js';
import { SqliteStore, StoreCorruptError } from '../../src/store/index.js';
import type { StoreLogger } from '../../src/store/index.js';
import { tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let n = 0;
beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

const T0 = Date.parse('2026-03-29T12:34:56.789Z');

/** A real store file with some state, closed. */
async function goodFile(): Promise<string> {
  const path = join(tmp.dir, `c-${++n}.db`);
  const store = new SqliteStore({ path });
  await store.open();
  for (let i = 0; i < 3000; i++) {
    await store.commit({ eventKey: `e${i}`, cursor: i, outbox: [{ id: `r${i}`, lane: 'c', effect: { text: 'x'.repeat(100) }, createdAt: i }] });
  }
  await store.close();
  return path;
}

function recordingLogger(): StoreLogger & { lines: Array<{ level: string; msg: string; obj: object }> } {
  const lines: Array<{ level: string; msg: string; obj: object }> = [];
  return {
    lines,
    warn: (obj, msg) => lines.push({ level: 'warn', msg, obj }),
    error: (obj, msg) => lines.push({ level: 'error', msg, obj }),
  };
}

async function openError(path: string): Promise<StoreCorruptError> {
  const logger = recordingLogger();
  const store = new SqliteStore({ path, clock: new ManualClock(T0), logger });
  const error = await store.open().then(
    () => undefined,
    (e: unknown) => e,
  );
  await store.close();
  expect(error).toBeInstanceOf(StoreCorruptError);
  expect(logger.lines.map((l) => l.level)).toEqual(['error']);
  return error as StoreCorruptError;
}

const damages: Array<[string, (path: string) => Promise<string>]> = [
  [
    'zero-filled',
    async () => {
      const path = join(tmp.dir, `z-${++n}.db`);
      writeFileSync(path, Buffer.alloc(64 * 1024));
      return path;
    },
  ],
  [
    'half-written (truncated)',
    async () => {
      const path = await goodFile();
      truncateSync(path, Math.floor(statSync(path).size / 2) + 123);
      return path;
    },
  ],
  [
    'random garbage',
    async () => {
      const path = join(tmp.dir, `g-${++n}.db`);
      writeFileSync(path, randomBytes(20_000));
      return path;
    },
  ],
  [
    'damaged in the middle (header intact)',
    async () => {
      const path = await goodFile();
      const size = statSync(path).size;
      const fd = openSync(path, 'r+');
      writeSync(fd, randomBytes(3 * 4096), 0, 3 * 4096, Math.floor(size / 2 / 4096) * 4096);
      closeSync(fd);
      return path;
    },
  ],
  [
    'empty (0 bytes)',
    async () => {
      const path = join(tmp.dir, `e-${++n}.db`);
      writeFileSync(path, '');
      return path;
    },
  ],
];

describe.each(damages)('a %s store file', (_name, damage) => {
  it('refuses to open, naming the file and where it was moved', async () => {
    const path = await damage('');
    const bytes = readFileSync(path);
    const error = await openError(path);
    expect(error.code).toBe('STORE_CORRUPT');
    expect(error.path).toBe(path);
    expect(error.movedTo).toBe(`${path}.corrupt-2026-03-29T12-34-56-789Z`);
    expect(error.message).toContain(path);
    expect(error.message).toContain(error.movedTo);
    expect(error.message).toMatch(/onCorrupt: resync/);
    expect(existsSync(path)).toBe(false);
    expect(readFileSync(error.movedTo).equals(bytes)).toBe(true);
  });

  it("with onCorrupt 'resync' starts fresh, flags recoveredFromCorruption and warns", async () => {
    const path = await damage('');
    const logger = recordingLogger();
    const store = new SqliteStore({ path, onCorrupt: 'resync', clock: new ManualClock(T0), logger });
    await store.open();
    try {
      expect(store.recoveredFromCorruption).toBe(true);
      expect(await store.getCursor()).toBeUndefined();
      expect(await store.outboxSize()).toBe(0);
      await store.commit({ eventKey: 'new', cursor: 1 });
      expect(await store.getCursor()).toBe(1);
    } finally {
      await store.close();
    }
    const movedTo = `${path}.corrupt-2026-03-29T12-34-56-789Z`;
    expect(existsSync(movedTo)).toBe(true);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({ level: 'warn', obj: { path, movedTo } });
    expect(logger.lines[0]!.msg).toMatch(/account\/sync/);
  });
});

describe('after a refused open', () => {
  it('stays failed: a second open() rejects the same way instead of creating a fresh file', async () => {
    const path = join(tmp.dir, `sticky-${++n}.db`);
    writeFileSync(path, Buffer.alloc(8192));
    const store = new SqliteStore({ path });
    const first = await store.open().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(first).toBeInstanceOf(StoreCorruptError);
    expect(store.state).toBe('failed');
    await expect(store.open()).rejects.toBe(first);
    await expect(store.commit({ cursor: 1 })).rejects.toMatchObject({ code: 'STORE_OPEN_FAILED' });
    expect(existsSync(path)).toBe(false);
  });

  it('reports through a pino logger', async () => {
    const path = join(tmp.dir, `pino-${++n}.db`);
    writeFileSync(path, randomBytes(4096));
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const store = new SqliteStore({ path, onCorrupt: 'resync', logger });
    await store.open();
    await store.close();
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as { level: number; path: string; movedTo: string; msg: string };
    expect(entry).toMatchObject({ level: 40, path });
    expect(entry.movedTo).toMatch(/\.corrupt-/);
  });
});

describe('not corruption', () => {
  it('a second corrupt file at the same instant gets a distinct moved-aside name, -wal moved along', async () => {
    const path = join(tmp.dir, `twice-${++n}.db`);
    writeFileSync(path, randomBytes(5000));
    const first = await openError(path);
    writeFileSync(path, randomBytes(5000));
    writeFileSync(`${path}-wal`, randomBytes(100));
    const second = await openError(path);
    expect(second.movedTo).toBe(`${first.movedTo}-1`);
    expect(existsSync(`${second.movedTo}-wal`)).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('a path that cannot be opened is reported as is and nothing is moved', async () => {
    const dirPath = join(tmp.dir, `a-directory-${++n}`);
    mkdirSync(dirPath);
    const store = new SqliteStore({ path: dirPath });
    const error = await store.open().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(StoreCorruptError);
    expect(existsSync(dirPath)).toBe(true);
  });

  it('a healthy file written by another connection opens normally', async () => {
    const path = join(tmp.dir, `plain-${++n}.db`);
    const raw = new Database(path);
    raw.exec('CREATE TABLE unrelated (a)');
    raw.close();
    const store = new SqliteStore({ path, openCheck: 'full' });
    await store.open();
    expect(store.recoveredFromCorruption).toBe(false);
    await store.close();
  });
});
