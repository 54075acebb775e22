/**
 * Micro-benchmarks: the per-event and per-input costs that tests used to assert with wall-clock
 * limits. Tests now prove the behaviour (bounds, linearity, exactly-once); the time is measured
 * here and only printed, never asserted. Run with `npx tsx bench/micro.ts` (`MICRO_ROUNDS` to vary).
 *
 * Each case runs once to warm up, then `rounds` times; the table shows the median and the best
 * round, per unit (an event, an effect or one call on the whole input).
 */
import { xmlToText } from '../src/api/markup.js';
import { parseConfig } from '../src/config/index.js';
import { planEffects } from '../src/outbound/plan.js';
import { OutboundQueue } from '../src/outbound/queue.js';
import { splitText } from '../src/outbound/split-text.js';
import { compose } from '../src/pipeline/compose.js';
import { Context } from '../src/pipeline/context.js';
import { definePlugin } from '../src/pipeline/plugin.js';
import { loadPlugins } from '../src/pipeline/plugin-host.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { ManualClock } from '../src/util/clock.js';
import { captureLogger, makeDeps, say } from '../test/pipeline/helpers.js';
import { median, round } from './lib/stats.js';

/** One micro-benchmark case. */
export interface MicroCase {
  name: string;
  /** What one unit is, e.g. "event" or "1 MB call". */
  unit: string;
  /** Units per round. */
  units: number;
  /** Builds a fresh round (untimed) and returns the timed part. */
  prepare: () => Promise<() => Promise<void> | void>;
}

/** A measured case: µs per unit, median and best of the rounds. */
export interface MicroResult {
  name: string;
  unit: string;
  units: number;
  medianUs: number;
  bestUs: number;
}

/** Times `c` over `rounds` rounds after one warm-up round. */
export async function measure(c: MicroCase, rounds: number): Promise<MicroResult> {
  await (await c.prepare())();
  const perUnit: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const run = await c.prepare();
    const t0 = performance.now();
    await run();
    perUnit.push(((performance.now() - t0) * 1000) / c.units);
  }
  return { name: c.name, unit: c.unit, units: c.units, medianUs: median(perUnit), bestUs: Math.min(...perUnit) };
}

const composeCase: MicroCase = {
  name: 'compose: 5-deep pass-through chain',
  unit: 'event',
  units: 100_000,
  prepare: async () => {
    const run = compose<object>(Array.from({ length: 5 }, () => (_c: object, next: () => Promise<void>) => next()));
    const ctx = {};
    return async () => {
      for (let i = 0; i < 100_000; i++) await run(ctx);
    };
  },
};

const pluginHostCase: MicroCase = {
  name: 'plugin host: 3 plugins, plain message, no match',
  unit: 'event',
  units: 20_000,
  prepare: async () => {
    const { logger } = captureLogger();
    const a = definePlugin({ name: 'a', setup: (bot) => void bot.command('deploy', {}, () => undefined) });
    const b = definePlugin({ name: 'b', setup: (bot) => void bot.hears(/^ping$/, () => undefined) });
    const c = definePlugin({ name: 'c', setup: (bot) => void bot.on('task', () => undefined).on('message.pinned', () => undefined) });
    const host = await loadPlugins([a, b, c], {}, { logger });
    host.seal();
    const deps = makeDeps();
    await deps.store.open();
    const events = Array.from({ length: 20_000 }, (_, i) => say(`just chatting ${i}`));
    return async () => {
      for (const e of events) await host.handle(new Context(e, deps));
    };
  },
};

const outboundCase: MicroCase = {
  name: 'outbound queue: MemoryStore, null transport, rates off',
  unit: 'effect',
  units: 20_000,
  prepare: async () => {
    const clock = new ManualClock(0);
    const store = new MemoryStore({ clock });
    await store.open();
    for (let e = 0; e < 2000; e++) {
      const effects = Array.from({ length: 10 }, (_, i) => ({ method: 'message/send' as const, conversationId: `c${e % 50}`, body: { message: `m${i}` } }));
      await store.commit({ eventKey: `e${e}`, outbox: planEffects(`e${e}`, effects, 0) });
    }
    const q = new OutboundQueue({ store, clock, transport: async () => undefined, rates: false, concurrency: 16 });
    return async () => {
      await q.start();
      await q.idle();
      if (q.stats().sent !== 20_000) throw new Error(`outbound case sent ${q.stats().sent} of 20000`);
      await q.stop();
    };
  },
};

const splitCase: MicroCase = {
  name: 'splitText: 1 MB of paragraphs, limit 10,000',
  unit: '1 MB call',
  units: 1,
  prepare: async () => {
    const big = ('word '.repeat(50) + '\n\n').repeat(4000);
    return () => void splitText(big, 10_000);
  },
};

const splitAngledCase: MicroCase = {
  name: 'splitText: 100 kB run of `a<<` + 50 kB word',
  unit: '150 kB call',
  units: 1,
  prepare: async () => {
    const angled = 'a<<'.repeat(40_000) + 'x'.repeat(50_000);
    return () => void splitText(angled, 10_000);
  },
};

const configCase: MicroCase = {
  name: 'parseConfig: 64 KB (900 task rules)',
  unit: '64 KB call',
  units: 1,
  prepare: async () => {
    const rules = Array.from({ length: 900 }, (_, i) => `      - { match: "rule-${i}", reply: "answer number ${i} with some text" }`);
    const text = `plugins:\n  tasks:\n    rules:\n${rules.join('\n')}\n`;
    return () => void parseConfig(text);
  },
};

const xmlCase: MicroCase = {
  name: 'xmlToText: 1 MB message body',
  unit: '1 MB call',
  units: 1,
  prepare: async () => {
    const big = `<msg><p>${'word &amp; <b flp="*" fls="*">bold</b> '.repeat(30_000)}</p></msg>`;
    return () => void xmlToText(big);
  },
};

/** Every case, in print order. */
export const MICRO_CASES: readonly MicroCase[] = [composeCase, pluginHostCase, outboundCase, splitCase, splitAngledCase, configCase, xmlCase];

function table(results: readonly MicroResult[], rounds: number): string {
  const rows = results.map((r) => [r.name, r.unit, r.units.toLocaleString('en-US'), String(round(r.medianUs, 2)), String(round(r.bestUs, 2))]);
  const head = ['case', 'unit', 'units/round', `µs/unit median (${rounds} rounds)`, 'µs/unit best'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => (i >= 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  return [line(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const rounds = Number(process.env.MICRO_ROUNDS ?? 5);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`MICRO_ROUNDS must be a whole number ≥ 1, got ${String(process.env.MICRO_ROUNDS)}`);
  const results: MicroResult[] = [];
  for (const c of MICRO_CASES) results.push(await measure(c, rounds));
  process.stdout.write(`${table(results, rounds)}\n`);
}

await main();
