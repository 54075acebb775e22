/**
 * Smoke runs of every benchmark with tiny N, so the scripts cannot rot. Shapes and sanity only:
 * no test asserts a time or a rate.
 */
import { describe, expect, it } from 'vitest';
import { runDispatch } from '../../bench/dispatch.js';
import { runE2e } from '../../bench/e2e.js';
import { floorSteps } from '../../bench/floor-steps.js';
import { collectionSizes, runMemory } from '../../bench/memory.js';
import { runOutbound } from '../../bench/outbound.js';
import { makeWorkload } from '../../bench/lib/workload.js';

describe('bench smoke', () => {
  it('the workload mixes 50 % commands, 20 % regex matches and 30 % others', () => {
    const work = makeWorkload(10_000, 100);
    const share = (kind: string): number => work.filter((m) => m.kind === kind).length / work.length;
    expect(share('command')).toBeCloseTo(0.5, 1);
    expect(share('thanks') + share('todo')).toBeCloseTo(0.2, 1);
    expect(share('other')).toBeCloseTo(0.3, 1);
    expect(new Set(work.filter((m) => m.kind === 'command').map((m) => m.command)).size).toBe(20);
  });

  it('dispatch: every framework answers every message, in both modes', async () => {
    const r = await runDispatch({ n: 300, rounds: 1, sqliteN: 30 });
    for (const mode of ['one-at-a-time', '100-in-flight']) {
      expect(Object.keys(r.modes[mode]!).sort()).toEqual(['fleepkit', 'floor', 'grammy', 'hubot', 'raw', 'telegraf']);
      for (const s of Object.values(r.modes[mode]!)) {
        expect(s.median).toBeGreaterThan(0);
        expect(s.bytesPerMsg).toBeGreaterThan(0);
        expect(s.runs).toHaveLength(1);
      }
      expect(r.ratioToFastestPeer[mode]!.median).toBeGreaterThan(0);
      expect(r.floorToFastestPeer[mode]!.median).toBeGreaterThan(0);
      expect(r.sqlite[mode]!.replies).toBe(30);
    }
  }, 30_000);

  it('floor steps: each required step is measured on its own', async () => {
    const rows = await floorSteps(500, 1);
    expect(rows.map((r) => r.name)).toEqual(['hand-off + ledger', '+ SHA-256 client_req_id', '+ JSON outbox', '+ p-queue task per send']);
    for (const r of rows) expect(r.us).toBeGreaterThan(0);
  });

  it('outbound: paced sends keep FIFO and come out near the configured rates', async () => {
    const o = await runOutbound(100);
    expect(o.replies).toBe(100);
    expect(o.fifo).toBe(1);
    expect(o.global.measured).toBeGreaterThan(0);
    expect(o.perConversation.measured).toBeGreaterThan(0);
    expect(Number.isFinite(o.latecomerWaitMs)).toBe(true);
  }, 20_000);

  it('memory: reports a heap curve point per step and the collections that grew', async () => {
    const m = await runMemory({ messages: 600, conversations: 50, step: 200 });
    expect(m.curve.map((p) => p.messages)).toEqual([0, 200, 400, 600]);
    expect(m.curve.every((p) => p.heapMb > 0)).toBe(true);
    expect(Array.isArray(m.growing)).toBe(true);
    const sizes = collectionSizes({ a: new Map([['x', new Map([[1, 2]])]]), b: [1, 2, 3] }, 'root');
    expect(sizes.get('root.a[x]')).toBe(1);
    expect(sizes.get('root.b')).toBe(3);
  }, 20_000);

  it('end to end: the bot process answers every message posted to the sandbox', async () => {
    const r = await runE2e({ messages: 40, conversations: 5 });
    expect(r.messages).toBe(40);
    expect(r.answered).toBe(40);
    expect(r.stored).toBe(40);
    expect(r.msgsPerS).toBeGreaterThan(0);
    expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms);
  }, 30_000);
});
