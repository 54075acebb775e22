/**
 * The common response of conversation and message calls ("conversation/sync output",
 * PROTOCOL.md §4).
 */
import type { FleepRecord, SyncResponse } from '../../api/records.js';
import { flowAfter } from '../flow.js';
import type { StoredConversation, StoredMessage } from '../model.js';
import type { SandboxState } from '../state.js';
import { convDelta, forViewer } from '../views.js';

/** Page size of flow syncs. */
export const SYNC_PAGE = 10;

/**
 * `{header, stream, result_message_nr}` for `viewer`. With `fromMessageNr` the stream is every
 * flow record after it (a forward sync); otherwise the records this call produced.
 */
export function syncResponse(
  state: SandboxState,
  conv: StoredConversation,
  viewer: string,
  produced: StoredMessage[],
  resultNr: number | undefined,
  fromMessageNr?: number,
): SyncResponse {
  // A partial ConvInfo, as Fleep answers mutating calls (PROTOCOL.md §4).
  const header = Object.assign(convDelta(conv, viewer), { topic: conv.topic, can_post: conv.members.includes(viewer) });
  const messages = fromMessageNr === undefined ? produced : flowAfter(conv, fromMessageNr, Number.MAX_SAFE_INTEGER).messages;
  const stream: FleepRecord[] = messages.map((m) => forViewer(state.messageRecord(conv, m), viewer));
  const out: SyncResponse = { header, stream };
  if (resultNr !== undefined) out.result_message_nr = resultNr;
  return out;
}
