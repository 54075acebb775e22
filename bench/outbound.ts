/**
 * Outbound precision on a fake clock: 1,000 replies burst into 10 conversations through a real
 * `OutboundQueue` (MemoryStore, ManualClock, a transport that records the fake time of each
 * send) with 2/s per conversation and 10/s global (burst 1 each, so the steady rate is exact).
 * Measures the global rate, the busiest conversation's rate, FIFO order per conversation, and
 * how long a single reply to an 11th conversation, queued behind the flood, waits. A second
 * pass floods one conversation alone to measure the per-conversation rate.
 */
import type { Effect } from '../src/api/effects.js';
import { planEffects } from '../src/outbound/plan.js';
import { OutboundQueue } from '../src/outbound/queue.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { ManualClock } from '../src/util/clock.js';

/** Outbound precision results. */
export interface OutboundReport {
  replies: number;
  /** Configured and measured sends/s over all conversations during the 10-conversation flood. */
  global: { configured: number; measured: number; errorPct: number };
  /** Configured and measured sends/s of one conversation flooded alone. */
  perConversation: { configured: number; measured: number; errorPct: number };
  /** Most sends of any conversation in any 1 s window during the flood (≤ 2 expected). */
  maxPerConversationPerSecond: number;
  /** Share of conversations whose sends left in commit order (1 = 100 %). */
  fifo: number;
  /** Fake ms from queueing the 11th conversation's reply to its send. */
  latecomerWaitMs: number;
}

interface Sent {
  lane: string;
  at: number;
  seq: number;
}

async function flood(conversations: number, total: number, latecomerAtMs: number | undefined): Promise<{ sent: Sent[]; latecomerWaitMs: number }> {
  const t0 = Date.parse('2026-01-05T09:00:00Z');
  const clock = new ManualClock(t0);
  const store = new MemoryStore({ clock });
  await store.open();
  const sent: Sent[] = [];
  const queue = new OutboundQueue({
    store,
    clock,
    rates: { perConversation: { perSecond: 2, burst: 1 }, global: { perSecond: 10, burst: 1 } },
    transport: (effect: Effect) => {
      sent.push({ lane: effect.conversationId ?? '', at: clock.now(), seq: Number(effect.body.seq) });
      return Promise.resolve({ result_message_nr: sent.length });
    },
  });
  await queue.start();
  const perConv = total / conversations;
  for (let c = 0; c < conversations; c++) {
    const effects: Effect[] = Array.from({ length: perConv }, (_, k) => ({ method: 'message/send' as const, conversationId: `conv-${c}`, body: { message: `reply ${k}`, seq: k } }));
    // One event per reply, as a handler answering 100 messages would commit them.
    for (let k = 0; k < perConv; k++) {
      const key = `ev-${c}-${k}`;
      await store.commit({ eventKey: key, outbox: planEffects(key, [effects[k]!], clock.now()) });
    }
  }
  queue.notify();
  let latecomerQueuedAt = -1;
  const expected = total + (latecomerAtMs === undefined ? 0 : 1);
  while (sent.length < expected) {
    if (latecomerAtMs !== undefined && latecomerQueuedAt < 0 && clock.now() - t0 >= latecomerAtMs) {
      latecomerQueuedAt = clock.now();
      const effect: Effect = { method: 'message/send', conversationId: 'latecomer', body: { message: 'hi', seq: 0 } };
      await store.commit({ eventKey: 'ev-late', outbox: planEffects('ev-late', [effect], clock.now()) });
      queue.notify();
    }
    let next = clock.nextDue();
    if (next === undefined) {
      // Let the queue's load and send promises run before deciding it is stuck.
      await clock.advance(0);
      if (sent.length >= expected) break;
      next = clock.nextDue();
    }
    if (next === undefined) throw new Error(`outbound bench stalled after ${sent.length} of ${expected} sends`);
    await clock.advanceTo(latecomerAtMs !== undefined && latecomerQueuedAt < 0 ? Math.min(next, t0 + latecomerAtMs) : next);
  }
  await queue.stop();
  const late = sent.find((s) => s.lane === 'latecomer');
  return { sent: sent.filter((s) => s.lane !== 'latecomer'), latecomerWaitMs: late ? late.at - latecomerQueuedAt : Number.NaN };
}

function rateOf(sent: readonly Sent[]): number {
  if (sent.length < 2) return Number.NaN;
  return ((sent.length - 1) / (sent[sent.length - 1]!.at - sent[0]!.at)) * 1000;
}

/** Runs the outbound precision benchmark; `replies` defaults to 1,000 (must divide by 10). */
export async function runOutbound(replies = 1_000): Promise<OutboundReport> {
  const { sent, latecomerWaitMs } = await flood(10, replies, Math.min(10_000, (replies / 10) * 500));
  const byLane = new Map<string, Sent[]>();
  for (const s of sent) (byLane.get(s.lane) ?? byLane.set(s.lane, []).get(s.lane)!).push(s);
  let fifoLanes = 0;
  let maxWindow = 0;
  for (const list of byLane.values()) {
    if (list.every((s, i) => s.seq === i)) fifoLanes++;
    for (let i = 0, j = 0; i < list.length; i++) {
      while (list[i]!.at - list[j]!.at >= 1000) j++;
      maxWindow = Math.max(maxWindow, i - j + 1);
    }
  }
  const single = await flood(1, Math.max(10, replies / 10), undefined);
  const g = rateOf(sent);
  const p = rateOf(single.sent);
  return {
    replies: sent.length,
    global: { configured: 10, measured: g, errorPct: ((g - 10) / 10) * 100 },
    perConversation: { configured: 2, measured: p, errorPct: ((p - 2) / 2) * 100 },
    maxPerConversationPerSecond: maxWindow,
    fifo: fifoLanes / byLane.size,
    latecomerWaitMs,
  };
}
