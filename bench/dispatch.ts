/**
 * The dispatch benchmark: the same bot in fleepkit, grammY, Telegraf, Hubot and a raw loop,
 * interleaved in rounds (each round runs every framework once per mode, in a rotating order),
 * reporting median and min–max msg/s, bytes allocated per message, heap retained by the run, and
 * ratios paired within each round.
 */
import { fleepkitBench } from './dispatch/fleepkit.js';
import { floorBench } from './dispatch/floor.js';
import { grammyBench } from './dispatch/grammy.js';
import { hubotBench } from './dispatch/hubot.js';
import { rawBench } from './dispatch/raw.js';
import { telegrafBench } from './dispatch/telegraf.js';
import { median } from './lib/stats.js';
import { makeWorkload, type DispatchResult } from './lib/workload.js';

/** Options of {@link runDispatch}. */
export interface DispatchOptions {
  /** Messages per run. @default 100000 */
  n: number;
  /** Conversations the messages spread over. @default 100 */
  conversations: number;
  /** Rounds (≥ 5 for the report). @default 5 */
  rounds: number;
  /** Messages of the single SQLite run per mode (SQLite fsyncs every commit). @default 2000 */
  sqliteN: number;
  /** Progress lines. @default none */
  log?: (line: string) => void;
}

/** Summary of one framework in one mode. */
export interface FrameworkSummary {
  median: number;
  min: number;
  max: number;
  bytesPerMsg: number;
  heapAfterMb: number;
  runs: number[];
}

/** The dispatch report: `modes[mode][framework]`, ratios of fleepkit per mode. */
export interface DispatchReport {
  n: number;
  rounds: number;
  modes: Record<string, Record<string, FrameworkSummary>>;
  /** fleepkit ÷ fastest peer, paired per round: median and min–max. */
  ratioToFastestPeer: Record<string, { median: number; min: number; max: number }>;
  /** fleepkit ÷ raw loop, paired per round (median). */
  ratioToRaw: Record<string, number>;
  /**
   * The floor (raw loop + only the steps the guarantees require, see `dispatch/floor.ts`) ÷
   * fastest peer, paired per round: the most any fleepkit could reach.
   */
  floorToFastestPeer: Record<string, { median: number; min: number; max: number }>;
  /** fleepkit with a SqliteStore (one run per mode, `sqliteN` messages). */
  sqlite: Record<string, DispatchResult>;
}

/** The two ways of handing updates over. */
export const MODES = { 'one-at-a-time': 1, '100-in-flight': 100 } as const;
const PEERS = ['grammy', 'telegraf', 'hubot'] as const;

/** Runs the dispatch benchmark. */
export async function runDispatch(options: Partial<DispatchOptions> = {}): Promise<DispatchReport> {
  const o: DispatchOptions = { n: 100_000, conversations: 100, rounds: 5, sqliteN: 2_000, ...options };
  const messages = makeWorkload(o.n, o.conversations);
  const hubot = await hubotBench(messages);
  const benches: Record<string, { run: (inFlight: number) => Promise<DispatchResult> }> = {
    fleepkit: fleepkitBench(messages),
    grammy: grammyBench(messages),
    telegraf: telegrafBench(messages),
    hubot,
    raw: rawBench(messages),
    floor: floorBench(messages),
  };
  const names = Object.keys(benches);
  const results: Record<string, Record<string, DispatchResult[]>> = {};
  try {
    for (let round = 0; round < o.rounds; round++) {
      for (const [mode, inFlight] of Object.entries(MODES)) {
        // Rotate the order so no framework always runs first (cold) or last (warm heap).
        const order = names.map((_, k) => names[(k + round) % names.length]!);
        for (const name of order) {
          const r = await benches[name]!.run(inFlight);
          if (r.replies !== o.n) throw new Error(`${name} sent ${r.replies} replies for ${o.n} messages in ${mode}: the bench bot is broken`);
          ((results[mode] ??= {})[name] ??= []).push(r);
          o.log?.(`round ${round + 1}/${o.rounds} ${mode.padEnd(13)} ${name.padEnd(8)} ${Math.round(r.msgsPerS).toString().padStart(8)} msg/s ${Math.round(r.bytesPerMsg).toString().padStart(6)} B/msg`);
        }
      }
    }
  } finally {
    hubot.close();
  }
  const report: DispatchReport = { n: o.n, rounds: o.rounds, modes: {}, ratioToFastestPeer: {}, ratioToRaw: {}, floorToFastestPeer: {}, sqlite: {} };
  for (const [mode, byName] of Object.entries(results)) {
    report.modes[mode] = {};
    for (const [name, runs] of Object.entries(byName)) {
      const rates = runs.map((r) => r.msgsPerS);
      report.modes[mode][name] = {
        median: median(rates),
        min: Math.min(...rates),
        max: Math.max(...rates),
        bytesPerMsg: median(runs.map((r) => r.bytesPerMsg)),
        heapAfterMb: median(runs.map((r) => r.heapAfterBytes)) / 2 ** 20,
        runs: rates,
      };
    }
    const toFastestPeer = (name: string): { median: number; min: number; max: number } => {
      const ratios = byName[name]!.map((r, round) => r.msgsPerS / Math.max(...PEERS.map((p) => byName[p]![round]!.msgsPerS)));
      return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
    };
    const fk = byName.fleepkit!.map((r) => r.msgsPerS);
    report.ratioToFastestPeer[mode] = toFastestPeer('fleepkit');
    report.floorToFastestPeer[mode] = toFastestPeer('floor');
    report.ratioToRaw[mode] = median(fk.map((v, round) => v / byName.raw![round]!.msgsPerS));
  }
  if (o.sqliteN > 0) {
    const sqlite = fleepkitBench(makeWorkload(o.sqliteN, o.conversations), 'sqlite');
    for (const [mode, inFlight] of Object.entries(MODES)) {
      report.sqlite[mode] = await sqlite.run(inFlight);
      o.log?.(`sqlite ${mode} ${Math.round(report.sqlite[mode].msgsPerS)} msg/s`);
    }
  }
  return report;
}
