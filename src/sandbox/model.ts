/**
 * The sandbox's world as plain data (JSON-serialisable, so a snapshot is this data as is).
 */

/** A Fleep account. */
export interface Account {
  account_id: string;
  email: string;
  /** Kept in memory and in the snapshot only; never returned by any call. */
  password: string;
  display_name: string;
  fleep_address: string;
  created_time: number;
  /** `new` for an e-mail address added to a conversation without an account (no login). @default 'active' */
  mk_account_status?: 'active' | 'new';
  /** Set with `account/configure`. */
  phone_nr?: string;
  client_settings?: string;
  /** `fleep_address` was changed once with `account/configure` (a second change is refused). */
  address_locked?: boolean;
}

/** A login: the `token_id` cookie and the `ticket` body field must both match. */
export interface Session {
  token_id: string;
  ticket: string;
  account_id: string;
}

/** What kind of shared message a message is (pins and tasks exclude each other). */
export type MessageKind = 'plain' | 'pin' | 'unpin' | 'task';

/** One message of a conversation's flow, in its current state. */
export interface StoredMessage {
  message_nr: number;
  account_id: string;
  /** `text` or a system type (`create`, `add`, `kick`, `leave`, `topic`). */
  mk_message_type: string;
  /** Plain text as typed (text messages) or the JSON text of a system message. */
  text: string;
  /** The `message` wire value: XML for text, JSON text for system messages. */
  xml: string;
  posted_time: number;
  prev_message_nr: number;
  inbox_nr: number;
  kind: MessageKind;
  done: boolean;
  archived: boolean;
  deleted: boolean;
  /** Flow slot of the latest change (internal; on the wire as `flow_message_nr` unless {@link flowless}). */
  flow_message_nr?: number;
  /** Same slot, kept for the control API; never sent (Fleep records carry none, PROTOCOL.md §R2.4). */
  revision_message_nr?: number;
  /** The latest change was a `message/store` delete: Fleep sends that record without a flow number (§R2.4). */
  flowless?: boolean;
  ref_message_nr?: number;
  edit_account_id?: string;
  edited_time?: number;
  /** When the text last changed (reactions, pins and tasks change `edited_time` only). */
  text_edited_time?: number;
  pin_weight?: number | null;
  pinned_account_id?: string;
  tasked_account_id?: string;
  /** Taskboard order of a task (Fleep's first task weight is 2^32, §R2.4). */
  task_weight?: number;
  /** Set once the message had reactions / assignees: later records keep the key (maybe `[]`) so merging caches clear it. */
  ever_reacted?: boolean;
  ever_assigned?: boolean;
  ever_mentioned?: boolean;
  assignee_ids: string[];
  assigner_id?: string;
  reactions: Array<{ reaction: string; account_ids: string[] }>;
  mention_ids: string[];
  /** File ids of attachments. */
  attachments: string[];
  /** Posted through an incoming webhook: its key, and the `user` name it was given. */
  hook_key?: string;
  sender_name?: string;
}

/** One member's view of a conversation (optional fields: absent in older snapshots). */
export interface MemberState {
  /** First join; kept when a leaver is added back. */
  join_message_nr: number;
  read_message_nr: number;
  my_message_nr: number;
  unread_count: number;
  is_mark_unread: boolean;
  mk_alert_level: string;
  /** Where the current membership began (the create or add message). @default join_message_nr */
  begin_message_nr?: number;
  /** The latest membership message that concerns this member (create/add/leave/kick). */
  send_message_nr?: number;
  /** The `my_message_nr` last sent to this member in a header (it is sent only when it changes). */
  my_sent?: number;
  /** `conversation/hide` horizon. @default 0 */
  hide_message_nr?: number;
  /** Label ids this member put on the conversation. */
  label_ids?: string[];
}

/** A conversation and its flow. */
export interface StoredConversation {
  conversation_id: string;
  topic: string;
  creator_id: string;
  created_time: number;
  members: string[];
  leavers: string[];
  member_state: Record<string, MemberState>;
  /** Visible messages by message_nr. */
  messages: Record<string, StoredMessage>;
  /** Change slots: flow slot → the message_nr whose change took it. */
  changes: Record<string, number>;
  last_message_nr: number;
  last_message_time: number;
  last_inbox_nr: number;
  /** The last visible (non-change) message_nr. */
  last_visible_nr: number;
  /** Incoming webhooks (`conversation/create_hook`). */
  hooks?: StoredHook[];
}

/** An incoming webhook of a conversation (PROTOCOL.md §6.5, §8.1). */
export interface StoredHook {
  hook_id: string;
  /** 22-character key; also the last segment of `hook_url` (`POST /hook/<key>`). */
  hook_key: string;
  hook_name: string;
  mk_hook_type: string;
  /** The owner: messages posted through the hook are authored by this account. */
  account_id: string;
  outgoing_url: string;
  outgoing_disabled: boolean;
  is_active: boolean;
}

/** An uploaded file. */
export interface StoredFile {
  file_id: string;
  account_id: string;
  name: string;
  type: string;
  size: number;
  sha256: string;
  /** Pixel size, for images whose header the sandbox could read. */
  width?: number;
  height?: number;
  is_animated?: boolean;
  data_base64: string;
  posted_time: number;
}
