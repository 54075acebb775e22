/**
 * End to end over loopback: the sandbox and the fleepkit bench bot run as two child processes;
 * Alice, Bob and Carol (the demo people) post into 50 conversations shared with the bot, and
 * Alice long-polls her own stream, timestamping the bot's replies as they arrive. Each
 * conversation has at most one send in flight, so the k-th reply in a conversation answers its
 * k-th message (the bot keeps per-conversation order) and latency = reply seen − send started.
 *
 * Full speed: every conversation sends its next message as soon as the previous send returned.
 * Steady: one message every 1000/rate ms, round-robin over the conversations.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FleepClient } from '../src/api/client.js';
import type { MessageRecord } from '../src/api/records.js';
import { startSandbox } from '../src/sandbox/index.js';
import { tsLoader } from './lib/loader.js';
import { percentile } from './lib/stats.js';
import { makeWorkload, textOf } from './lib/workload.js';

/** One end-to-end measurement. */
export interface E2eResult {
  store: 'memory' | 'sqlite';
  /** Target send rate, or 0 for full speed. */
  rate: number;
  messages: number;
  /** Replies seen (less than `messages` when the bot stalled for `stallMs`). */
  answered: number;
  /** Bot replies the sandbox stored (read from its control API): tells a stalled bot from a lost stream. */
  stored: number;
  /** People's messages the sandbox stored. */
  posted: number;
  /** Messages answered per second, first send to last reply seen. */
  msgsPerS: number;
  p50Ms: number;
  p99Ms: number;
}

const here = fileURLToPath(new URL('.', import.meta.url));

function child(args: string[]): { proc: ChildProcess; firstLine: Promise<string> } {
  const proc = spawn(process.execPath, [...tsLoader(import.meta.url), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const firstLine = new Promise<string>((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) resolve(buf.split('\n')[0]!.trim());
    });
    proc.once('exit', (code) => reject(new Error(`${args[0]} exited with ${String(code)} before it was ready`)));
  });
  return { proc, firstLine };
}

async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  await exited;
}

/** Runs one measurement: fresh sandbox and bot processes. */
export async function runE2e(options: { store?: 'memory' | 'sqlite'; messages?: number; conversations?: number; rate?: number; stallMs?: number } = {}): Promise<E2eResult> {
  const store = options.store ?? 'memory';
  const total = options.messages ?? 20_000;
  const convCount = options.conversations ?? 50;
  const rate = options.rate ?? 0;
  const sandbox = child([fileURLToPath(import.meta.url), '--serve']);
  let bot: ChildProcess | undefined;
  const abort = new AbortController();
  try {
    const url = await sandbox.firstLine;
    const names = ['alice', 'bob', 'carol'];
    const people = names.map(() => new FleepClient({ baseUrl: url }));
    await Promise.all(people.map((c, p) => c.login(`${names[p]!}@example.com`, 'demo')));
    const contacts = (await people[0]!.syncAllContacts()).contacts;
    const idOf = (email: string): string => contacts.find((c) => c.email === email)?.account_id ?? '';
    const botId = idOf('bot@example.com');
    const members = [idOf('bob@example.com'), idOf('carol@example.com'), botId];
    const convs: string[] = [];
    for (let c = 0; c < convCount; c++) convs.push((await people[0]!.createConversation({ topic: `bench ${c}`, accountIds: members })).header.conversation_id);
    const startHorizon = (await people[0]!.accountSync()).event_horizon;
    const b = child([`${here}e2e-bot.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, url, store]);
    bot = b.proc;
    await b.firstLine;

    // Alice's stream: timestamps of the bot's replies, per conversation, in arrival order.
    const replies = new Map<string, number[]>();
    let seen = 0;
    let lastSeenAt = performance.now();
    let allSeen!: () => void;
    const done = new Promise<void>((resolve) => (allSeen = resolve));
    const watcher = (async () => {
      let horizon = startHorizon;
      while (!abort.signal.aborted && seen < total) {
        const res = await people[0]!.poll(horizon, { signal: abort.signal }).catch(() => undefined);
        if (!res) continue;
        const now = performance.now();
        horizon = res.event_horizon;
        for (const r of res.stream) {
          const m = r as MessageRecord;
          if (m.mk_rec_type !== 'message' || m.account_id !== botId || m.flow_message_nr !== undefined || m.revision_message_nr !== undefined) continue;
          const list = replies.get(m.conversation_id) ?? replies.set(m.conversation_id, []).get(m.conversation_id)!;
          list.push(now);
          lastSeenAt = now;
          seen++;
        }
        if (seen >= total) allSeen();
      }
    })();

    const work = makeWorkload(total, convCount, 7);
    const sentAt = new Map<string, number[]>(convs.map((c) => [c, []]));
    const queues: number[][] = convs.map(() => []);
    work.forEach((m, i) => queues[m.conversation]!.push(i));
    const send = async (i: number): Promise<void> => {
      const m = work[i]!;
      const conv = convs[m.conversation]!;
      sentAt.get(conv)!.push(performance.now());
      await people[m.person]!.sendMessage(conv, textOf(m, '!'));
    };
    const t0 = performance.now();
    if (rate > 0) {
      const order = work.map((_, i) => i);
      const busy = new Set<number>();
      const pending: Array<Promise<void>> = [];
      for (let k = 0; k < order.length; k++) {
        const wait = t0 + (k * 1000) / rate - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const conv = work[k]!.conversation;
        // Keep one send per conversation in flight, so per-conversation order holds.
        while (busy.has(conv)) await Promise.race(pending);
        busy.add(conv);
        const p: Promise<void> = send(k).finally(() => {
          busy.delete(conv);
          pending.splice(pending.indexOf(p), 1);
        });
        pending.push(p);
      }
      await Promise.all(pending);
    } else {
      await Promise.all(queues.map(async (q) => {
        for (const i of q) await send(i);
      }));
    }
    // Give up when no reply arrived for `stallMs` (a stuck bot), not after a fixed time.
    const stallMs = options.stallMs ?? 20_000;
    const check = setInterval(() => {
      if (performance.now() - lastSeenAt > stallMs) allSeen();
    }, 500);
    await done;
    clearInterval(check);
    const elapsed = lastSeenAt - t0;
    abort.abort();
    await watcher;
    const latencies: number[] = [];
    for (const [conv, sends] of sentAt) {
      const got = replies.get(conv) ?? [];
      for (let k = 0; k < Math.min(sends.length, got.length); k++) latencies.push(got[k]! - sends[k]!);
    }
    let stored = 0;
    let posted = 0;
    for (const conv of convs) {
      const res = (await (await fetch(`${url}/sandbox/conversations/${conv}/messages`)).json()) as { messages: Array<{ account_id: string; mk_message_type: string }> };
      stored += res.messages.filter((m) => m.account_id === botId).length;
      posted += res.messages.filter((m) => m.account_id !== botId && m.mk_message_type === 'text').length;
    }
    return { store, rate, messages: total, answered: seen, stored, posted, msgsPerS: (seen / elapsed) * 1000, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
  } finally {
    abort.abort();
    if (bot) await stopChild(bot);
    await stopChild(sandbox.proc);
  }
}

if (process.argv.includes('--serve')) {
  const sb = await startSandbox({ port: 0, seed: 'demo', holdMs: 30_000 });
  process.stdout.write(`${sb.url}\n`);
  process.on('SIGTERM', () => void sb.close().then(() => process.exit(0)));
}
