/**
 * A SIGKILL during a cron run must not block the job (issue: the dead process's 10-minute slot
 * lease held the job up). The bot runs as a child process on SQLite with a clock the test drives
 * over stdin; it is killed while a slot's handler runs and started again: the killed slot is
 * re-run once at start and every following slot fires on time, one each, for `missed:
 * once` and `missed: all` alike (no late burst).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/cron-bot.ts', import.meta.url));
const T0 = Date.parse('2026-06-01T10:00:30Z');
const slot = (hhmm: string): string => `2026-06-01T${hhmm}:00.000Z`;

interface Child {
  proc: ChildProcess;
  /** Every `fired …` line so far. */
  fired: string[];
  waitFor(test: (line: string) => boolean): Promise<string>;
  advance(ms: number): Promise<void>;
}

function startBot(url: string, db: string, startMs: number, missed: string, hang?: string): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE, url, db, String(startMs), missed, ...(hang ? [hang] : [])], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const fired: string[] = [];
  const waiters: Array<{ test: (l: string) => boolean; resolve: (l: string) => void }> = [];
  const exited = new Promise<never>((_, reject) => proc.once('exit', (code, signal) => reject(new Error(`bot exited (${code ?? signal})`))));
  exited.catch(() => undefined);
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    lines.push(line);
    if (line.startsWith('fired ')) fired.push(line);
    for (const w of waiters.splice(0)) {
      if (w.test(line)) w.resolve(line);
      else waiters.push(w);
    }
  });
  const waitFor = (test: (line: string) => boolean): Promise<string> => {
    const seen = lines.find(test);
    return seen !== undefined ? Promise.resolve(seen) : Promise.race([new Promise<string>((resolve) => waiters.push({ test, resolve })), exited]);
  };
  return {
    proc,
    fired,
    waitFor,
    advance: async (ms) => {
      const before = lines.filter((l) => l === 'advanced').length;
      proc.stdin!.write(`advance ${ms}\n`);
      let seen = 0;
      await waitFor((l) => l === 'advanced' && ++seen > before);
    },
  };
}

function kill(child: Child, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    child.proc.once('exit', () => resolve());
    child.proc.kill(signal);
  });
}

const dirs: string[] = [];
const sandboxes: SandboxHandle[] = [];
const children: Child[] = [];
afterAll(async () => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) await kill(c, 'SIGKILL');
  for (const s of sandboxes) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('SIGKILL during a cron run', () => {
  for (const missed of ['once', 'all'] as const) {
    it(`missed: ${missed} — after a restart the next slots fire on time, one each`, { timeout: 60_000 }, async () => {
      const sandbox = await startSandbox({ port: 0, holdMs: 1_000 });
      sandboxes.push(sandbox);
      const dir = mkdtempSync(join(tmpdir(), 'fleepkit-cron-crash-'));
      dirs.push(dir);
      const db = join(dir, 'bot.db');

      const first = startBot(sandbox.url, db, T0, missed, slot('10:02'));
      children.push(first);
      await first.waitFor((l) => l === 'ready');
      await first.advance(60_000); // 10:01:30
      expect(first.fired).toEqual([`fired ${slot('10:01')} late=0`]);
      first.proc.stdin!.write('advance 60000\n'); // 10:02:30: the 10:02 run starts and never ends
      await first.waitFor((l) => l.startsWith(`fired ${slot('10:02')}`));
      await kill(first, 'SIGKILL');

      // Restarted 10 s later, well within the dead run's 10-minute lease.
      const second = startBot(sandbox.url, db, T0 + 130_000, missed);
      children.push(second);
      await second.waitFor((l) => l === 'ready');
      await second.advance(0);
      // The killed slot is recognised as this instance's dead run and re-run once, at once.
      expect(second.fired).toEqual([`fired ${slot('10:02')} late=40000`]);
      await second.advance(30_000); // 10:03:10
      await second.advance(60_000); // 10:04:10
      await second.advance(60_000); // 10:05:10
      expect(second.fired.slice(1)).toEqual([`fired ${slot('10:03')} late=0`, `fired ${slot('10:04')} late=0`, `fired ${slot('10:05')} late=0`]);
      await kill(second, 'SIGTERM');
    });
  }
});
