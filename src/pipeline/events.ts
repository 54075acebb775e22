/**
 * Framework events: what the runtime makes of raw stream records. One table, {@link EventMap},
 * drives both the runtime matcher and the type narrowing of `bot.on(...)`.
 */
import type { FleepRecord } from '../api/records.js';

/** A reaction on a message: the emoji and who reacted with it. */
export interface Reaction {
  readonly emoji: string;
  readonly accountIds: readonly string[];
}

/** A message as it stands after the record that produced the event: frozen, arrays included. */
export interface MessageView {
  readonly conversationId: string;
  readonly messageNr: number;
  /** Author's account id. */
  readonly authorId: string;
  /** Plain text of the body (Fleep XML decoded); `''` when deleted or a system message. */
  readonly text: string;
  /** The body as Fleep sent it (XML, or JSON text for system messages). */
  readonly xml: string;
  /** `mk_message_type`, e.g. `text`, `create`, `add`, `leave`, `topic`. */
  readonly type: string;
  /** `mk_message_state` URN. */
  readonly state: string;
  readonly tags: readonly string[];
  readonly assigneeIds: readonly string[];
  readonly reactions: readonly Reaction[];
  /** Account ids mentioned with `@fleep_address`. */
  readonly mentionIds: readonly string[];
  /** Unix ms. */
  readonly postedAt: number;
  readonly editedAt?: number;
  /** Flow revision of this change (0 for the original post). */
  readonly revision: number;
  readonly isPinned: boolean;
  readonly isTask: boolean;
  readonly isDone: boolean;
  readonly isDeleted: boolean;
}

/** Fields every event has. */
export interface BaseEvent<T extends EventType = EventType> {
  type: T;
  /** Identity: conversation id + message nr + revision, or the record's own key. */
  id: string;
  /** The stream horizon the record arrived with (0 for schedule events). */
  horizon: number;
  /** The conversation, when the event belongs to one. */
  conversationId?: string;
  /** Who caused the event (author, editor, reactor, member who joined…). */
  actorId?: string;
  /** The raw record, frozen. */
  record?: Readonly<FleepRecord>;
}

/** Events about one message. */
export interface MessageEvent<T extends EventType = EventType> extends BaseEvent<T> {
  conversationId: string;
  message: MessageView;
}

/** A reaction added or removed. */
export interface ReactionEvent<T extends EventType = EventType> extends MessageEvent<T> {
  emoji: string;
  /** Who added or removed it. */
  reactorId: string;
}

/** A task's assignees changed. */
export interface AssignEvent extends MessageEvent<'task.assigned'> {
  added: string[];
  removed: string[];
}

/** Members joined or left. */
export interface MemberEvent<T extends EventType = EventType> extends BaseEvent<T> {
  conversationId: string;
  accountIds: string[];
}

/** The topic changed. */
export interface TopicEvent extends BaseEvent<'topic.changed'> {
  conversationId: string;
  topic: string;
}

/** A conversation was created (the bot is in it). */
export interface ConversationEvent extends BaseEvent<'conversation.created'> {
  conversationId: string;
  topic: string;
  memberIds: string[];
}

/** A file was shared. */
export interface FileEvent extends BaseEvent<'file.shared'> {
  conversationId: string;
  messageNr: number;
  fileName: string;
  fileUrl: string;
}

/** A scheduled job fired. */
export interface ScheduleEvent extends BaseEvent<'schedule'> {
  jobId: string;
  /** Job id + scheduled instant: the idempotency base of the firing's effects. */
  fireKey: string;
  /** The slot's instant, epoch ms. */
  scheduledAt: number;
  /** How late it fires, ms (0 when on time). */
  lateByMs: number;
  payload: unknown;
  /** Who created the job (reminders), if anyone. */
  ownerId?: string;
  /** Name of the job's handler (`<plugin>:<name>`), routing the firing to `bot.cron`/`bot.schedule`. */
  name?: string;
}

/** Any record without a more specific event. Unknown record types arrive here, never throw. */
export interface RecordEvent extends BaseEvent<'record'> {
  record: Readonly<FleepRecord>;
}

/** The one table of event keys. */
export interface EventMap {
  'message.new': MessageEvent<'message.new'>;
  'message.edited': MessageEvent<'message.edited'>;
  'message.deleted': MessageEvent<'message.deleted'>;
  'message.pinned': MessageEvent<'message.pinned'>;
  'message.unpinned': MessageEvent<'message.unpinned'>;
  'task.created': MessageEvent<'task.created'>;
  'task.done': MessageEvent<'task.done'>;
  'task.reopened': MessageEvent<'task.reopened'>;
  'task.assigned': AssignEvent;
  'reaction.added': ReactionEvent<'reaction.added'>;
  'reaction.removed': ReactionEvent<'reaction.removed'>;
  'member.joined': MemberEvent<'member.joined'>;
  'member.left': MemberEvent<'member.left'>;
  'topic.changed': TopicEvent;
  'conversation.created': ConversationEvent;
  'file.shared': FileEvent;
  schedule: ScheduleEvent;
  record: RecordEvent;
}

/** Every event key. */
export type EventType = keyof EventMap;

/** Any framework event. */
export type FleepEvent = EventMap[EventType];

/** Runtime list of the event keys, in the table's order. */
export const EVENT_TYPES = [
  'message.new',
  'message.edited',
  'message.deleted',
  'message.pinned',
  'message.unpinned',
  'task.created',
  'task.done',
  'task.reopened',
  'task.assigned',
  'reaction.added',
  'reaction.removed',
  'member.joined',
  'member.left',
  'topic.changed',
  'conversation.created',
  'file.shared',
  'schedule',
  'record',
] as const satisfies readonly EventType[];

/** Event queries: a key, or a prefix such as `message` or `task` matching `message.*`. */
export type EventQuery = EventType | 'message' | 'task' | 'reaction' | 'member';

/** The event types a query matches, as a type. */
export type EventsOf<Q extends EventQuery> = Q extends EventType ? Q : Extract<EventType, `${Q}.${string}`>;

/** True when `type` matches `query`. */
export function matchesQuery(type: EventType, query: EventQuery): boolean {
  return type === query || type.startsWith(`${query}.`);
}
