/**
 * The floor's steps one by one: how much each per-message step the guarantees require costs on
 * its own (µs and bytes allocated per message, one message at a time, best of 3 rounds).
 * `npx tsc -p tsconfig.bench.json && node --expose-gc .bench-build/bench/floor-steps.js [n]`.
 */
import PQueue from 'p-queue';
import { clientReqId } from '../src/outbound/client-req-id.js';
import { AllocationMeter } from './lib/stats.js';

interface Steps {
  id?: boolean;
  outbox?: boolean;
  pQueue?: boolean;
}

/** One pass over `n` messages with the chosen steps; µs and bytes per message. */
async function pass(n: number, steps: Steps): Promise<{ us: number; bytes: number }> {
  const queue = new PQueue({ concurrency: 16 });
  const ledger = new Map<string, number>();
  const outbox = new Map<string, string>();
  let sent = 0;
  const transport = (): Promise<number> => Promise.resolve(++sent);
  const meter = new AllocationMeter();
  meter.start();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    // The poll hands the record over through a promise; the ledger is always checked and written.
    const record = await Promise.resolve({ conversation_id: `c${i % 100}`, message_nr: i });
    const key = `${record.conversation_id}:${record.message_nr}`;
    if (ledger.has(key)) continue;
    const id = steps.id ? clientReqId(`${key}:0`) : `${key}:0`;
    if (steps.outbox) outbox.set(id, JSON.stringify({ method: 'message/send', conversationId: record.conversation_id, body: { message: 'reply' } }));
    ledger.set(key, i);
    await (steps.pQueue ? queue.add(transport) : transport());
    outbox.delete(id);
  }
  const us = ((performance.now() - t0) * 1000) / n;
  return { us, bytes: meter.stop() / n };
}

/** Each variant's best of `rounds` passes over `n` messages. */
export async function floorSteps(n: number, rounds = 3): Promise<Array<{ name: string; us: number; bytes: number }>> {
  const variants: Array<[string, Steps]> = [
    ['hand-off + ledger', {}],
    ['+ SHA-256 client_req_id', { id: true }],
    ['+ JSON outbox', { id: true, outbox: true }],
    ['+ p-queue task per send', { id: true, outbox: true, pQueue: true }],
  ];
  const rows = [];
  for (const [name, steps] of variants) {
    const runs = [];
    for (let r = 0; r < rounds; r++) runs.push(await pass(n, steps));
    const best = runs.reduce((a, b) => (b.us < a.us ? b : a));
    rows.push({ name, ...best });
  }
  return rows;
}

if (process.argv[1]?.endsWith('floor-steps.js') || process.argv[1]?.endsWith('floor-steps.ts')) {
  for (const row of await floorSteps(Number(process.argv[2] ?? 200_000))) {
    console.log(`${row.name.padEnd(26)} ${row.us.toFixed(2).padStart(6)} µs/msg  ${Math.round(row.bytes).toString().padStart(5)} B/msg`);
  }
}
