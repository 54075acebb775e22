/** Test harness for the outbound queue: a MemoryStore, a ManualClock and a recording transport. */
import type { Effect } from '../../src/api/effects.js';
import { OutboundQueue } from '../../src/outbound/queue.js';
import type { OutboundQueueOptions, Transport } from '../../src/outbound/queue-options.js';
import { planEffects } from '../../src/outbound/plan.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { seededRandom } from '../../src/util/backoff.js';
import { ManualClock } from '../../src/util/clock.js';

/** One transport call as the fake server saw it. */
export interface Call {
  id: string;
  lane: string;
  at: number;
  effect: Effect;
}

/** Decides what a call returns; throw to fail it. */
export type Behaviour = (call: Call, signal: AbortSignal) => unknown;

export const T0 = Date.parse('2026-01-05T09:00:00Z');

export interface Harness {
  clock: ManualClock;
  store: MemoryStore;
  calls: Call[];
  transport: Transport;
  setBehaviour(b: Behaviour): void;
  queue(options?: Partial<OutboundQueueOptions>): OutboundQueue;
  /** Commits `n` message/send effects to `lane` as one event and returns their ids in order. */
  enqueue(lane: string, n: number, event?: string): Promise<string[]>;
  /** Advances the clock timer by timer until `done()` holds; fails after `maxMs` of fake time. */
  runUntil(done: () => boolean, maxMs?: number): Promise<void>;
  /** Calls per lane, in order. */
  callsOf(lane: string): Call[];
}

let events = 0;

export async function createHarness(): Promise<Harness> {
  const clock = new ManualClock(T0);
  const store = new MemoryStore({ clock });
  await store.open();
  const calls: Call[] = [];
  let behaviour: Behaviour = (call) => ({ result_message_nr: calls.indexOf(call) + 1 });
  const transport: Transport = async (effect, id, signal) => {
    const call: Call = { id, lane: effect.conversationId ?? '~global', at: clock.now(), effect };
    calls.push(call);
    return behaviour(call, signal);
  };
  return {
    clock,
    store,
    calls,
    transport,
    setBehaviour(b) {
      behaviour = b;
    },
    queue(options = {}) {
      return new OutboundQueue({ store, transport, clock, random: seededRandom(7), ...options });
    },
    async enqueue(lane, n, event = `ev-${++events}`) {
      const effects: Effect[] = Array.from({ length: n }, (_, i) => ({
        method: 'message/send' as const,
        conversationId: lane,
        body: { message: `${lane} #${i}` },
      }));
      const outbox = planEffects(event, effects, clock.now());
      await store.commit({ eventKey: event, outbox });
      return outbox.map((e) => e.id);
    },
    async runUntil(done, maxMs = 24 * 3600_000) {
      const end = clock.now() + maxMs;
      await clock.advance(0);
      while (!done()) {
        const next = clock.nextDue();
        if (next === undefined || next > end) throw new Error(`runUntil: condition not met by ${new Date(Math.min(next ?? end, end)).toISOString()} (timers: ${clock.pendingTimers})`);
        await clock.advanceTo(next);
      }
    },
    callsOf(lane) {
      return calls.filter((c) => c.lane === lane);
    },
  };
}

/** Resolves a flag when the promise settles, for use in `runUntil`. */
export function track<T>(promise: Promise<T>): { done: boolean; value?: T; error?: unknown } {
  const state: { done: boolean; value?: T; error?: unknown } = { done: false };
  promise.then(
    (value) => Object.assign(state, { done: true, value }),
    (error: unknown) => Object.assign(state, { done: true, error }),
  );
  return state;
}
