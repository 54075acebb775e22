/**
 * After a resync the stream restarts at `account/sync`'s horizon, which would skip whatever
 * happened between our cursor and that horizon. For every conversation, read the flow forward
 * from where the bot stands in it (the last handled flow number, where it began, or where it
 * joined a conversation created in the gap): those records are *after* our watermark, so they
 * are not history; the ledger drops anything already handled.
 */
import type { FleepClient } from '../api/client.js';
import type { FleepRecord } from '../api/records.js';
import type { Store } from '../store/store.js';
import type { ConversationPosition } from './directory.js';

/** Namespace of the per-conversation "last handled flow number". */
export const FLOW_NAMESPACE = 'fleepkit:flow';

/**
 * Reads every message record after where the bot stands in each conversation: the stored flow
 * position, or — for a conversation the bot has none for, one that appeared while it was not
 * polling — from where the bot joined it. `listed` is the account's conversations as an initial
 * sync shows them now; a conversation whose last flow number is not beyond the position is
 * skipped without a call.
 */
export async function catchUp(
  client: FleepClient,
  store: Store,
  listed: readonly ConversationPosition[],
  signal: AbortSignal,
  maxPagesPerConversation = 50,
): Promise<FleepRecord[]> {
  const out: FleepRecord[] = [];
  const stored = new Map((await store.list<number>(FLOW_NAMESPACE)).map(({ key, value }) => [key, value]));
  const plan = new Map<string, number>(stored);
  for (const conv of listed) {
    const from = stored.get(conv.conversationId) ?? Math.max(0, conv.joinMessageNr - 1);
    if (conv.lastMessageNr > from) plan.set(conv.conversationId, from);
    else plan.delete(conv.conversationId);
  }
  for (const [conversationId, from] of plan) {
    let cursor = from;
    for (let page = 0; page < maxPagesPerConversation && !signal.aborted; page++) {
      let res;
      try {
        res = await client.syncConversation(conversationId, { fromMessageNr: cursor, signal });
      } catch {
        break; // left the conversation, or it is gone: nothing to catch up there
      }
      const records = (res.stream ?? []).filter((r) => r.mk_rec_type === 'message');
      out.push(...records);
      const last = res.header.last_message_nr ?? cursor;
      const reached = Math.max(
        cursor,
        ...records.map((r) => Math.max(Number(r.message_nr ?? 0), Number(r.flow_message_nr ?? 0))),
      );
      if (reached <= cursor || reached >= last) break;
      cursor = reached;
    }
  }
  return out;
}
