/**
 * The common response of conversation and message calls ("conversation/sync output",
 * PROTOCOL.md §4, §R2.7).
 */
import type { FleepRecord, SyncResponse } from '../../api/records.js';
import { flowAfter } from '../flow.js';
import type { StoredConversation, StoredMessage } from '../model.js';
import type { SandboxState } from '../state.js';
import { deltaHeader, withMembership } from '../views.js';

/** Page size of flow syncs. */
export const SYNC_PAGE = 10;

/** Options of {@link syncResponse}. */
export interface SyncResponseOptions {
  /** Forward sync: the stream is every flow record after this nr instead of `produced`. */
  fromMessageNr?: number | undefined;
  /** The call changed members or the topic: the header carries the membership block (§R2.7). */
  membership?: boolean;
}

/** The records of `messages` as `viewer` sees them, each followed by its file records (§R2.12). */
export function messageStream(state: SandboxState, conv: StoredConversation, messages: StoredMessage[], viewer: string): FleepRecord[] {
  const out: FleepRecord[] = [];
  for (const m of messages) out.push(...state.messageWithFiles(conv, m, viewer));
  return out;
}

/**
 * `{header, stream, result_message_nr}` for `viewer`: a delta header (§R2.7); the stream holds
 * the records this call produced, or with `fromMessageNr` every flow record after it.
 */
export function syncResponse(state: SandboxState, conv: StoredConversation, viewer: string, produced: StoredMessage[], resultNr: number | undefined, options: SyncResponseOptions = {}): SyncResponse {
  const delta = deltaHeader(conv, viewer, state);
  const header = options.membership ? withMembership(delta, conv, viewer) : delta;
  const from = options.fromMessageNr;
  const messages = from === undefined ? produced : flowAfter(conv, from, Number.MAX_SAFE_INTEGER).messages;
  const out: SyncResponse = { header, stream: messageStream(state, conv, messages, viewer) };
  if (resultNr !== undefined) out.result_message_nr = resultNr;
  return out;
}
