/**
 * The floor under any fleepkit: the raw loop plus only the per-message steps that fleepkit's
 * guarantees require, done with fleepkit's own functions and no framework around them —
 *
 * - the record is handed over through an awaited promise (the poll),
 * - the de-duplication ledger is checked and written, kept to its newest 100,000 keys,
 * - each reply gets its stable `client_req_id` (R-10, issue 6: derived from the event identity),
 * - the reply is serialised into an outbox and sent as a p-queue task (issue 6: "one
 *   outbound path built on p-queue"), and leaves the outbox once sent.
 *
 * No events, contexts, watermark, lanes, rate buckets or deadlines: whatever fleepkit measures
 * above this is its own cost; what this measures no implementation of those requirements avoids.
 */
import PQueue from 'p-queue';
import { clientReqId } from '../../src/outbound/client-req-id.js';
import { textOf, type DispatchResult, type WorkMessage } from '../lib/workload.js';
import { drive } from './drive.js';
import { conversationId } from './fake-client.js';
import { rawBot, type RawContext } from './raw.js';

const LEDGER_KEYS = 100_000;

interface FloorContext extends RawContext {
  key: string;
  replies: number;
}

/** Builds the floor loop; `run` measures one pass over `messages`. */
export function floorBench(messages: readonly WorkMessage[]): { run: (inFlight: number) => Promise<DispatchResult> } {
  let replies = 0;
  const ledger = new Map<string, number>();
  const outbox = new Map<string, string>();
  const queue = new PQueue({ concurrency: 16 });
  const transport = (): Promise<number> => Promise.resolve(++replies);
  const handle = rawBot(async (raw, text) => {
    const ctx = raw as FloorContext;
    const id = clientReqId(`${ctx.key}:${ctx.replies++}`);
    outbox.set(id, JSON.stringify({ method: 'message/send', conversationId: conversationId(ctx.chat), body: { message: text } }));
    await queue.add(transport);
    outbox.delete(id);
  });
  const texts = messages.map((m) => textOf(m, '!'));
  const conversations = messages.map((m) => conversationId(m.conversation));
  let nr = 0;
  const receive = async (i: number): Promise<void> => {
    const m = messages[i]!;
    const record = await Promise.resolve({ conversation_id: conversations[i]!, message_nr: ++nr, text: texts[i]! });
    const key = `${record.conversation_id}:${record.message_nr}`;
    if (ledger.has(key)) return;
    await handle({ text: record.text, chat: m.conversation, key, replies: 0 } as FloorContext);
    ledger.set(key, nr);
    if (ledger.size > LEDGER_KEYS + 1000) {
      for (const old of ledger.keys()) {
        ledger.delete(old);
        if (ledger.size <= LEDGER_KEYS) break;
      }
    }
  };
  return { run: (inFlight) => drive(messages.length, inFlight, receive, () => replies) };
}
