/**
 * R-23 for the write-ahead log: a store whose process died leaves its newest commits in
 * `<file>-wal`. Deleting that file, or damage inside it, must be as loud as damage to the main
 * file (SQLite alone silently reads the older state). A clean close, an intact WAL after a crash
 * and a torn last transaction are not damage.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore, StoreCorruptError } from '../../src/store/index.js';
import type { StoreLogger } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let n = 0;
beforeAll(() => {
  tmp = tempDir('fleepkit-wal-');
});
afterAll(() => tmp.cleanup());

const T0 = Date.parse('2026-03-29T12:34:56.789Z');
const COMMITS = 200;

/**
 * The files a SIGKILL leaves behind: a store that committed {@link COMMITS} events (cursor and
 * an outbox entry each) is copied, main file and WAL, while it is still open.
 */
async function crashedFiles(commits = COMMITS): Promise<string> {
  const live = join(tmp.dir, `live-${++n}.db`);
  const store = new SqliteStore({ path: live });
  await store.open();
  for (let i = 1; i <= commits; i++) {
    await store.commit({ eventKey: `e${i}`, cursor: i, outbox: [{ id: `r${i}`, lane: 'c', effect: { text: `reply ${i}` }, createdAt: i }] });
  }
  const path = join(tmp.dir, `crashed-${n}.db`);
  copyFileSync(live, path);
  copyFileSync(`${live}-wal`, `${path}-wal`);
  await store.close();
  rmSync(live);
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

async function refusal(path: string): Promise<{ error: StoreCorruptError; logger: ReturnType<typeof recordingLogger> }> {
  const logger = recordingLogger();
  const store = new SqliteStore({ path, clock: new ManualClock(T0), logger });
  const error = await store.open().then(
    async () => {
      const cursor = await store.getCursor();
      await store.close();
      return new Error(`opened without complaint, cursor ${String(cursor)} (of ${COMMITS})`);
    },
    (e: unknown) => e,
  );
  await store.close();
  expect(error).toBeInstanceOf(StoreCorruptError);
  return { error: error as StoreCorruptError, logger };
}

/** Byte offset of the last commit frame of the WAL's current generation (frames after it may be older ones). */
function lastCommitFrameOffset(walPath: string): number {
  const wal = readFileSync(walPath);
  const frameSize = 24 + wal.readUInt32BE(8);
  let last = -1;
  for (let offset = 32; offset + frameSize <= wal.length; offset += frameSize) {
    const current = wal.readUInt32BE(offset + 8) === wal.readUInt32BE(16) && wal.readUInt32BE(offset + 12) === wal.readUInt32BE(20);
    if (current && wal.readUInt32BE(offset + 4) !== 0) last = offset;
  }
  expect(last).toBeGreaterThan(0);
  return last;
}

async function opened(path: string): Promise<{ cursor: number | undefined; outbox: number }> {
  const store = new SqliteStore({ path });
  await store.open();
  try {
    expect(store.recoveredFromCorruption).toBe(false);
    return { cursor: await store.getCursor(), outbox: await store.outboxSize() };
  } finally {
    await store.close();
  }
}

describe('a deleted WAL', () => {
  it('after a crash: refused loudly, the main file moved aside, nothing silently reset', async () => {
    const path = await crashedFiles();
    rmSync(`${path}-wal`);
    const main = readFileSync(path);
    const { error, logger } = await refusal(path);
    expect(error.message).toMatch(/write-ahead log \(-wal file\) is missing/);
    expect(error.message).toContain(error.movedTo);
    expect(logger.lines.map((l) => l.level)).toEqual(['error']);
    expect(existsSync(path)).toBe(false);
    expect(readFileSync(error.movedTo).equals(main)).toBe(true);
  });

  it('after the store checkpointed and started a new WAL generation: still refused', async () => {
    // 600 commits write more than 4 MiB of WAL: the store checkpoints once on the way.
    const path = await crashedFiles(600);
    expect(statSync(`${path}-wal`).size).toBeLessThan(4 * 1024 * 1024);
    rmSync(`${path}-wal`);
    const { error } = await refusal(path);
    expect(error.message).toMatch(/write-ahead log \(-wal file\) is missing/);
  });

  it('after another program checkpointed it (the sqlite3 shell opening and closing the file) is harmless', async () => {
    const path = await crashedFiles();
    const raw = new Database(path);
    expect(raw.prepare('SELECT count(*) AS n FROM outbox').get()).toEqual({ n: COMMITS });
    raw.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(await opened(path)).toEqual({ cursor: COMMITS, outbox: COMMITS });
  });

  it("with onCorrupt 'resync' starts fresh and flags recoveredFromCorruption (the bot continues from account/sync)", async () => {
    const path = await crashedFiles();
    rmSync(`${path}-wal`);
    const logger = recordingLogger();
    const store = new SqliteStore({ path, onCorrupt: 'resync', clock: new ManualClock(T0), logger });
    await store.open();
    expect(store.recoveredFromCorruption).toBe(true);
    expect(await store.getCursor()).toBeUndefined();
    await store.close();
    expect(logger.lines.map((l) => l.level)).toEqual(['warn']);
  });

  it('after a clean close is harmless: the close checkpointed everything and removed it', async () => {
    const path = await crashedFiles();
    expect(await opened(path)).toEqual({ cursor: COMMITS, outbox: COMMITS });
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(await opened(path)).toEqual({ cursor: COMMITS, outbox: COMMITS });
  });
});

describe('a garbled WAL', () => {
  it('bytes overwritten in the middle: refused loudly, not rolled back', async () => {
    const path = await crashedFiles();
    // Halfway through the current generation's frames, well before its last commit.
    const middle = Math.floor(lastCommitFrameOffset(`${path}-wal`) / 2);
    const fd = openSync(`${path}-wal`, 'r+');
    writeSync(fd, randomBytes(512), 0, 512, middle);
    closeSync(fd);
    const wal = readFileSync(`${path}-wal`);
    const { error } = await refusal(path);
    expect(error.message).toMatch(/write-ahead log .*-wal is damaged: frame \d+ of \d+ fails its checksum, and committed frames follow it/);
    expect(readFileSync(`${error.movedTo}-wal`).equals(wal)).toBe(true);
  });

  it('a zero-filled header: refused loudly, not ignored', async () => {
    const path = await crashedFiles();
    const fd = openSync(`${path}-wal`, 'r+');
    writeSync(fd, Buffer.alloc(32), 0, 32, 0);
    closeSync(fd);
    const { error } = await refusal(path);
    expect(error.message).toMatch(/-wal is damaged: its header is not a WAL header/);
  });

  it('an intact WAL after a crash opens with every commit; a torn last transaction is not damage', async () => {
    const path = await crashedFiles();
    const torn = join(tmp.dir, `torn-${n}.db`);
    copyFileSync(path, torn);
    copyFileSync(`${path}-wal`, `${torn}-wal`);
    expect(await opened(path)).toEqual({ cursor: COMMITS, outbox: COMMITS });
    // Cut inside the last transaction's commit frame: SQLite never acknowledged that transaction.
    truncateSync(`${torn}-wal`, lastCommitFrameOffset(`${torn}-wal`) + 1000);
    const after = await opened(torn);
    expect(after.cursor).toBe(COMMITS - 1);
    expect(after.outbox).toBe(COMMITS - 1);
  });
});
