/**
 * The unit-of-work crash test (issue 14): the bot runs as a child process on a SQLite store while
 * 300 messages arrive over 10 conversations; each message's handler updates state shared by all
 * conversations (a counter, a map of answers) and creates a job, whose firing updates another
 * shared map. The bot is killed with SIGKILL at 8 seeded random moments and restarted each time.
 * At the end every shared counter equals the number of messages, no answer is lost, and every
 * job existed once and fired at most once (a slot whose run was killed twice is dead-lettered,
 * by the scheduler's one-re-run policy, and counted).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/util/backoff.js';
import { StallWatch } from './stall.js';
import { sendMany, world, type World } from './world.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/crash-uow-bot.ts', import.meta.url));
const MESSAGES = 300;
const KILLS = 8;
/** No line from the bot and no request accepted by the sandbox for this long is a stall. */
const STALL_MS = 60_000;

interface Child {
  proc: ChildProcess;
  /** Resolves when the child printed a line matching `test`. */
  waitFor(test: (line: string) => boolean): Promise<string>;
}

function startBot(url: string, db: string, onLine: (line: string) => void = () => undefined): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE, url, db], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiters: Array<{ test: (l: string) => boolean; resolve: (l: string) => void }> = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    onLine(line);
    for (const w of waiters.splice(0)) {
      if (w.test(line)) w.resolve(line);
      else waiters.push(w);
    }
  });
  return {
    proc,
    waitFor: (test) =>
      new Promise((resolve, reject) => {
        waiters.push({ test, resolve });
        proc.once('exit', (code, signal) => reject(new Error(`bot exited (${code ?? signal}) before the expected line`)));
      }),
  };
}

function kill(child: Child): Promise<void> {
  return new Promise((resolve) => {
    child.proc.once('exit', () => resolve());
    child.proc.kill('SIGKILL');
  });
}

const dirs: string[] = [];
let w: World | undefined;
afterAll(async () => {
  await w?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('unit-of-work crash test', () => {
  it(`keeps shared state and jobs exact across ${KILLS} SIGKILLs`, { timeout: 0 }, async () => {
    w = await world(10, 2_000);
    const sandbox = w.sandbox;
    const dir = mkdtempSync(join(tmpdir(), 'fleepkit-crash-uow-'));
    dirs.push(dir);
    const db = join(dir, 'bot.db');
    const random = seededRandom(14);
    let waitingFor = 'the first start';
    let lastLine = '';
    const watch = new StallWatch(() => sandbox.ledger.list().length, STALL_MS, () => `waiting for ${waitingFor}; last line from the bot: ${JSON.stringify(lastLine)}`);
    const onLine = (line: string): void => {
      lastLine = line;
      watch.progress();
    };
    const step = <T>(what: string, work: Promise<T>): Promise<T> => {
      waitingFor = what;
      return watch.guard(work);
    };

    let child = startBot(sandbox.url, db, onLine);
    await step('ready', child.waitFor((l) => l === 'ready'));
    const sending = sendMany(w, MESSAGES, 6);
    let kills = 0;
    let state = '';
    try {
      for (let round = 0; round < KILLS; round++) {
        const after = 15 + Math.floor(random() * 30);
        let seenThisLife = 0;
        await step(`${after} handled messages (kill ${round + 1})`, Promise.race([child.waitFor((l) => l.startsWith('handled') && (seenThisLife += 5) >= after), sending]));
        await kill(child);
        kills++;
        child = startBot(sandbox.url, db, onLine);
        await step(`ready after kill ${kills}`, child.waitFor((l) => l === 'ready'));
      }
      await step('every message sent', sending);
      child.proc.stdin!.write('idle\n');
      state = await step('idle and every job fired', child.waitFor((l) => l.startsWith('state ')));
    } finally {
      watch.stop();
      child.proc.kill('SIGKILL');
    }

    const s = JSON.parse(state.slice('state '.length)) as { count: number; answers: Record<string, string>; fired: Record<string, number>; deadLetters: string[] };
    const firedTwice = Object.values(s.fired).filter((n) => n !== 1).length;
    console.log(
      `uow crash test: kills=${kills}, count=${s.count}, answers=${Object.keys(s.answers).length}, fired=${Object.keys(s.fired).length}, ` +
        `fired more than once=${firedTwice}, dead letters=${JSON.stringify(s.deadLetters)}`,
    );
    expect(kills).toBe(KILLS);
    // Every event was handled once in effect: no shared update lost, no answer lost.
    expect(s.deadLetters.filter((d) => !d.startsWith('job '))).toEqual([]);
    expect(s.count).toBe(MESSAGES);
    expect(Object.keys(s.answers).sort()).toEqual(Array.from({ length: MESSAGES }, (_, i) => String(i)).sort());
    // Every job existed once and fired at most once. A slot whose run was killed twice is
    // dead-lettered by design (R-18: one re-run after a crash); it is accounted for, never lost.
    expect(firedTwice).toBe(0);
    const deadSlots = s.deadLetters.filter((d) => d.startsWith('job ')).length;
    expect(Object.keys(s.fired).length + deadSlots).toBe(MESSAGES);
  });
});
