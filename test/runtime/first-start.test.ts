/**
 * Where a bot begins is recorded before it can be lost: a batch that reaches back across the
 * bot's first start (Fleep re-delivering records it sent before) never makes the bot answer
 * messages posted before it ever started — in its first life, and after being killed during
 * its very first start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestBot, type TestBot } from 'fleepkit/testing';
import { markup } from '../../src/api/markup.js';
import { world, type World } from './world.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/crash-bot.ts', import.meta.url));

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setFaults(url: string, faults: object): Promise<void> {
  const res = await fetch(`${url}/sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  expect(res.status).toBe(200);
}

describe('a first start', () => {
  it('does not answer history that a re-delivered batch brings back', async () => {
    const t: TestBot = await createTestBot({ start: false });
    cleanups.push(() => t.close());
    for (let i = 0; i < 5; i++) await t.say('alice', 'Team', `old ${i}`);
    // Every poll answer repeats up to 5 records from before the horizon it was asked from.
    await setFaults(t.sandbox.url, { duplicate_batches: 1, seed: 2 });
    t.bot.on('message.new', (ctx) => ctx.reply(`re ${ctx.text}`));
    await t.bot.start();
    for (let i = 0; i < 5; i++) {
      await t.say('alice', 'Team', `new ${i}`);
      await t.idle();
    }
    const replies = (await t.replies('Team')).map((m) => m.text);
    expect(replies).toEqual(['re new 0', 're new 1', 're new 2', 're new 3', 're new 4']);
  });

  it('killed during its very first start, the bot never later answers messages posted before it started', async () => {
    const w: World = await world(3, 2_000);
    cleanups.push(() => w.close());
    const dir = mkdtempSync(join(tmpdir(), 'fleepkit-first-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = join(dir, 'bot.db');
    const alice = w.people[0]!;
    for (const conv of w.conversations) for (let i = 0; i < 5; i++) await alice.sendMessage(conv, markup(`old ${i}`));

    // First start, killed once it has recorded its cursor and is taking the lease.
    const first = startBot(w.sandbox.url, db);
    cleanups.push(() => void first.proc.kill('SIGKILL'));
    await first.waitFor((l) => l === 'stage lease');
    await kill(first);

    await setFaults(w.sandbox.url, { duplicate_batches: 1, seed: 2 });
    const second = startBot(w.sandbox.url, db);
    cleanups.push(() => void second.proc.kill('SIGKILL'));
    await second.waitFor((l) => l === 'ready');
    for (let i = 0; i < 6; i++) await alice.sendMessage(w.conversations[i % 3]!, markup(`new ${i}`));
    second.proc.stdin!.write('idle\n');
    await second.waitFor((l) => l === 'idle');

    const ledger = ((await (await fetch(`${w.sandbox.url}/sandbox/requests`)).json()) as { requests: Array<{ method: string; account_id: string; body: { message?: string } }> })
      .requests;
    const botId = w.sandbox.accounts['bot@example.com']!;
    const replies = ledger.filter((e) => e.account_id === botId && e.method === 'message/send').map((e) => String(e.body.message));
    expect(replies.filter((r) => r.includes('old'))).toEqual([]);
    expect(replies.filter((r) => r.includes('new'))).toHaveLength(6);
  });
});

interface Child {
  proc: ChildProcess;
  waitFor(test: (line: string) => boolean): Promise<string>;
}

function startBot(url: string, db: string): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE, url, db], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiters: Array<{ test: (l: string) => boolean; resolve: (l: string) => void }> = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => {
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
