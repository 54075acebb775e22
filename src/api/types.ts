/**
 * Option and response types of the {@link FleepClient} methods. camelCase here; the client
 * maps them to the snake_case wire names of PROTOCOL.md §7.
 */
import type { Markup } from './escape.js';
import type { ContactRecord, ConvRecord, FleepRecord, MessageRecord } from './records.js';

/**
 * Per-call options of {@link FleepClient.call}.
 * @example { conversationId: '3c2c8dee-…', clientReqId: 'a0e1…', signal: AbortSignal.timeout(5000) }
 */
export interface CallOptions {
  /** Aborts the call (and its retries) promptly; rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Appended to the path: `api/message/send/<conversationId>`. */
  conversationId?: string;
  /** Idempotency key of a mutating call. @default crypto.randomUUID() on mutating calls */
  clientReqId?: string;
  /** Marks a call as a safe-to-retry read even if its method is not a known read. @default false */
  idempotent?: boolean;
  /** Set false to surface the first network/5xx failure instead of retrying. @default true */
  retry?: boolean;
}

/** Options of the typed mutating methods. */
export interface MutationOptions {
  /** Aborts the call. */
  signal?: AbortSignal;
  /** Idempotency key. @default crypto.randomUUID() */
  clientReqId?: string;
  /** Forward-sync the flow after this message nr in the response (`from_message_nr`). */
  fromMessageNr?: number;
}

/** Options of the typed read methods. */
export interface ReadOptions {
  /** Aborts the call. */
  signal?: AbortSignal;
}

/** A message body: a string is escaped so Fleep shows it literally; {@link Markup} is sent as typed. */
export type MessageText = string | Markup;

/**
 * Options of {@link FleepClient.sendMessage}.
 * @example { clientReqId: 'b7c0…', attachments: [uploaded.upload_url] }
 */
export interface SendMessageOptions extends MutationOptions {
  /** `upload_url`s from {@link FleepClient.uploadFile}. */
  attachments?: string[];
}

/**
 * Body of {@link FleepClient.storeMessage} (`message/store`, PROTOCOL.md §7.2).
 * @example { messageNr: 7, tags: ['is_done'] }
 */
export interface StoreMessageBody {
  /** Omit to create a message; give to change one. */
  messageNr?: number;
  /** New text. */
  message?: MessageText;
  /** Desired flags, e.g. `pin`, `is_todo`, `is_done`, `is_archived`, `is_deleted`. */
  tags?: Array<'pin' | 'unpin' | 'is_todo' | 'is_done' | 'is_archived' | 'is_deleted' | (string & {})>;
  /** Task assignees (wire `assignee_ids`). */
  assigneeIds?: string[];
  /** Reactions to add (wire `add_reactions`). */
  addReactions?: string[];
  /** Reactions to remove (wire `del_reactions`). */
  deleteReactions?: string[];
  /** Pinboard order (wire `pin_weight`). */
  pinWeight?: number;
  /** E-mail subject; `''` removes it. */
  subject?: string;
  /** Upload URLs (wire `attachments`). */
  attachments?: string[];
}

/** Input of {@link FleepClient.createConversation}. */
export interface CreateConversationInput {
  topic?: string;
  /** Members by account id (wire `account_ids`). */
  accountIds?: string[];
  /** Members by e-mail; a list is joined into Fleep's comma-separated string (wire `emails`). */
  emails?: string | string[];
}

/** `mk_direction` values of `conversation/sync` (PROTOCOL.md §7.8). */
export type SyncMode =
  | 'ic_header'
  | 'ic_tiny'
  | 'ic_full'
  | 'ic_flow'
  | 'ic_end'
  | 'ic_backward'
  | 'ic_forward'
  | 'ic_pinboard'
  | 'ic_tasks'
  | 'ic_files';

/** Options of {@link FleepClient.syncConversation}. */
export interface SyncConversationOptions extends ReadOptions {
  /** Wire `mk_direction`; omit for a sequential forward sync. */
  mode?: SyncMode;
  fromMessageNr?: number;
}

/** Changes of {@link FleepClient.storeConversation}; send only what should change. */
export interface StoreConversationInput {
  topic?: string;
  addAccountIds?: string[];
  removeAccountIds?: string[];
  /** Moves the read horizon (also backwards). */
  readMessageNr?: number;
}

/** Options of {@link FleepClient.poll}. */
export interface PollOptions {
  /** Long-poll (true) or return at once (false). @default true */
  wait?: boolean;
  /** `skip_hidden`, `skip_rest`. */
  pollFlags?: string[];
  /** Aborts the poll promptly (graceful stop). */
  signal?: AbortSignal;
  /** Set false to let the caller's poll loop own the back-off. @default true */
  retry?: boolean;
}

/** `contact/sync/all` response. */
export interface ContactsResponse {
  contacts: ContactRecord[];
  [extra: string]: unknown;
}

/** `search` response. */
export interface SearchResponse {
  matches: MessageRecord[];
  headers: ConvRecord[];
  [extra: string]: unknown;
}

/** One uploaded file (`file/upload` response entry). */
export interface UploadedFile {
  file_id?: string;
  /** Opaque; pass it back verbatim in `attachments`. */
  upload_url: string;
  name?: string;
  size?: number;
  file_type?: string;
  [extra: string]: unknown;
}

/** `file/upload` response. */
export interface UploadResponse {
  files: UploadedFile[];
  [extra: string]: unknown;
}

/** A file to upload. */
export interface UploadInput {
  name: string;
  data: Buffer | Uint8Array;
  /** @default 'application/octet-stream' */
  contentType?: string;
}

/** A response carrying only a stream (e.g. pokes, generic calls). */
export interface StreamResponse {
  stream?: FleepRecord[];
  [extra: string]: unknown;
}

/** `account/sync_pinboard` response: one page of pins and the cursor to the next page. */
export interface PinboardResponse {
  header?: Partial<ConvRecord> & { pin_cursor?: string | null };
  stream?: FleepRecord[];
  [extra: string]: unknown;
}
