/**
 * The crash test: the bot runs as a child process on a SQLite store while
 * 2,000 messages arrive over 20 conversations, each asking for a reply and a reaction. It is
 * killed with SIGKILL at 20 seeded random moments and restarted each time. At the end the
 * sandbox's ledger of accepted requests shows every expected effect exactly once, and the
 * replies of each conversation in the order of the messages they answer.
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

const FIXTURE = fileURLToPath(new URL('./fixtures/crash-bot.ts', import.meta.url));
const MESSAGES = 2_000;
const KILLS = 20;
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

interface LedgerEntry {
  seq: number;
  method: string;
  account_id: string;
  conversation_id: string;
  body: Record<string, unknown>;
  client_req_id: string | null;
}

const dirs: string[] = [];
let w: World | undefined;
afterAll(async () => {
  await w?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('crash test', () => {
  // No time budget: the run fails when nothing progresses for STALL_MS (no line from the bot,
  // no request accepted by the sandbox), however long a loaded machine takes in total.
  it(`delivers every reply and reaction exactly once across ${KILLS} SIGKILLs`, { timeout: 0 }, async () => {
    w = await world(20, 2_000);
    const sandbox = w.sandbox;
    const dir = mkdtempSync(join(tmpdir(), 'fleepkit-crash-'));
    dirs.push(dir);
    const db = join(dir, 'bot.db');
    const random = seededRandom(2026);
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
    try {
      for (let round = 0; round < KILLS; round++) {
        // Kill at a seeded random point: after 5 to 100 more handled messages in this life. Once
        // everything is sent, the remaining kills land while the restarted bot catches up.
        const after = 5 + Math.floor(random() * 96);
        let seenThisLife = 0;
        await step(`${after} handled messages (kill ${round + 1})`, Promise.race([child.waitFor((l) => l.startsWith('handled') && (seenThisLife += 5) >= after), sending]));
        await kill(child);
        kills++;
        child = startBot(sandbox.url, db, onLine);
        await step(`ready after kill ${kills}`, child.waitFor((l) => l === 'ready'));
      }
      await step('every message sent', sending);
      child.proc.stdin!.write('idle\n');
      await step('idle', child.waitFor((l) => l === 'idle'));
    } finally {
      watch.stop();
      child.proc.kill('SIGKILL');
    }

    const ledger = ((await (await fetch(`${w.sandbox.url}/sandbox/requests`)).json()) as { requests: LedgerEntry[] }).requests;
    const botId = w.sandbox.accounts['bot@example.com']!;
    const replies = ledger.filter((e) => e.account_id === botId && e.method === 'message/send');
    const reactions = ledger.filter((e) => e.account_id === botId && e.method === 'message/store');
    const texts = replies.map((e) => String(e.body.message));
    const unique = new Set(texts);
    const outOfOrder = countOutOfOrder(replies);
    console.log(
      `crash test: kills=${kills}, expected replies=${MESSAGES}, delivered=${unique.size}, duplicates=${texts.length - unique.size}, ` +
        `reactions=${reactions.length}, out-of-order=${outOfOrder}`,
    );
    expect(kills).toBe(KILLS);
    expect(unique.size).toBe(MESSAGES);
    expect(texts.length).toBe(MESSAGES);
    expect(reactions.length).toBe(MESSAGES);
    expect(new Set(reactions.map((r) => `${r.conversation_id}:${String(r.body.message_nr)}`)).size).toBe(MESSAGES);
    expect(outOfOrder).toBe(0);
  });
});

/** Replies of one conversation must answer its messages in ascending order of the message. */
function countOutOfOrder(replies: LedgerEntry[]): number {
  const last = new Map<string, number>();
  let bad = 0;
  for (const r of replies) {
    const n = Number(/#(\d+)/.exec(String(r.body.message))?.[1] ?? -1);
    const prev = last.get(r.conversation_id) ?? -1;
    if (n < prev) bad++;
    last.set(r.conversation_id, n);
  }
  return bad;
}
