/**
 * {@link FleepClient}: the typed Fleep API. Each method is a thin wrapper over `call()` that
 * maps camelCase options to the snake_case wire fields of PROTOCOL.md §7. Message text given
 * as a string is escaped so Fleep shows it literally; wrap it with `markup()` to format.
 */
import { FleepClientBase, pathId } from './base-client.js';
import { toWireText } from './escape.js';
import type { AccountSyncResponse, ContactRecord, MessageRecord, PollResponse, SyncResponse } from './records.js';
import type {
  ContactsResponse,
  CreateConversationInput,
  MessageText,
  MutationOptions,
  PinboardResponse,
  PollOptions,
  ReadOptions,
  SearchResponse,
  SendMessageOptions,
  StoreConversationInput,
  StoreMessageBody,
  StreamResponse,
  SyncConversationOptions,
  UploadInput,
  UploadResponse,
} from './types.js';

/** Drops undefined fields so only what the caller set goes on the wire. */
function defined(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}

function messageNumber(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`${what} must be a non-negative integer message number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function optionalNumber(what: string, value: unknown): number | undefined {
  return value === undefined ? undefined : messageNumber(what, value);
}

/** The `pin_weight` inside a `pin_cursor` (JSON text, or already an object); undefined when done. */
function pinCursorWeight(cursor: unknown): number | undefined {
  let value = cursor;
  if (typeof cursor === 'string') {
    try {
      value = JSON.parse(cursor);
    } catch {
      return undefined;
    }
  }
  const weight = value && typeof value === 'object' ? (value as Record<string, unknown>)['pin_weight'] : undefined;
  return typeof weight === 'number' && Number.isFinite(weight) ? weight : undefined;
}

function mutation(convId: string | undefined, options: MutationOptions): { conversationId?: string; clientReqId?: string; signal?: AbortSignal } {
  return defined({ conversationId: convId, clientReqId: options.clientReqId, signal: options.signal });
}

/**
 * The Fleep HTTP API client.
 * @example
 * const client = new FleepClient({ baseUrl: 'http://127.0.0.1:8080' });
 * await client.login('bot@example.com', password);
 * const { event_horizon } = await client.accountSync();
 * await client.sendMessage(conversationId, 'Hello *world*'); // shown literally, asterisks included
 */
export class FleepClient extends FleepClientBase {
  /** `account/sync`: the account summary and a current `event_horizon` to start polling from. */
  async accountSync(options: ReadOptions = {}): Promise<AccountSyncResponse> {
    return this.call<AccountSyncResponse>('account/sync', {}, defined({ signal: options.signal }));
  }

  /**
   * `account/poll` on its own connection pool with the long `pollTimeoutMs`; abortable.
   * @param eventHorizon the last horizon fully processed (0 = initial sync).
   */
  async poll(eventHorizon: number, options: PollOptions = {}): Promise<PollResponse> {
    messageNumber('eventHorizon', eventHorizon);
    const body = defined({ event_horizon: eventHorizon, wait: options.wait ?? true, poll_flags: options.pollFlags });
    return this.request<PollResponse>('account/poll', body, defined({ signal: options.signal, retry: options.retry }), 'poll');
  }

  /** `message/send/<conv>`: posts a message (string escaped, `markup()` as typed). */
  async sendMessage(convId: string, message: MessageText, options: SendMessageOptions = {}): Promise<SyncResponse> {
    const body = defined({
      message: toWireText(message),
      attachments: options.attachments,
      from_message_nr: optionalNumber('fromMessageNr', options.fromMessageNr),
    });
    return this.call<SyncResponse>('message/send', body, mutation(convId, options));
  }

  /**
   * `message/store/<conv>`: create or change a message: pin, task, done, delete, reactions…
   * @example await client.storeMessage(convId, { messageNr: 7, tags: ['is_done'] })
   */
  async storeMessage(convId: string, input: StoreMessageBody, options: MutationOptions = {}): Promise<SyncResponse> {
    const body = defined({
      message_nr: optionalNumber('messageNr', input.messageNr),
      message: input.message === undefined ? undefined : toWireText(input.message),
      tags: input.tags,
      assignee_ids: input.assigneeIds,
      add_reactions: input.addReactions,
      del_reactions: input.deleteReactions,
      pin_weight: input.pinWeight,
      subject: input.subject,
      attachments: input.attachments,
      from_message_nr: optionalNumber('fromMessageNr', options.fromMessageNr),
    });
    return this.call<SyncResponse>('message/store', body, mutation(convId, options));
  }

  /** `message/edit/<conv>`: replaces a message's text (author only; others get 431). */
  async editMessage(convId: string, messageNr: number, message: MessageText, options: MutationOptions = {}): Promise<SyncResponse> {
    const body = defined({
      message_nr: messageNumber('messageNr', messageNr),
      message: toWireText(message),
      from_message_nr: optionalNumber('fromMessageNr', options.fromMessageNr),
    });
    return this.call<SyncResponse>('message/edit', body, mutation(convId, options));
  }

  /** `message/delete/<conv>`. */
  async deleteMessage(convId: string, messageNr: number, options: MutationOptions = {}): Promise<SyncResponse> {
    const body = defined({ message_nr: messageNumber('messageNr', messageNr), from_message_nr: optionalNumber('fromMessageNr', options.fromMessageNr) });
    return this.call<SyncResponse>('message/delete', body, mutation(convId, options));
  }

  /** `message/mark_read/<conv>`: advances the read horizon (never moves it back). */
  async markRead(convId: string, messageNr: number, options: MutationOptions = {}): Promise<SyncResponse> {
    const body = defined({ message_nr: messageNumber('messageNr', messageNr), from_message_nr: optionalNumber('fromMessageNr', options.fromMessageNr) });
    return this.call<SyncResponse>('message/mark_read', body, mutation(convId, options));
  }

  /** `message/copy/<conv>`: copies a message into `toConvId`. */
  async copyMessage(convId: string, messageNr: number, toConvId: string, options: MutationOptions = {}): Promise<SyncResponse> {
    pathId('toConvId', toConvId);
    const body = defined({
      message_nr: messageNumber('messageNr', messageNr),
      to_conv_id: toConvId,
      from_message_nr: optionalNumber('fromMessageNr', options.fromMessageNr),
    });
    return this.call<SyncResponse>('message/copy', body, mutation(convId, options));
  }

  /** `conversation/create`; the new id is `header.conversation_id`. */
  async createConversation(input: CreateConversationInput = {}, options: MutationOptions = {}): Promise<SyncResponse> {
    const body = defined({
      topic: input.topic,
      account_ids: input.accountIds,
      emails: Array.isArray(input.emails) ? input.emails.join(', ') : input.emails,
    });
    return this.call<SyncResponse>('conversation/create', body, mutation(undefined, options));
  }

  /** `conversation/sync/<conv>` with `mk_direction` = `mode`. */
  async syncConversation(convId: string, options: SyncConversationOptions = {}): Promise<SyncResponse> {
    const body = defined({ mk_direction: options.mode, from_message_nr: optionalNumber('fromMessageNr', options.fromMessageNr) });
    return this.call<SyncResponse>('conversation/sync', body, defined({ conversationId: convId, signal: options.signal }));
  }

  /**
   * `conversation/sync_pins/<conv>` (the classic pinboard call): pinned messages from
   * `fromMessageNr`, the conversation's `pin_horizon`. Repeat with the answer's
   * `header.pin_horizon` while it is truthy (PROTOCOL.md §7.8, §R2.2).
   */
  async syncPins(convId: string, options: ReadOptions & { fromMessageNr?: number } = {}): Promise<SyncResponse> {
    const body = defined({ from_message_nr: optionalNumber('fromMessageNr', options.fromMessageNr) });
    return this.call<SyncResponse>('conversation/sync_pins', body, defined({ conversationId: convId, signal: options.signal }));
  }

  /**
   * `account/sync_pinboard` (the newer pinboard call, as Fleep's own python client and
   * heart-beat monitor use it): one page of a conversation's pins. Start with `pinWeight`
   * undefined (sent as `null`), then pass the `pin_weight` from the JSON text in
   * `header.pin_cursor` until it is null — or use {@link FleepClient.listPins}.
   * @example const page = await client.syncPinboard(convId, { pinLimit: 30 });
   */
  async syncPinboard(convId: string, options: ReadOptions & { pinWeight?: number; pinLimit?: number } = {}): Promise<PinboardResponse> {
    pathId('convId', convId);
    if (options.pinWeight !== undefined && (typeof options.pinWeight !== 'number' || !Number.isFinite(options.pinWeight))) {
      throw new TypeError(`pinWeight must be a finite number from header.pin_cursor, got ${JSON.stringify(options.pinWeight)}`);
    }
    const body = { conversation_id: convId, pin_weight: options.pinWeight ?? null, pin_limit: messageNumber('pinLimit', options.pinLimit ?? 30) };
    return this.call<PinboardResponse>('account/sync_pinboard', body, defined({ signal: options.signal }));
  }

  /**
   * Every pinned message of a conversation: pages `account/sync_pinboard` by its `pin_cursor`
   * (at most `maxPages` pages, so a server that never ends the cursor cannot loop forever).
   */
  async listPins(convId: string, options: ReadOptions & { pinLimit?: number; maxPages?: number } = {}): Promise<MessageRecord[]> {
    const out: MessageRecord[] = [];
    let pinWeight: number | undefined;
    for (let page = 0; page < (options.maxPages ?? 100); page++) {
      const res = await this.syncPinboard(convId, defined({ pinWeight, pinLimit: options.pinLimit, signal: options.signal }));
      for (const record of res.stream ?? []) if (record.mk_rec_type === 'message') out.push(record as MessageRecord);
      const next = pinCursorWeight(res.header?.pin_cursor);
      if (next === undefined || next === pinWeight) break;
      pinWeight = next;
    }
    return out;
  }

  /** `conversation/store/<conv>`: topic, members, read horizon; send only what changes. */
  async storeConversation(convId: string, input: StoreConversationInput, options: MutationOptions = {}): Promise<SyncResponse> {
    const body = defined({
      topic: input.topic,
      add_account_ids: input.addAccountIds,
      remove_account_ids: input.removeAccountIds,
      read_message_nr: optionalNumber('readMessageNr', input.readMessageNr),
      from_message_nr: optionalNumber('fromMessageNr', options.fromMessageNr),
    });
    return this.call<SyncResponse>('conversation/store', body, mutation(convId, options));
  }

  /** `conversation/leave/<conv>`. */
  async leaveConversation(convId: string, options: MutationOptions = {}): Promise<SyncResponse> {
    const body = defined({ from_message_nr: optionalNumber('fromMessageNr', options.fromMessageNr) });
    return this.call<SyncResponse>('conversation/leave', body, mutation(convId, options));
  }

  /** `contact/sync {contact_id}`: one ContactInfo. */
  async syncContact(accountId: string, options: ReadOptions = {}): Promise<ContactRecord> {
    pathId('accountId', accountId);
    return this.call<ContactRecord>('contact/sync', { contact_id: accountId }, defined({ signal: options.signal }));
  }

  /** `contact/sync/all`: every contact, minus the `ignore` account ids. */
  async syncAllContacts(input: { ignore?: string[]; searchStr?: string } = {}, options: ReadOptions = {}): Promise<ContactsResponse> {
    const body = defined({ ignore: input.ignore ?? [], search_str: input.searchStr });
    return this.call<ContactsResponse>('contact/sync/all', body, defined({ signal: options.signal }));
  }

  /** `search`: messages and conversations matching `keywords` (prefix match). */
  async search(
    keywords: string,
    input: { conversationId?: string; searchTypes?: Array<'topic' | 'chat' | 'file' | 'pin' | 'task' | 'subject'> } = {},
    options: ReadOptions = {},
  ): Promise<SearchResponse> {
    if (typeof keywords !== 'string' || keywords.trim() === '') {
      throw new TypeError(`search(keywords) needs non-empty search words, got ${JSON.stringify(keywords)}`);
    }
    const body = defined({ keywords, conversation_id: input.conversationId, search_types: input.searchTypes });
    return this.call<SearchResponse>('search', body, defined({ signal: options.signal }));
  }

  /**
   * `conversation/poke/<conv>`: asks the server to echo a `poke` record with `messageNr` into
   * this account's stream, a barrier meaning "everything before this was delivered".
   */
  async poke(convId: string, messageNr: number, options: MutationOptions & { isBgPoke?: boolean } = {}): Promise<StreamResponse> {
    const body = defined({ message_nr: messageNumber('messageNr', messageNr), is_bg_poke: options.isBgPoke ?? false });
    return this.call<StreamResponse>('conversation/poke', body, mutation(convId, options));
  }

  /**
   * `file/upload`: multipart POST (field `files`) with the ticket in the query string. Pass the
   * returned `upload_url`s as `attachments` to `sendMessage`. Not retried on 5xx/network errors
   * (an upload has no idempotency key); a 401 still re-logs in and retries once.
   */
  async uploadFile(files: UploadInput[], options: ReadOptions = {}): Promise<UploadResponse> {
    if (!Array.isArray(files) || files.length === 0) {
      throw new TypeError('uploadFile(files) needs a non-empty array of { name, data: Buffer, contentType? }');
    }
    for (const file of files) {
      if (typeof file?.name !== 'string' || file.name === '' || !(file.data instanceof Uint8Array)) {
        throw new TypeError(`uploadFile: each file needs a non-empty name and data as a Buffer, got ${JSON.stringify({ name: file?.name })}`);
      }
    }
    return this.execute<UploadResponse>(
      {
        method: 'file/upload',
        transport: 'call',
        retryable: false,
        build: (ticket, cookie) => {
          const form = new FormData();
          for (const file of files) {
            form.append('files', new Blob([file.data], { type: file.contentType ?? 'application/octet-stream' }), file.name);
          }
          return { method: 'post', url: `/api/file/upload/?ticket=${encodeURIComponent(ticket)}`, data: form, headers: { Cookie: cookie } };
        },
      },
      options.signal,
    );
  }
}
