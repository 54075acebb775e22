/**
 * A {@link FleepClient} that never touches the network: login, sync and contact calls return
 * canned data, `poll()` hands out prepared records in batches with increasing horizons, and
 * `call()` (the outbound transport) answers `{ result_message_nr }` at once and counts replies.
 *
 * Flow control stands in for "one at a time" / "N in flight": `poll()` hands out records only
 * while fewer than `window` are unanswered, and waits until at least `refill` slots are free.
 */
import { FleepClient } from '../../src/api/client.js';
import type { LoginOptions, LoginResult } from '../../src/api/base-client.js';
import type { AccountSyncResponse, ContactRecord, FleepRecord, MessageRecord, PollResponse, SyncResponse } from '../../src/api/records.js';
import type { CallOptions, ContactsResponse, PollOptions, SyncConversationOptions } from '../../src/api/types.js';
import { PEOPLE } from '../lib/workload.js';

/** The bot's account id in the fake world. */
export const BOT_ID = 'b0000000-0000-4000-8000-000000000000';
/** Account id of person `p`. */
export const personId = (p: number): string => `a000000${p}-0000-4000-8000-000000000000`;
/** Conversation id of conversation `c`. */
export const conversationId = (c: number): string => `c${String(c).padStart(7, '0')}-0000-4000-8000-000000000000`;

/** Records to hand out: a length and a lazy accessor (so 1M records need not sit in memory). */
export interface RecordSource {
  length: number;
  at(i: number): FleepRecord;
}

/** The fake client. */
export class FakeFleepClient extends FleepClient {
  /** Replies received through `call()`. */
  replies = 0;
  private source: RecordSource = { length: 0, at: () => ({ mk_rec_type: 'poke' }) as FleepRecord };
  private next = 0;
  private handedOut = 0;
  private window = 1;
  private refill = 1;
  private horizon = 1000;
  /** The poll waiting for records, if any. */
  private waiting: { horizon: number; resolve: (response: PollResponse) => void; reject: (error: Error) => void } | undefined;
  private watched: AbortSignal | undefined;
  private replyWaiters: Array<{ target: number; resolve: () => void }> = [];

  /** Queues `source` for polling with at most `window` records unanswered at once. */
  feed(source: RecordSource, window: number, refill = Math.max(1, Math.floor(window / 4))): void {
    this.source = source;
    this.next = 0;
    this.window = window;
    this.refill = refill;
    this.signal();
  }

  /** Resolves once `target` replies in total have been sent. */
  repliesReach(target: number): Promise<void> {
    if (this.replies >= target) return Promise.resolve();
    return new Promise((resolve) => this.replyWaiters.push({ target, resolve }));
  }

  override get accountId(): string {
    return BOT_ID;
  }

  override get profile(): ContactRecord {
    return { mk_rec_type: 'contact', account_id: BOT_ID, email: 'bot@example.com', display_name: 'Bench bot', fleep_address: 'benchbot' };
  }

  override login(_email: string, _password: string, _options?: LoginOptions): Promise<LoginResult> {
    return Promise.resolve({ accountId: BOT_ID, profile: this.profile });
  }

  override logout(): Promise<void> {
    return Promise.resolve();
  }

  override accountSync(): Promise<AccountSyncResponse> {
    return Promise.resolve({ event_horizon: this.horizon, account_id: BOT_ID });
  }

  override syncAllContacts(): Promise<ContactsResponse> {
    const contacts: ContactRecord[] = Array.from({ length: PEOPLE }, (_, p) => ({
      mk_rec_type: 'contact' as const,
      account_id: personId(p),
      email: `person${p}@example.com`,
      display_name: `Person ${p}`,
      fleep_address: `person${p}`,
    }));
    return Promise.resolve({ contacts: [...contacts, this.profile] });
  }

  override syncConversation(convId: string, _options?: SyncConversationOptions): Promise<SyncResponse> {
    const members = [BOT_ID, ...Array.from({ length: PEOPLE }, (_, p) => personId(p))];
    return Promise.resolve({ header: { conversation_id: convId, topic: `bench ${convId.slice(0, 8)}`, members }, stream: [] });
  }

  override poll(eventHorizon: number, options: PollOptions = {}): Promise<PollResponse> {
    // The directory's initial sync (horizon 0, no wait): nothing to learn, the fake has no history.
    if (eventHorizon === 0 || options.wait === false) return Promise.resolve({ event_horizon: eventHorizon, stream: [], sync_progress: 1 });
    if (options.signal?.aborted) return Promise.reject(options.signal.reason as Error);
    const batch = this.take(eventHorizon);
    if (batch) return Promise.resolve(batch);
    this.watchAbort(options.signal);
    return new Promise<PollResponse>((resolve, reject) => {
      this.waiting = { horizon: eventHorizon, resolve, reject };
    });
  }

  /** The next batch when the window allows one, else `undefined`. */
  private take(eventHorizon: number): PollResponse | undefined {
    const available = this.source.length - this.next;
    const free = this.window - (this.handedOut - this.replies);
    if (available <= 0 || free < Math.min(this.refill, available)) return undefined;
    const count = Math.min(available, free);
    const stream: FleepRecord[] = new Array<FleepRecord>(count);
    for (let k = 0; k < count; k++) stream[k] = this.source.at(this.next++);
    this.handedOut += count;
    this.horizon = Math.max(this.horizon, eventHorizon) + count;
    return { event_horizon: this.horizon, stream };
  }

  override call<T = Record<string, unknown>>(_method: string, _body?: Record<string, unknown>, _options?: CallOptions): Promise<T> {
    const nr = ++this.replies;
    this.signal();
    if (this.replyWaiters.length > 0 && this.replyWaiters[0]!.target <= nr) {
      const ready = this.replyWaiters.filter((w) => w.target <= nr);
      this.replyWaiters = this.replyWaiters.filter((w) => w.target > nr);
      for (const w of ready) w.resolve();
    }
    return Promise.resolve({ result_message_nr: nr } as T);
  }

  /**
   * One abort listener per signal (the poller passes the same one to every poll), not one per
   * wait: a network client registers its listener once per request, not per record.
   */
  private watchAbort(signal: AbortSignal | undefined): void {
    if (!signal || this.watched === signal) return;
    this.watched = signal;
    signal.addEventListener(
      'abort',
      () => {
        const waiting = this.waiting;
        this.waiting = undefined;
        waiting?.reject(signal.reason as Error);
      },
      { once: true },
    );
  }

  /** Answers the waiting poll once the window allows a batch. */
  private signal(): void {
    const waiting = this.waiting;
    if (!waiting) return;
    const batch = this.take(waiting.horizon);
    if (!batch) return;
    this.waiting = undefined;
    waiting.resolve(batch);
  }
}

/** Makes a Fleep `message` record as `account/poll` would deliver it (PROTOCOL.md §6.1). */
export function messageRecord(conversation: number, messageNr: number, person: number, text: string, postedTime: number): MessageRecord {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return {
    mk_rec_type: 'message',
    conversation_id: conversationId(conversation),
    message_nr: messageNr,
    prev_message_nr: messageNr - 1,
    account_id: personId(person),
    profile_id: BOT_ID,
    inbox_nr: messageNr,
    lock_account_id: null,
    message: `<msg><p>${escaped}</p></msg>`,
    mk_message_state: 'urn:fleep:message:mk_message_state:plain',
    mk_message_type: 'text',
    posted_time: postedTime,
    tags: [],
  };
}
