/**
 * Fleep wire records, as they appear in `account/poll` streams and call responses
 * (PROTOCOL.md §6). Records are partial updates: every field but the keys may be absent.
 */

/** `mk_message_state` URNs (PROTOCOL.md §6.1). */
export const MessageState = {
  plain: 'urn:fleep:message:mk_message_state:plain',
  system: 'urn:fleep:message:mk_message_state:system',
  deleted: 'urn:fleep:message:mk_message_state:deleted',
  pinned: 'urn:fleep:message:mk_message_state:pinned',
  unpinned: 'urn:fleep:message:mk_message_state:unpinned',
  todo: 'urn:fleep:message:mk_message_state:todo',
  done: 'urn:fleep:message:mk_message_state:done',
} as const;
export type MessageStateUrn = (typeof MessageState)[keyof typeof MessageState];

/** A reaction as the sandbox exposes it (shape invented, PROTOCOL.md §12 #7). */
export interface ReactionInfo {
  reaction: string;
  account_ids: string[];
}

/** MessageInfo (PROTOCOL.md §6.1). */
export interface MessageRecord {
  mk_rec_type: 'message';
  conversation_id: string;
  message_nr: number;
  account_id?: string;
  profile_id?: string;
  message?: string;
  mk_message_type?: string;
  mk_message_state?: MessageStateUrn | string;
  tags?: string[];
  posted_time?: number;
  prev_message_nr?: number;
  inbox_nr?: number;
  flow_message_nr?: number;
  revision_message_nr?: number;
  ref_message_nr?: number;
  /** Set by post-2017 Fleep: false on a new message, true on a re-sent one (PROTOCOL.md §R2.3). */
  is_edit?: boolean | null;
  edit_account_id?: string | null;
  edited_time?: number | null;
  lock_account_id?: string | null;
  pin_weight?: number | null;
  pinned_account_id?: string | null;
  tasked_account_id?: string | null;
  assignee_ids?: string[] | null;
  assigner_id?: string | null;
  reactions?: ReactionInfo[] | null;
  mention_ids?: string[] | null;
  subject?: string | null;
  hook_key?: string | null;
  sender_name?: string | null;
  section_id?: string | null;
  client_req_id?: string | null;
  [extra: string]: unknown;
}

/** ConvInfo (PROTOCOL.md §6.2). */
export interface ConvRecord {
  mk_rec_type: 'conv';
  conversation_id: string;
  topic?: string | null;
  default_topic?: string | null;
  members?: string[];
  leavers?: string[];
  guests?: string[];
  admins?: string[];
  teams?: string[];
  creator_id?: string;
  can_post?: boolean;
  join_message_nr?: number;
  read_message_nr?: number;
  last_message_nr?: number;
  show_message_nr?: number;
  inbox_message_nr?: number;
  my_message_nr?: number;
  fw_message_nr?: number;
  bw_message_nr?: number;
  unread_count?: number;
  last_message_time?: number;
  inbox_time?: number;
  mk_alert_level?: string;
  mk_init_mode?: 'ic_header' | 'ic_tiny' | 'ic_full' | string;
  mk_conv_type?: string;
  is_init?: boolean;
  is_deleted?: boolean;
  is_hidden?: boolean;
  pin_horizon?: number;
  pin_cursor?: string | null;
  client_req_id?: string | null;
  profile_id?: string;
  [extra: string]: unknown;
}

/** ContactInfo (PROTOCOL.md §6.3). */
export interface ContactRecord {
  mk_rec_type: 'contact';
  account_id: string;
  email?: string | null;
  display_name?: string | null;
  fleep_address?: string | null;
  mk_account_status?: string;
  avatar_urls?: string | null;
  phone_nr?: string | null;
  activity_time?: number | null;
  [extra: string]: unknown;
}

/** ActivityInfo (PROTOCOL.md §6.4). */
export interface ActivityRecord {
  mk_rec_type: 'activity';
  conversation_id: string;
  account_id: string;
  is_writing?: boolean;
  message_nr?: number;
  read_message_nr?: number;
  join_message_nr?: number;
  activity_time?: number;
  [extra: string]: unknown;
}

/** HookInfo (PROTOCOL.md §6.5). */
export interface HookRecord {
  mk_rec_type: 'hook';
  conversation_id: string;
  hook_key: string;
  hook_name?: string;
  hook_url?: string;
  mk_hook_type?: string;
  [extra: string]: unknown;
}

/** FileInfo (PROTOCOL.md §6.6). */
export interface FileRecord {
  mk_rec_type: 'file';
  conversation_id: string;
  message_nr: number;
  account_id?: string;
  attachment_id?: string;
  file_name?: string;
  file_url?: string;
  file_size?: number;
  file_type?: string;
  [extra: string]: unknown;
}

/** RequestInfo: the sync barrier for a `client_req_id` (PROTOCOL.md §3.6). */
export interface RequestRecord {
  mk_rec_type: 'request';
  client_req_id: string;
  conversation_id?: string;
  result_message_nr?: number;
  [extra: string]: unknown;
}

/** Poke barrier (PROTOCOL.md §3.6). */
export interface PokeRecord {
  mk_rec_type: 'poke';
  conversation_id: string;
  message_nr: number;
  [extra: string]: unknown;
}

/** Reminder record (PROTOCOL.md §6.7). */
export interface ReminderRecord {
  mk_rec_type: 'reminder';
  reminder_id: string;
  [extra: string]: unknown;
}

/** Taskboard section (PROTOCOL.md §6.7). */
export interface SectionRecord {
  mk_rec_type: 'section';
  conversation_id: string;
  section_id: string;
  [extra: string]: unknown;
}

/** Label (PROTOCOL.md §6.7). */
export interface LabelRecord {
  mk_rec_type: 'label';
  label_id: string;
  [extra: string]: unknown;
}

/** Any record type the client does not model. It never throws. */
export interface UnknownRecord {
  mk_rec_type: string;
  [extra: string]: unknown;
}

/** Records the client models, discriminated on `mk_rec_type`. */
export type KnownRecord =
  | MessageRecord
  | ConvRecord
  | ContactRecord
  | ActivityRecord
  | HookRecord
  | FileRecord
  | RequestRecord
  | PokeRecord
  | ReminderRecord
  | SectionRecord
  | LabelRecord;

/** A stream record: a known one, or anything else with a `mk_rec_type`. */
export type FleepRecord = KnownRecord | UnknownRecord;

const KNOWN = new Set(['message', 'conv', 'contact', 'activity', 'hook', 'file', 'request', 'poke', 'reminder', 'section', 'label']);

/** True for the record types fleepkit models. */
export function isKnownRecord(record: FleepRecord): record is KnownRecord {
  return KNOWN.has(record.mk_rec_type);
}

/** Narrows a record to one `mk_rec_type`. */
export function isRecord<T extends KnownRecord['mk_rec_type']>(
  record: FleepRecord,
  type: T,
): record is Extract<KnownRecord, { mk_rec_type: T }> {
  return record.mk_rec_type === type;
}

/** The common response of conversation and message calls (PROTOCOL.md §4). */
export interface SyncResponse {
  header: Partial<ConvRecord> & { conversation_id: string };
  stream: FleepRecord[];
  result_message_nr?: number;
  client_req_id?: string;
  [extra: string]: unknown;
}

/** `account/poll` response (PROTOCOL.md §3.2). */
export interface PollResponse {
  event_horizon: number;
  stream: FleepRecord[];
  sync_progress?: number;
  [extra: string]: unknown;
}

/** `account/login` response (PROTOCOL.md §2.1). */
export interface LoginResponse {
  account_id: string;
  display_name?: string;
  ticket: string;
  profiles: ContactRecord[];
  [extra: string]: unknown;
}

/** `account/sync` response (PROTOCOL.md §2.3). */
export interface AccountSyncResponse {
  event_horizon: number;
  account_id: string;
  email?: string;
  display_name?: string;
  mk_account_status?: string;
  [extra: string]: unknown;
}
