/**
 * The end-to-end bench bot, run as its own process by `bench/e2e.ts`:
 * `node --import tsx bench/e2e-bot.ts <sandbox-url> <memory|sqlite>`. It logs in as the demo
 * bot, answers every message like the dispatch bench bot, prints `ready` and stops on SIGTERM.
 * Outbound pacing is off (`rates: false`: Fleep's real limits would cap it at 20/s) and the
 * dispatcher runs 64 conversations at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bot } from '../src/runtime/bot.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { createLogger } from '../src/util/logger.js';
import { installBenchHandlers } from './dispatch/fleepkit.js';

const [url, storeKind = 'memory'] = process.argv.slice(2);
if (!url) throw new Error('usage: node --import tsx bench/e2e-bot.ts <sandbox-url> [memory|sqlite]');
const dir = storeKind === 'sqlite' ? mkdtempSync(join(tmpdir(), 'fleepkit-e2e-')) : undefined;
const bot = new Bot({
  server: url,
  email: 'bot@example.com',
  password: 'demo',
  store: dir ? new SqliteStore({ path: join(dir, 'bot.db') }) : new MemoryStore(),
  concurrency: 64,
  outbound: { rates: false, concurrency: 16 },
  unknownCommandReply: false,
  // Peers have no per-person command limit; the default (5 per 10 s) would skip most commands.
  cooldown: false,
  // BENCH_BOT_LOG=warn (or info, debug) logs to stderr; stdout carries only `ready`.
  ...(process.env.BENCH_BOT_LOG ? { logger: createLogger({ level: process.env.BENCH_BOT_LOG as 'warn', destination: process.stderr, pretty: false }) } : {}),
});
installBenchHandlers(bot);
bot.events.on('error', (error) => process.stderr.write(`e2e bot error: ${error.message}\n`));
await bot.start();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void bot.stop().finally(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
});
