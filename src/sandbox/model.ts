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
  flow_message_nr?: number;
  revision_message_nr?: number;
  ref_message_nr?: number;
  edit_account_id?: string;
  edited_time?: number;
  /** When the text last changed (reactions, pins and tasks change `edited_time` only). */
  text_edited_time?: number;
  pin_weight?: number | null;
  pinned_account_id?: string;
  tasked_account_id?: string;
  assignee_ids: string[];
  assigner_id?: string;
  reactions: Array<{ reaction: string; account_ids: string[] }>;
  mention_ids: string[];
  /** File ids of attachments. */
  attachments: string[];
}

/** One member's view of a conversation. */
export interface MemberState {
  join_message_nr: number;
  read_message_nr: number;
  my_message_nr: number;
  unread_count: number;
  is_mark_unread: boolean;
  mk_alert_level: string;
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
}

/** An uploaded file. */
export interface StoredFile {
  file_id: string;
  account_id: string;
  name: string;
  type: string;
  size: number;
  sha256: string;
  data_base64: string;
  posted_time: number;
}
