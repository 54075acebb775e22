/**
 * `npm run bench [-- --quick] [-- --json] [-- --only dispatch,e2e,outbound,memory]`: runs the
 * benchmarks, prints tables, and with `--json` prints one JSON object as the last line:
 * `{"dispatch": {...}, "e2e": {...}, "outbound": {...}, "memory": {...}}` (medians).
 * Re-executes itself under `node --expose-gc` so heap readings are taken after a full GC.
 */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runDispatch, type DispatchReport } from './dispatch.js';
import { runE2e, type E2eResult } from './e2e.js';
import { runMemory, type MemoryReport } from './memory.js';
import { runOutbound, type OutboundReport } from './outbound.js';
import { round } from './lib/stats.js';
import { tsLoader } from './lib/loader.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    only: { type: 'string', default: 'dispatch,e2e,outbound,memory' },
    rounds: { type: 'string' },
    n: { type: 'string' },
  },
  allowPositionals: false,
});

if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
  // Heap-after-GC readings need --expose-gc: run again with it.
  const r = spawnSync(process.execPath, ['--expose-gc', ...tsLoader(import.meta.url), fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const only = new Set(values.only.split(','));
const unknown = [...only].filter((o) => !['dispatch', 'e2e', 'outbound', 'memory'].includes(o));
if (unknown.length > 0) throw new Error(`--only takes dispatch,e2e,outbound,memory; got ${unknown.join(',')}`);
const quick = values.quick;
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const kb = (bytes: number): string => `${round(bytes / 1024, 1)} KB`;

const out: { dispatch?: Record<string, unknown>; e2e?: Record<string, unknown>; outbound?: OutboundReport; memory?: Record<string, unknown> } = {};
const started = performance.now();

/** Runs one benchmark; a failure is reported in the output instead of losing the others' results. */
async function section(name: keyof typeof out, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`${name} failed: ${message}`);
    (out as Record<string, unknown>)[name] = { error: message };
    process.exitCode = 1;
  }
}
log(`fleepkit bench — Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? '?'}, ${round(totalmem() / 2 ** 30, 1)} GB${quick ? ' (quick)' : ''}`);

if (only.has('dispatch')) await section('dispatch', async () => {
  const d: DispatchReport = await runDispatch({ n: Number(values.n ?? (quick ? 10_000 : 100_000)), rounds: Number(values.rounds ?? (quick ? 2 : 5)), sqliteN: quick ? 300 : 2_000, log });
  console.log(`\nDispatch: ${d.n} messages over 100 conversations, ${d.rounds} rounds (msg/s median [min–max], allocated/msg, heap retained after the run)`);
  for (const [mode, byName] of Object.entries(d.modes)) {
    console.log(`  ${mode}`);
    for (const [name, s] of Object.entries(byName)) {
      console.log(`    ${name.padEnd(9)} ${String(Math.round(s.median)).padStart(9)} [${Math.round(s.min)}–${Math.round(s.max)}]  ${kb(s.bytesPerMsg).padStart(9)}  ${round(s.heapAfterMb, 1)} MB`);
    }
    const r = d.ratioToFastestPeer[mode]!;
    console.log(`    fleepkit ÷ fastest peer ${round(r.median, 2)} [${round(r.min, 2)}–${round(r.max, 2)}] (target ≥ 4); ÷ raw ${round(d.ratioToRaw[mode]!, 3)}`);
    const f = d.floorToFastestPeer[mode]!;
    console.log(`    floor ÷ fastest peer ${round(f.median, 2)} [${round(f.min, 2)}–${round(f.max, 2)}] (the most any fleepkit could reach)`);
  }
  for (const [mode, r] of Object.entries(d.sqlite)) console.log(`  fleepkit + SqliteStore ${mode}: ${Math.round(r.msgsPerS)} msg/s, ${kb(r.bytesPerMsg)}/msg`);
  const med = (mode: string): Record<string, number> => Object.fromEntries(Object.entries(d.modes[mode] ?? {}).map(([k, s]) => [k, round(s.median, 0)]));
  out.dispatch = {
    ...med('one-at-a-time'),
    in_flight_100: med('100-in-flight'),
    bytes_per_msg: Object.fromEntries(Object.entries(d.modes['one-at-a-time'] ?? {}).map(([k, s]) => [k, round(s.bytesPerMsg, 0)])),
    heap_after_mb: Object.fromEntries(Object.entries(d.modes['one-at-a-time'] ?? {}).map(([k, s]) => [k, round(s.heapAfterMb, 1)])),
    ratio_to_fastest_peer: Object.fromEntries(Object.entries(d.ratioToFastestPeer).map(([k, r]) => [k, round(r.median, 3)])),
    ratio_to_raw: Object.fromEntries(Object.entries(d.ratioToRaw).map(([k, r]) => [k, round(r, 4)])),
    floor_to_fastest_peer: Object.fromEntries(Object.entries(d.floorToFastestPeer).map(([k, r]) => [k, round(r.median, 3)])),
    fleepkit_sqlite: Object.fromEntries(Object.entries(d.sqlite).map(([k, r]) => [k, round(r.msgsPerS, 0)])),
    n: d.n,
    rounds: d.rounds,
  };
});

if (only.has('e2e')) await section('e2e', async () => {
  const full = quick ? 2_000 : 20_000;
  const steady = quick ? 300 : 2_000;
  const runs: E2eResult[] = [];
  for (const store of ['memory', 'sqlite'] as const) {
    runs.push(await runE2e({ store, messages: full }));
    log(`e2e ${store} full speed: ${Math.round(runs.at(-1)!.msgsPerS)} msg/s`);
    runs.push(await runE2e({ store, messages: steady, rate: 100 }));
    log(`e2e ${store} 100 msg/s: p99 ${round(runs.at(-1)!.p99Ms, 1)} ms`);
  }
  console.log('\nEnd to end over loopback (sandbox + bot processes, 50 conversations)');
  for (const r of runs) {
    console.log(`  ${r.store.padEnd(7)} ${r.rate ? `${r.rate} msg/s` : 'full speed'}  ${r.answered}/${r.messages} answered (${r.stored} stored)  ${Math.round(r.msgsPerS)} msg/s handled  p50 ${round(r.p50Ms, 1)} ms  p99 ${round(r.p99Ms, 1)} ms`);
  }
  const pick = (store: string, rate: number): E2eResult | undefined => runs.find((r) => r.store === store && r.rate === rate);
  const fullMem = pick('memory', 0)!;
  out.e2e = {
    msgs_per_s: round(fullMem.msgsPerS, 0),
    answered: `${fullMem.answered}/${fullMem.messages}`,
    stored_replies: fullMem.stored,
    p50_ms: round(fullMem.p50Ms, 1),
    p99_ms: round(fullMem.p99Ms, 1),
    steady_100: { p50_ms: round(pick('memory', 100)!.p50Ms, 1), p99_ms: round(pick('memory', 100)!.p99Ms, 1) },
    sqlite: { msgs_per_s: round(pick('sqlite', 0)!.msgsPerS, 0), p50_ms: round(pick('sqlite', 0)!.p50Ms, 1), p99_ms: round(pick('sqlite', 0)!.p99Ms, 1), steady_100_p99_ms: round(pick('sqlite', 100)!.p99Ms, 1) },
  };
});

if (only.has('outbound')) await section('outbound', async () => {
  const o = await runOutbound(1_000);
  console.log('\nOutbound precision (fake clock, 1,000 replies into 10 conversations, 2/s per conversation, 10/s global)');
  console.log(`  global ${round(o.global.measured, 3)}/s (${round(o.global.errorPct, 2)} %), one conversation alone ${round(o.perConversation.measured, 3)}/s (${round(o.perConversation.errorPct, 2)} %)`);
  console.log(`  busiest conversation ${o.maxPerConversationPerSecond} sends in any 1 s; FIFO ${round(o.fifo * 100, 1)} %; 11th conversation's reply waited ${o.latecomerWaitMs} ms (target ≤ 1000)`);
  out.outbound = o;
});

if (only.has('memory')) await section('memory', async () => {
  const m: MemoryReport = await runMemory({ messages: quick ? 100_000 : 1_000_000, step: quick ? 20_000 : 100_000, log });
  console.log(`\nMemory over time: ${m.messages} messages over ${m.conversations} conversations (heap after GC)`);
  console.log(`  ${m.curve.map((p) => `${p.messages / 1000}k: ${round(p.heapMb, 1)} MB`).join(', ')}`);
  console.log(`  growth ${round(m.growthBytesPerMsg, 0)} B/message; growing: ${m.growing.map((g) => `${g.path} ${g.from}→${g.to}`).join(', ') || 'nothing'}`);
  out.memory = { heap_mb: m.curve.map((p) => round(p.heapMb, 1)), step: m.curve[1]?.messages ?? 0, growth_bytes_per_msg: round(m.growthBytesPerMsg, 0), growing: m.growing };
});

log(`bench took ${round((performance.now() - started) / 1000, 0)} s`);
if (values.json) console.log(JSON.stringify(out));
process.exit(process.exitCode ?? 0);
