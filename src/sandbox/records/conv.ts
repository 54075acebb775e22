/**
 * ConvInfo records (PROTOCOL.md §6.2, §R2.2, §R2.7, §R2.8). Three layers:
 * - the *delta* header every change sends (read horizon, inbox, counters — §R2.7's key set);
 * - the *membership block* added when members or the topic change;
 * - the *init* keys (`is_init`, `mk_init_mode`, `fw_message_nr`/`bw_message_nr`, …) that only
 *   headers meant to reset a client's cache carry: create, `conversation/sync` ic_full/ic_tiny,
 *   `conversation/mark_read`, a member's first sight, the initial sync.
 */
import type { ConvRecord } from '../../api/records.js';
import type { MemberState, StoredConversation, StoredMessage } from '../model.js';
import { DeferredRecord } from '../deferred-record.js';
import { unixSeconds } from './message.js';

/** What header builders look up outside the conversation. */
export interface HeaderEnv {
  displayName(accountId: string): string;
  /** Name of one of the viewer's labels. */
  labelName(viewer: string, labelId: string): string | undefined;
}

/** The member state of `viewer`, or a neutral one for outsiders. */
export function memberState(conv: StoredConversation, viewer: string): MemberState {
  return (
    conv.member_state[viewer] ?? {
      join_message_nr: 0,
      read_message_nr: 0,
      my_message_nr: 0,
      unread_count: 0,
      is_mark_unread: false,
      mk_alert_level: 'default',
    }
  );
}

/** Per conversation, derived indexes kept current by {@link noteMessage}: live pins and tasks, alerting messages. */
interface ConvIndex {
  pins: Set<number>;
  tasks: Set<number>;
  archivedTasks: Set<number>;
  /** message_nr of every alerting message (positive `inbox_nr`), ascending. */
  alerting: number[];
}

const indexes = new WeakMap<StoredConversation, ConvIndex>();

function indexOf(conv: StoredConversation): ConvIndex {
  let ix = indexes.get(conv);
  if (!ix) {
    ix = { pins: new Set(), tasks: new Set(), archivedTasks: new Set(), alerting: [] };
    const all = Object.values(conv.messages).sort((a, b) => a.message_nr - b.message_nr);
    for (const m of all) {
      if (m.inbox_nr > 0) ix.alerting.push(m.message_nr);
      noteKindIn(ix, m);
    }
    indexes.set(conv, ix);
  }
  return ix;
}

function noteKindIn(ix: ConvIndex, m: StoredMessage): void {
  ix.pins.delete(m.message_nr);
  ix.tasks.delete(m.message_nr);
  ix.archivedTasks.delete(m.message_nr);
  if (m.deleted) return;
  if (m.kind === 'pin') ix.pins.add(m.message_nr);
  if (m.kind === 'task') (m.archived ? ix.archivedTasks : ix.tasks).add(m.message_nr);
}

/** Records a new or changed message in the indexes (call after every create or change). */
export function noteMessage(conv: StoredConversation, m: StoredMessage, isNew: boolean): void {
  const ix = indexes.get(conv);
  if (!ix) return;
  if (isNew && m.inbox_nr > 0) ix.alerting.push(m.message_nr);
  noteKindIn(ix, m);
}

/** Number of alerting messages with message_nr ≤ nr. */
function alertingUpTo(alerting: number[], nr: number): number {
  let lo = 0;
  let hi = alerting.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((alerting[mid] as number) <= nr) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** True when the viewer is a current member. */
function isMember(conv: StoredConversation, viewer: string): boolean {
  return conv.members.includes(viewer);
}

/** The last flow nr the viewer's view reaches (a leaver's stops at the message that removed him). */
function viewEnd(conv: StoredConversation, viewer: string, ms: MemberState): number {
  return isMember(conv, viewer) ? conv.last_message_nr : Math.min(conv.last_message_nr, ms.send_message_nr ?? conv.last_message_nr);
}

/**
 * §R2.8: the first alerting message above the read horizon if one is unread, else the last
 * alerting one, else 1; system messages never count.
 */
function inboxNumbers(conv: StoredConversation, ms: MemberState, end: number): { inbox: number; readInbox: number; lastInbox: number } {
  const { alerting } = indexOf(conv);
  const lastInbox = alertingUpTo(alerting, end);
  const readInbox = alertingUpTo(alerting, ms.read_message_nr);
  const inbox = readInbox < lastInbox ? (alerting[readInbox] as number) : lastInbox > 0 ? (alerting[lastInbox - 1] as number) : 1;
  return { inbox, readInbox, lastInbox };
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * The delta header of §R2.7 in its compact form: only what varies. `expand()` builds the wire
 * record (every header a member's stream keeps is one of these until it is read).
 */
export class DeltaHeader extends DeferredRecord {
  constructor(
    readonly conversationId: string,
    readonly viewer: string,
    readonly join: number,
    readonly last: number,
    readonly read: number,
    readonly show: number,
    readonly send: number,
    readonly inbox: number,
    readonly lastInbox: number,
    readonly readInbox: number,
    readonly unread: number,
    readonly markUnread: boolean,
    readonly alertLevel: string,
    readonly labelIds: readonly string[],
    /** Bits: 1 pinboard, 2 taskboard, 4 task archive. */
    readonly boards: number,
    readonly time: number,
    readonly labels: readonly string[] | undefined,
    readonly hide: number,
    /** `my_message_nr` to send, or -1 for none. */
    readonly my: number,
  ) {
    super();
  }

  expand(): ConvRecord {
    const rec: ConvRecord = {
      mk_rec_type: 'conv',
      conversation_id: this.conversationId,
      profile_id: this.viewer,
      join_message_nr: this.join,
      last_message_nr: this.last,
      read_message_nr: this.read,
      show_message_nr: this.show,
      send_message_nr: this.send,
      inbox_message_nr: this.inbox,
      last_inbox_nr: this.lastInbox,
      read_inbox_nr: this.readInbox,
      unread_count: this.unread,
      is_mark_unread: this.markUnread,
      mk_alert_level: this.alertLevel,
      snooze_interval: 0,
      snooze_time: 0,
      is_muted: false,
      is_automute: false,
      is_list: false,
      label_ids: [...this.labelIds],
      teams: [],
      has_pinboard: (this.boards & 1) !== 0,
      has_taskboard: (this.boards & 2) !== 0,
      has_task_archive: (this.boards & 4) !== 0,
      has_done_notifications: false,
      export_files: [],
      export_progress: '1',
      passive: [],
      pending: [],
      inbox_time: this.time,
      last_message_time: this.time,
    };
    if (this.labels) rec.labels = [...this.labels];
    if (this.hide > 0) rec.hide_message_nr = this.hide;
    if (this.my >= 0) rec.my_message_nr = this.my;
    return rec;
  }
}

/** The compact delta header for `viewer` now; `my_message_nr` only when asked. */
export function compactDelta(conv: StoredConversation, viewer: string, env: HeaderEnv, withMy = false): DeltaHeader {
  const ms = memberState(conv, viewer);
  const end = viewEnd(conv, viewer, ms);
  const { inbox, readInbox, lastInbox } = inboxNumbers(conv, ms, end);
  const ix = indexOf(conv);
  const member = isMember(conv, viewer);
  const labelIds = ms.label_ids && ms.label_ids.length > 0 ? [...ms.label_ids] : NONE;
  return new DeltaHeader(
    conv.conversation_id,
    viewer,
    ms.join_message_nr,
    end,
    ms.read_message_nr,
    member ? conv.last_visible_nr : Math.min(conv.last_visible_nr, end),
    ms.send_message_nr ?? ms.join_message_nr,
    inbox,
    lastInbox,
    readInbox,
    member ? ms.unread_count : 0,
    ms.is_mark_unread,
    ms.mk_alert_level,
    labelIds,
    (ix.pins.size > 0 ? 1 : 0) | (ix.tasks.size > 0 ? 2 : 0) | (ix.archivedTasks.size > 0 ? 4 : 0),
    unixSeconds(conv.last_message_time),
    labelIds.length > 0 ? labelIds.map((id) => env.labelName(viewer, id) ?? id) : undefined,
    ms.hide_message_nr ?? 0,
    withMy ? ms.my_message_nr : -1,
  );
}

/** The delta header of §R2.7 (what every change sends); `my_message_nr` only when asked. */
export function deltaHeader(conv: StoredConversation, viewer: string, env: HeaderEnv, withMy = false): ConvRecord {
  return compactDelta(conv, viewer, env, withMy).expand();
}

/**
 * The delta header for a member's stream, compact: carries `my_message_nr` when it changed
 * since it was last sent to that member (0 included, §R2.7), and remembers that it was sent.
 */
export function streamDelta(conv: StoredConversation, viewer: string, env: HeaderEnv): DeltaHeader {
  const ms = conv.member_state[viewer];
  const changed = ms !== undefined && ms.my_message_nr !== (ms.my_sent ?? 0);
  if (changed) ms.my_sent = ms.my_message_nr;
  return compactDelta(conv, viewer, env, changed);
}

/** The nr of the conversation's latest `topic` message (or the create message). */
function topicMessageNr(conv: StoredConversation): number {
  for (let nr = conv.last_visible_nr; nr > 1; nr--) if (conv.messages[String(nr)]?.mk_message_type === 'topic') return nr;
  return 1;
}

/** Adds §R2.7's membership block (members, leavers, topic, can_post…) to a header. */
export function withMembership(rec: ConvRecord, conv: StoredConversation, viewer: string): ConvRecord {
  return Object.assign(rec, {
    members: [...conv.members],
    leavers: [...conv.leavers],
    admins: [],
    guests: [],
    default_members: [],
    creator_id: conv.creator_id,
    can_post: isMember(conv, viewer),
    topic: conv.topic,
    topic_message_nr: topicMessageNr(conv),
    mk_conv_type: 'cct_default',
    organisation_id: null,
    is_managed: false,
    is_premium: false,
    has_email_subject: false,
  });
}

/** The 22-character form of a UUID used in Fleep URLs (PROTOCOL.md §1). */
export function shortId(uuid: string): string {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64url');
}

/** Default topic: the other members' display names. */
export function defaultTopic(conv: StoredConversation, viewer: string, env: HeaderEnv): string {
  return conv.members
    .filter((id) => id !== viewer)
    .map((id) => env.displayName(id))
    .join(', ');
}

/**
 * An init header (`is_init: true`): the client resets its cache of the conversation to it.
 * `bw`/`fw` are the first and last message nr the answer attaches (§R2.2).
 */
export function initHeader(conv: StoredConversation, viewer: string, env: HeaderEnv, mode: 'ic_full' | 'ic_tiny', bw: number, fw: number): ConvRecord {
  const ms = memberState(conv, viewer);
  // `my_message_nr` only when a mention is pending: create headers have none (§R2.7).
  const rec = withMembership(deltaHeader(conv, viewer, env, ms.my_message_nr !== 0), conv, viewer);
  const key = shortId(conv.conversation_id);
  Object.assign(rec, {
    default_topic: defaultTopic(conv, viewer, env),
    is_init: true,
    mk_init_mode: mode,
    is_full: true,
    is_tiny: mode === 'ic_tiny',
    begin_message_nr: ms.begin_message_nr ?? ms.join_message_nr,
    bw_message_nr: bw,
    fw_message_nr: fw,
    autojoin_url: `/chat/${key}`,
    cmail: `conv.${key.toLowerCase()}@fleep.io`,
  });
  if (mode === 'ic_full') Object.assign(rec, { pin_cursor: null, pin_sync_state: null });
  const held = conv.member_state[viewer];
  if (held) held.my_sent = held.my_message_nr;
  return rec;
}
