/**
 * After a resync the stream restarts at `account/sync`'s horizon, which would skip whatever
 * happened between our cursor and that horizon. For every conversation the bot has handled
 * messages in, read the flow forward from the last handled flow number: those records are
 * *after* our watermark, so they are not history; the ledger drops anything already handled.
 */
import type { FleepClient } from '../api/client.js';
import type { FleepRecord } from '../api/records.js';
import type { Store } from '../store/store.js';

/** Namespace of the per-conversation "last handled flow number". */
export const FLOW_NAMESPACE = 'fleepkit:flow';

/** Reads every record after the stored flow position of each conversation. */
export async function catchUp(
  client: FleepClient,
  store: Store,
  signal: AbortSignal,
  maxPagesPerConversation = 50,
): Promise<FleepRecord[]> {
  const out: FleepRecord[] = [];
  const positions = await store.list<number>(FLOW_NAMESPACE);
  for (const { key: conversationId, value: from } of positions) {
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
