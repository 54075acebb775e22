/**
 * The bench bot in fleepkit: a real `Bot` with a {@link FakeFleepClient}, outbound pacing off
 * (`outbound: { rates: false }`), a MemoryStore (or a SqliteStore in a temp dir). Every message
 * gets exactly one reply, so "handled" = "its reply reached the transport".
 *
 * One at a time: `poll()` hands out 1 record and the next only after its reply was sent.
 * N in flight: `poll()` keeps up to N records unanswered (batches of ≥ N/4, spread over the
 * conversations) and the bot's dispatcher concurrency is N.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bot } from '../../src/runtime/bot.js';
import { createLogger } from '../../src/util/logger.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import type { FleepRecord } from '../../src/api/records.js';
import { AllocationMeter, heapAfterGc } from '../lib/stats.js';
import { COMMANDS, textOf, type DispatchResult, type WorkMessage } from '../lib/workload.js';
import { FakeFleepClient, messageRecord, type RecordSource } from './fake-client.js';

/** Which store the bench bot uses. */
export type StoreKind = 'memory' | 'sqlite';

/** A started bench bot. */
export interface FleepkitBenchBot {
  bot: Bot;
  client: FakeFleepClient;
  /** Feeds `source` and resolves when every record got its reply. */
  process(source: RecordSource, inFlight: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Registers the bench bot's handlers: 3 pass-through middlewares, `cmd0`…`cmd19`, two regex
 * listeners and a fallback, each answering with one short reply.
 */
export function installBenchHandlers(bot: Bot): void {
  bot.use((ctx, next) => {
    ctx.state.tagged = true;
    return next();
  });
  bot.use(async (ctx, next) => {
    const t = performance.now();
    await next();
    ctx.state.elapsedMs = performance.now() - t;
  });
  bot.use((_ctx, next) => next());
  for (let c = 0; c < COMMANDS; c++) bot.command(`cmd${c}`, (ctx) => ctx.reply(`reply ${c}`));
  bot.hears(/\bthanks\b/, (ctx) => ctx.reply("you're welcome"));
  bot.hears(/TODO:/, (ctx) => ctx.reply('noted'));
  bot.on('message.new', (ctx) => ctx.reply('?'));
}

/** Starts the bench bot (not timed). */
export async function startBenchBot(storeKind: StoreKind, inFlight: number): Promise<FleepkitBenchBot> {
  const client = new FakeFleepClient();
  let dir: string | undefined;
  let store: Store;
  if (storeKind === 'sqlite') {
    dir = mkdtempSync(join(tmpdir(), 'fleepkit-bench-'));
    store = new SqliteStore({ path: join(dir, 'bench.db') });
  } else {
    store = new MemoryStore();
  }
  const bot = new Bot({
    client,
    email: 'bot@example.com',
    password: 'bench',
    store,
    concurrency: Math.max(1, inFlight),
    outbound: { rates: false },
    unknownCommandReply: false,
    // The default per-person command cooldown (5 per 10 s) would silence a benchmark; peers have none.
    cooldown: false,
    ...(process.env.BENCH_DEBUG ? { logger: createLogger({ level: 'debug' }) } : {}),
  });
  installBenchHandlers(bot);
  await bot.start();
  return {
    bot,
    client,
    async process(source, window) {
      const target = client.replies + source.length;
      client.feed(source, window);
      await client.repliesReach(target);
    },
    async close() {
      await bot.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Prepared records for `messages`, numbered per conversation. */
export function recordsFor(messages: readonly WorkMessage[], startNr: Map<number, number> = new Map()): FleepRecord[] {
  const posted = 1_767_600_000;
  return messages.map((m, i) => {
    const nr = (startNr.get(m.conversation) ?? 1) + 1;
    startNr.set(m.conversation, nr);
    return messageRecord(m.conversation, nr, m.person, textOf(m, '!'), posted + Math.floor(i / 1000));
  });
}

/** Builds the fleepkit bench; each `run` starts a fresh bot (start not timed) and measures one pass. */
export function fleepkitBench(messages: readonly WorkMessage[], storeKind: StoreKind = 'memory'): { run: (inFlight: number) => Promise<DispatchResult> } {
  const records = recordsFor(messages);
  return {
    run: async (inFlight) => {
      const b = await startBenchBot(storeKind, inFlight);
      try {
        const heapBefore = heapAfterGc();
        const meter = new AllocationMeter();
        meter.start();
        const t0 = performance.now();
        await b.process({ length: records.length, at: (i) => records[i]! }, inFlight);
        const ms = performance.now() - t0;
        const bytes = meter.stop();
        return { msgsPerS: (records.length / ms) * 1000, bytesPerMsg: bytes / records.length, replies: b.client.replies, heapAfterBytes: heapAfterGc() - heapBefore };
      } finally {
        await b.close();
      }
    },
  };
}
