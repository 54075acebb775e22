/**
 * The sandbox world: accounts, sessions, conversations, files and event streams, plus the
 * helpers every call handler shares (lookups that throw Fleep errors, fan-out to members).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FleepRecord } from '../api/records.js';
import type { Clock } from '../util/clock.js';
import { badRequest, forbidden, notFound } from './errors.js';
import type { Account, Session, StoredConversation, StoredFile, StoredMessage } from './model.js';
import { EventStreams } from './streams.js';
import type { StreamSnapshot } from './streams.js';
import { convDelta, messageRecord } from './views.js';

/** Input of {@link SandboxState.createAccount}. */
export interface NewAccount {
  email: string;
  password: string;
  /** @default the part of the email before `@` */
  display_name?: string;
  /** @default the part of the email before `@`, lower-cased */
  fleep_address?: string;
}

/** Serialisable world (the persistence format). */
export interface WorldSnapshot {
  version: 1;
  accounts: Account[];
  sessions: Session[];
  conversations: StoredConversation[];
  files: StoredFile[];
  streams: Record<string, StreamSnapshot>;
}

const ADDRESS = /^[a-z0-9._-]+$/;

/** The in-memory world of one sandbox. */
export class SandboxState {
  readonly accounts = new Map<string, Account>();
  readonly sessions = new Map<string, Session>();
  readonly conversations = new Map<string, StoredConversation>();
  readonly files = new Map<string, StoredFile>();
  readonly streams = new EventStreams();
  /** Called after every change (drives the debounced snapshot). */
  onChange: () => void = () => undefined;

  constructor(readonly clock: Clock) {}

  /** Epoch ms now. */
  now(): number {
    return this.clock.now();
  }

  /** Adds an account; refuses duplicate emails or addresses with a 400. */
  createAccount(input: NewAccount): Account {
    const email = typeof input.email === 'string' ? input.email.trim().toLowerCase() : '';
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw badRequest('email must look like name@example.com');
    if (typeof input.password !== 'string' || input.password === '') throw badRequest('password must be a non-empty string');
    const local = email.split('@')[0] as string;
    const address = (input.fleep_address ?? local.toLowerCase().replace(/[^a-z0-9._-]/g, '')).toLowerCase();
    if (!ADDRESS.test(address)) throw badRequest(`fleep_address must match [a-z0-9._-]+, got ${JSON.stringify(address)}`);
    for (const a of this.accounts.values()) {
      if (a.email === email) throw badRequest(`An account with email ${email} already exists`);
      if (a.fleep_address === address) throw badRequest(`An account with fleep_address ${address} already exists`);
    }
    const account: Account = {
      account_id: randomUUID(),
      email,
      password: input.password,
      display_name: input.display_name ?? local,
      fleep_address: address,
      created_time: this.now(),
    };
    this.accounts.set(account.account_id, account);
    this.onChange();
    return account;
  }

  /** Finds an account by email or fleep address (case-insensitive). */
  findLogin(login: string): Account | undefined {
    const key = login.trim().toLowerCase();
    for (const a of this.accounts.values()) if (a.email === key || a.fleep_address === key) return a;
    return undefined;
  }

  /** Account id for a fleep address (used to resolve mentions). */
  accountByAddress(address: string): string | undefined {
    for (const a of this.accounts.values()) if (a.fleep_address === address) return a.account_id;
    return undefined;
  }

  /** Display name of an account id (or the id itself). */
  displayName = (id: string): string => this.accounts.get(id)?.display_name ?? id;

  /** Opens a session for an account. */
  openSession(accountId: string): Session {
    const session: Session = { token_id: randomUUID(), ticket: randomBytes(10).toString('hex'), account_id: accountId };
    this.sessions.set(session.token_id, session);
    this.onChange();
    return session;
  }

  /** The conversation, or 430. */
  conversation(id: string): StoredConversation {
    const conv = this.conversations.get(id);
    if (!conv) throw notFound(`Conversation not found: ${id}`);
    return conv;
  }

  /** Throws 431 unless `accountId` is a current member. */
  requireMember(conv: StoredConversation, accountId: string): void {
    if (conv.members.includes(accountId)) return;
    if (conv.leavers.includes(accountId)) throw forbidden('Member has left the conversation', 'member_left');
    throw forbidden('Not a member of this conversation', 'not_a_member');
  }

  /** Throws 431 unless `accountId` is or was a member (history stays readable after leaving). */
  requireReader(conv: StoredConversation, accountId: string): void {
    if (conv.members.includes(accountId) || conv.leavers.includes(accountId)) return;
    throw forbidden('Not a member of this conversation', 'not_a_member');
  }

  /** The message, or 430. */
  message(conv: StoredConversation, nr: unknown): StoredMessage {
    if (typeof nr !== 'number' || !Number.isInteger(nr)) throw badRequest('message_nr must be an integer');
    const m = conv.messages[String(nr)];
    if (!m) throw notFound('Message not found.');
    return m;
  }

  /** Looks up an uploaded file. */
  file = (id: string): StoredFile | undefined => this.files.get(id);

  /** The full record of a message. */
  messageRecord(conv: StoredConversation, m: StoredMessage): FleepRecord {
    return messageRecord(conv, m, this.file);
  }

  /** Pushes `record` (with the recipient's `profile_id`) into each recipient's stream. */
  fanOut(recipients: Iterable<string>, record: (accountId: string) => FleepRecord): void {
    for (const id of recipients) this.streams.push(id, record(id));
  }

  /** Emits a message record plus each member's conv delta to every member. */
  emitMessage(conv: StoredConversation, m: StoredMessage, recipients: Iterable<string> = conv.members): void {
    const base = this.messageRecord(conv, m);
    const files = m.attachments.length > 0 ? ((base as { attachments?: FleepRecord[] }).attachments ?? []) : [];
    for (const id of recipients) {
      this.streams.pushForViewer(id, base);
      for (const f of files) this.streams.push(id, { ...f });
      this.streams.push(id, convDelta(conv, id));
    }
    this.onChange();
  }

  /** Serialisable copy of the world. */
  snapshot(): WorldSnapshot {
    return {
      version: 1,
      accounts: [...this.accounts.values()],
      sessions: [...this.sessions.values()],
      conversations: [...this.conversations.values()],
      files: [...this.files.values()],
      streams: this.streams.snapshot(),
    };
  }

  /** Replaces the world with a snapshot's content. */
  restore(snap: WorldSnapshot): void {
    this.clear();
    for (const a of snap.accounts) this.accounts.set(a.account_id, a);
    for (const s of snap.sessions) this.sessions.set(s.token_id, s);
    for (const c of snap.conversations) this.conversations.set(c.conversation_id, c);
    for (const f of snap.files) this.files.set(f.file_id, f);
    this.streams.restore(snap.streams);
  }

  /** Empties the world (held polls are woken). */
  clear(): void {
    this.accounts.clear();
    this.sessions.clear();
    this.conversations.clear();
    this.files.clear();
    this.streams.clear();
  }
}
