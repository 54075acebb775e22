/**
 * What the sandbox holds, read through its control API and turned into names people use in
 * tests: `alice`, `bob`, `bot` instead of account ids.
 */
import { xmlToText } from '../api/markup.js';

/** A message as the sandbox holds it, in test-friendly terms. */
export interface TestMessage {
  nr: number;
  /** Short name of the author: the local part of their e-mail (`alice`, `bot`). */
  author: string;
  /** `text`, or a system type such as `create`, `add`, `topic`. */
  type: string;
  /** What Fleep shows (markup decoded); `''` for deleted and system messages. */
  text: string;
  tags: string[];
  state: string;
  /** Emoji → short names of who reacted. */
  reactions: Record<string, string[]>;
  /** Short names of the assignees. */
  assignees: string[];
  isPinned: boolean;
  isTask: boolean;
  isDone: boolean;
  isDeleted: boolean;
  edited: boolean;
}

interface RawMessage {
  message_nr: number;
  account_id: string;
  email: string | null;
  mk_message_type: string;
  xml: string;
  tags: string[];
  state: string;
  reactions: Array<{ reaction: string; account_ids: string[] }> | null;
  assignee_ids: string[] | null;
  edited: number | null;
}

const STATE = 'urn:fleep:message:mk_message_state:';

/** Reads conversations and messages from a sandbox's control API. */
export class SandboxView {
  private readonly names = new Map<string, string>();

  constructor(readonly url: string) {}

  /** Loads account ids → short names. */
  async loadAccounts(): Promise<Map<string, string>> {
    const res = await this.get<{ accounts: Array<{ account_id: string; email: string }> }>('/sandbox/accounts');
    for (const a of res.accounts) this.names.set(a.account_id, a.email.split('@')[0] ?? a.email);
    return this.names;
  }

  /** Short name of an account id (the id itself when unknown). */
  nameOf(accountId: string): string {
    return this.names.get(accountId) ?? accountId;
  }

  /** Every conversation: id, topic and members. */
  async conversations(): Promise<Array<{ conversation_id: string; topic: string; members: string[] }>> {
    return (await this.get<{ conversations: Array<{ conversation_id: string; topic: string; members: string[] }> }>('/sandbox/conversations'))
      .conversations;
  }

  /** The messages of a conversation, oldest first. */
  async messages(conversationId: string): Promise<TestMessage[]> {
    if (this.names.size === 0) await this.loadAccounts();
    const res = await this.get<{ messages: RawMessage[] }>(`/sandbox/conversations/${conversationId}/messages`);
    return res.messages.map((m) => this.toTest(m));
  }

  private toTest(m: RawMessage): TestMessage {
    const state = m.state.startsWith(STATE) ? m.state.slice(STATE.length) : m.state;
    const isDeleted = state === 'deleted';
    const isSystem = m.mk_message_type !== 'text' && m.mk_message_type !== 'email';
    const reactions: Record<string, string[]> = {};
    for (const r of m.reactions ?? []) reactions[r.reaction] = r.account_ids.map((a) => this.nameOf(a));
    return {
      nr: m.message_nr,
      author: m.email ? (m.email.split('@')[0] ?? m.email) : this.nameOf(m.account_id),
      type: m.mk_message_type,
      text: isDeleted || isSystem ? '' : xmlToText(m.xml).text,
      tags: m.tags,
      state,
      reactions,
      assignees: (m.assignee_ids ?? []).map((a) => this.nameOf(a)),
      isPinned: state === 'pinned',
      isTask: state === 'todo' || state === 'done',
      isDone: state === 'done',
      isDeleted,
      edited: m.edited !== null && m.edited !== undefined,
    };
  }

  private async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.url}${path}`);
    if (!res.ok) throw new Error(`sandbox control ${path} answered HTTP ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  }
}

/** One line per message: `alice: text`, with markers for tasks, pins and reactions. */
export function formatTranscript(messages: readonly TestMessage[]): string {
  const lines: string[] = [];
  for (const m of messages) {
    if (m.type !== 'text' && m.type !== 'email') continue;
    const marks: string[] = [];
    if (m.isDeleted) marks.push('deleted');
    if (m.isPinned) marks.push('📌');
    if (m.isTask) marks.push(m.isDone ? 'done' : 'todo');
    if (m.assignees.length > 0) marks.push(`→ ${m.assignees.join(', ')}`);
    for (const [emoji, who] of Object.entries(m.reactions)) marks.push(`${emoji} ${who.join(', ')}`);
    const suffix = marks.length > 0 ? `  [${marks.join('; ')}]` : '';
    lines.push(`${m.author}: ${m.text}${suffix}`);
  }
  return lines.join('\n');
}
