/**
 * crash harness: a child process commits in a loop and is SIGKILLed mid-stream,
 * repeatedly; after each kill the file must pass `integrity_check` and show only whole
 * transactions, with every commit the child reported as done still present.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { tempDir } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/commit-loop.ts', import.meta.url));
const KILLS = 5;

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('fleepkit-crash-');
});
afterAll(() => tmp.cleanup());

/** Runs the child until it reports `target` more commits, SIGKILLs it, resolves the last reported commit. */
function runAndKill(path: string, synchronous: string, extra: number): Promise<{ start: number; lastReported: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, path, synchronous], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    let stderr = '';
    let start = -1;
    let lastReported = 0;
    let killed = false;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const [word, num] = line.split(' ');
        if (word === 'start') start = Number(num);
        else if (word === 'committed') lastReported = Number(num);
      }
      if (!killed && start > 0 && lastReported >= start + extra) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    // 'close' (not 'exit'): every line the child wrote before dying has been read by then.
    child.on('close', (_code, signal) => {
      if (buffer.startsWith('committed ')) lastReported = Math.max(lastReported, Number(buffer.slice(10)) || 0);
      if (signal === 'SIGKILL') resolve({ start, lastReported });
      else reject(new Error(`child exited on its own (code ${String(_code)}): ${stderr}`));
    });
  });
}

/** Checks the file with a raw connection: integrity and whole transactions only. */
function inspect(path: string): { cursor: number; ledger: number } {
  const db = new Database(path);
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const cursor = (db.prepare("SELECT value FROM meta WHERE key = 'cursor'").get() as { value: number }).value;
    const ledger = (db.prepare('SELECT count(*) AS n, max(CAST(substr(event_key, 6) AS INTEGER)) AS mx FROM ledger').get() as { n: number; mx: number });
    const outbox = (db.prepare('SELECT count(*) AS n, max(created_at) AS mx FROM outbox').get() as { n: number; mx: number });
    const last = JSON.parse((db.prepare("SELECT value FROM kv WHERE namespace = 'crash' AND key = 'last'").get() as { value: string }).value) as { i: number };
    // Every commit 1..cursor is whole: its ledger row, its outbox row, and nothing beyond.
    expect(ledger).toEqual({ n: cursor, mx: cursor });
    expect(outbox).toEqual({ n: cursor, mx: cursor });
    expect(last.i).toBe(cursor);
    const orphans = db.prepare("SELECT count(*) AS n FROM ledger l LEFT JOIN outbox o ON o.id = 'req-' || substr(l.event_key, 6, length(l.event_key) - 7) WHERE o.id IS NULL").get() as { n: number };
    expect(orphans.n).toBe(0);
    return { cursor, ledger: ledger.n };
  } finally {
    db.close();
  }
}

describe.each(['FULL', 'NORMAL'])('crash harness, synchronous %s', (synchronous) => {
  it(`survives ${KILLS} SIGKILLs mid-commit with only whole transactions`, async () => {
    const path = join(tmp.dir, `crash-${synchronous}.db`);
    let previous = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const { start, lastReported } = await runAndKill(path, synchronous, 200 + kill * 173);
      expect(start).toBe(previous + 1);
      const { cursor } = inspect(path);
      // A process crash loses nothing the child saw committed (even with NORMAL).
      // (No upper bound: the child keeps committing until the signal lands, and its progress
      // lines may still sit unread in the pipe when the parent decides to kill.)
      expect(cursor).toBeGreaterThanOrEqual(lastReported);
      previous = cursor;
    }
    const store = new SqliteStore({ path, openCheck: 'full' });
    await store.open();
    expect(store.recoveredFromCorruption).toBe(false);
    expect(await store.getCursor()).toBe(previous);
    expect(await store.outboxSize()).toBe(previous);
    await store.close();
  });
});
