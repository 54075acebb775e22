/** Test helpers: events, deps and contexts without a runtime. */
import type { Effect } from '../../src/api/effects.js';
import { Context } from '../../src/pipeline/context.js';
import type { ContactInfo, ContextDeps, EffectResult, QueuedEffect } from '../../src/pipeline/deps.js';
import type { EventMap, FleepEvent, MessageView } from '../../src/pipeline/events.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { ManualClock } from '../../src/util/clock.js';
import { createLogger, type Logger } from '../../src/util/logger.js';
import { Writable } from 'node:stream';

export const BOT = 'acc-bot';
export const ALICE = 'acc-alice';
export const BOB = 'acc-bob';
export const ADMIN = 'acc-admin';
export const ATTACKER = 'acc-attacker';
export const GROUP = 'conv-group';
export const DM = 'conv-dm-alice';
export const DM_ADMIN = 'conv-dm-admin';
export const DM_ATTACKER = 'conv-dm-attacker';

export const CONTACTS: ContactInfo[] = [
  { accountId: BOT, displayName: 'Bot', email: 'bot@example.com', fleepAddress: 'bot' },
  { accountId: ALICE, displayName: 'Alice', email: 'alice@example.com', fleepAddress: 'alice' },
  { accountId: BOB, displayName: 'Bob', email: 'bob@example.com', fleepAddress: 'bob' },
  { accountId: ADMIN, displayName: 'Ada Admin', email: 'ada@example.com', fleepAddress: 'ada' },
  // Same display name as the admin: identity must never come from display names.
  { accountId: ATTACKER, displayName: 'Ada Admin', email: 'mallory@example.com', fleepAddress: 'ada_admin' },
];

const MEMBERS: Record<string, string[]> = {
  [GROUP]: [BOT, ALICE, BOB, ADMIN, ATTACKER],
  [DM]: [BOT, ALICE],
  [DM_ADMIN]: [BOT, ADMIN],
  [DM_ATTACKER]: [BOT, ATTACKER],
};

/** A log sink that keeps parsed lines. */
export function captureLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger({ level: 'debug', pretty: false, destination }), lines };
}

/** Deps recording every emitted effect. */
export interface TestDeps extends ContextDeps {
  effects: Effect[];
  clock: ManualClock;
  store: MemoryStore;
  lines: Array<Record<string, unknown>>;
}

export function makeDeps(overrides: Partial<ContextDeps> = {}): TestDeps {
  const effects: Effect[] = [];
  const clock = new ManualClock(Date.parse('2026-03-02T09:00:00Z'));
  const store = new MemoryStore({ clock });
  void store.open();
  const { logger, lines } = captureLogger();
  const deps: TestDeps = {
    botAccountId: BOT,
    botAddress: 'bot',
    emit: (effect: Effect): QueuedEffect => {
      effects.push(effect);
      const result: EffectResult = { messageNr: effects.length, response: {} };
      return { id: `effect-${effects.length}`, delivered: () => Promise.resolve(result) };
    },
    get effectMark(): number {
      return effects.length;
    },
    dropEffectsAfter: (mark: number): void => {
      if (effects.length > mark) effects.length = mark;
    },
    store,
    contacts: {
      get: (id) => CONTACTS.find((c) => c.accountId === id),
      byAddress: (a) => CONTACTS.find((c) => c.fleepAddress.toLowerCase() === a.toLowerCase())?.accountId,
      byEmail: (e) => CONTACTS.find((c) => c.email.toLowerCase() === e.toLowerCase())?.accountId,
    },
    conversations: {
      isDirect: (c) => (MEMBERS[c]?.length ?? 0) === 2,
      members: (c) => MEMBERS[c] ?? [],
    },
    clock,
    logger,
    signal: new AbortController().signal,
    config: { prefix: '!' },
    effects,
    lines,
    ...overrides,
  } as TestDeps;
  return deps;
}

let seq = 0;

export function messageView(text: string, init: Partial<MessageView> = {}): MessageView {
  return {
    conversationId: GROUP,
    messageNr: 7,
    authorId: ALICE,
    text,
    xml: `<msg><p>${text}</p></msg>`,
    type: 'text',
    state: 'urn:fleep:message:mk_message_state:plain',
    tags: [],
    assigneeIds: [],
    reactions: [],
    mentionIds: [],
    postedAt: 0,
    revision: 0,
    isPinned: false,
    isTask: false,
    isDone: false,
    isDeleted: false,
    ...init,
  };
}

/** A message event of any message type. */
export function messageEvent<T extends 'message.new' | 'message.edited' | 'message.pinned' | 'task.created' | 'task.done'>(
  type: T,
  text: string,
  init: Partial<MessageView> = {},
): EventMap[T] {
  const message = messageView(text, init);
  return { type, id: `${message.conversationId}:${message.messageNr}:${seq++}`, horizon: 1, conversationId: message.conversationId, actorId: message.authorId, message } as EventMap[T];
}

/** A new message from `from` in `conv`. */
export function say(text: string, from = ALICE, conv = GROUP): EventMap['message.new'] {
  return messageEvent('message.new', text, { authorId: from, conversationId: conv });
}

export function reactionEvent(emoji: string): EventMap['reaction.added'] {
  const message = messageView('hello');
  return { type: 'reaction.added', id: `r${seq++}`, horizon: 1, conversationId: GROUP, actorId: BOB, message, emoji, reactorId: BOB };
}

export function scheduleEvent(init: Partial<EventMap['schedule']> = {}): EventMap['schedule'] {
  return { type: 'schedule', id: `s${seq++}`, horizon: 0, jobId: 'job-1', fireKey: 'job-1@x', scheduledAt: 0, lateByMs: 0, payload: null, ...init };
}

export function memberEvent(): EventMap['member.joined'] {
  return { type: 'member.joined', id: `m${seq++}`, horizon: 1, conversationId: GROUP, accountIds: [BOB], actorId: ALICE };
}

export function ctxOf<E extends FleepEvent>(event: E, deps: ContextDeps = makeDeps()): Context<E> {
  return new Context(event, deps);
}
