/**
 * The sandbox world: accounts, sessions, conversations, files and event streams, plus the
 * helpers every call handler shares (lookups that throw Fleep errors, fan-out to members).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FleepRecord } from '../api/records.js';
import type { Clock } from '../util/clock.js';
import { badRequest, forbidden, notFound } from './errors.js';
import type { StoredLabel } from './labels.js';
import { labelRecord, systemLabels } from './labels.js';
import type { Account, Session, StoredConversation, StoredFile, StoredMessage } from './model.js';
import { EventStreams } from './streams.js';
import type { StreamSnapshot } from './streams.js';
import type { ContactNote, HeaderEnv } from './views.js';
import { contactRecord, fileRecords, messageRecord, ownContactRecord, streamDelta } from './views.js';

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
  /** Labels per account (absent in older snapshots). */
  labels?: Record<string, StoredLabel[]>;
  /** `contact/describe` notes: viewer → contact → note (absent in older snapshots). */
  notes?: Record<string, Record<string, ContactNote>>;
}

const ADDRESS = /^[a-z0-9._-]+$/;
/** The host of Fleep addresses: `<fleep_address>@fleep.io` names an account (PROTOCOL.md §R2.9). */
export const FLEEP_HOST = 'fleep.io';

/** The in-memory world of one sandbox. */
export class SandboxState implements HeaderEnv {
  readonly accounts = new Map<string, Account>();
  readonly sessions = new Map<string, Session>();
  readonly conversations = new Map<string, StoredConversation>();
  readonly files = new Map<string, StoredFile>();
  readonly streams = new EventStreams();
  /** Labels of each account. */
  readonly labels = new Map<string, StoredLabel[]>();
  /** `contact/describe` notes: viewer → contact id → note. */
  readonly notes = new Map<string, Record<string, ContactNote>>();
  /** Called after every change (drives the debounced snapshot). */
  onChange: () => void = () => undefined;

  constructor(readonly clock: Clock) {}

  /** Epoch ms now. */
  now(): number {
    return this.clock.now();
  }

  /**
   * Adds an account; refuses duplicate emails or addresses with a 400. Like a new Fleep account
   * it is not empty: its stream starts with its own contact and the system labels, so its
   * `event_horizon` is above 0 from the first call (PROTOCOL.md §R2.1).
   */
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
    const labels = systemLabels();
    this.labels.set(account.account_id, labels);
    this.streams.push(account.account_id, ownContactRecord(account, 0));
    for (const l of labels) this.streams.push(account.account_id, labelRecord(l));
    this.onChange();
    return account;
  }

  /**
   * The account of an e-mail address that has none: Fleep accepts such addresses as members
   * (`mk_account_status: "new"`, no login, PROTOCOL.md §R2.9).
   */
  placeholderAccount(email: string): Account {
    const key = email.trim().toLowerCase();
    if (!/^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$/.test(key)) throw badRequest(`${JSON.stringify(email)} is not an e-mail address; use name@example.com or <fleep_address>@${FLEEP_HOST}`);
    const found = this.findLogin(key);
    if (found) return found;
    const account: Account = { account_id: randomUUID(), email: key, password: '', display_name: key, fleep_address: '', created_time: this.now(), mk_account_status: 'new' };
    this.accounts.set(account.account_id, account);
    this.onChange();
    return account;
  }

  /** Finds an account by email, fleep address or `<fleep_address>@fleep.io` (case-insensitive). */
  findLogin(login: string): Account | undefined {
    const key = login.trim().toLowerCase();
    const address = key.endsWith(`@${FLEEP_HOST}`) ? key.slice(0, -FLEEP_HOST.length - 1) : key;
    for (const a of this.accounts.values()) if (a.email === key || (a.fleep_address !== '' && a.fleep_address === address)) return a;
    return undefined;
  }

  /** Account id for a fleep address (used to resolve mentions). */
  accountByAddress(address: string): string | undefined {
    for (const a of this.accounts.values()) if (a.fleep_address !== '' && a.fleep_address === address) return a.account_id;
    return undefined;
  }

  /** Display name of an account id (or the id itself). */
  displayName = (id: string): string => this.accounts.get(id)?.display_name ?? id;

  /** Name of one of the viewer's labels. */
  labelName(viewer: string, labelId: string): string | undefined {
    return this.labels.get(viewer)?.find((l) => l.label_id === labelId)?.label;
  }

  /** The viewer's labels (created on first use for accounts restored from older snapshots). */
  labelsOf(accountId: string): StoredLabel[] {
    let l = this.labels.get(accountId);
    if (!l) {
      l = systemLabels();
      this.labels.set(accountId, l);
    }
    return l;
  }

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

  /** The MessageInfo of a message (without `profile_id`). */
  messageRecord(conv: StoredConversation, m: StoredMessage): FleepRecord {
    return messageRecord(conv, m);
  }

  /** The `file` records of a message's attachments. */
  fileRecords(conv: StoredConversation, m: StoredMessage): FleepRecord[] {
    return fileRecords(conv, m, this.file);
  }

  /** The message record and its file records, as `viewer` sees them (for call responses). */
  messageWithFiles(conv: StoredConversation, m: StoredMessage, viewer: string): FleepRecord[] {
    const out: FleepRecord[] = [Object.assign({}, this.messageRecord(conv, m), { profile_id: viewer })];
    for (const f of this.fileRecords(conv, m)) out.push(f);
    return out;
  }

  /** Conversations `viewer` is or was in. */
  *conversationsOf(viewer: string): Iterable<StoredConversation> {
    for (const c of this.conversations.values()) if (c.members.includes(viewer) || c.leavers.includes(viewer)) yield c;
  }

  /** Accounts `viewer` shares (or shared) a conversation with, other than `viewer` (§R2.6). */
  knownContacts(viewer: string): Account[] {
    const ids = new Set<string>();
    for (const c of this.conversationsOf(viewer)) for (const id of [...c.members, ...c.leavers]) if (id !== viewer) ids.add(id);
    return [...ids].flatMap((id) => {
      const a = this.accounts.get(id);
      return a ? [a] : [];
    });
  }

  /** The 1:1 conversation of two accounts, or null. */
  dialogId(a: string, b: string): string | null {
    for (const c of this.conversations.values()) {
      if (c.members.length === 2 && c.members.includes(a) && c.members.includes(b)) return c.conversation_id;
    }
    return null;
  }

  /** The public contact of `accountId` as `viewer` sees it. */
  contactFor(viewer: string, accountId: string): FleepRecord | undefined {
    const a = this.accounts.get(accountId);
    if (!a) return undefined;
    if (accountId === viewer) return this.ownContact(a);
    return contactRecord(a, this.dialogId(viewer, accountId), this.notes.get(viewer)?.[accountId]);
  }

  /** The owner's view of their own account. */
  ownContact(a: Account): FleepRecord {
    let used = 0;
    for (const f of this.files.values()) if (f.account_id === a.account_id) used += f.size;
    return ownContactRecord(a, used);
  }

  /** Pushes `record` (with the recipient's `profile_id`) into each recipient's stream. */
  fanOut(recipients: Iterable<string>, record: (accountId: string) => FleepRecord): void {
    for (const id of recipients) this.streams.push(id, record(id));
  }

  /** Emits a message record, its file records and each member's delta header to every member. */
  emitMessage(conv: StoredConversation, m: StoredMessage, recipients: Iterable<string> = conv.members): void {
    const base = this.messageRecord(conv, m);
    const files = m.attachments.length > 0 ? this.fileRecords(conv, m) : [];
    for (const id of recipients) {
      this.streams.pushForViewer(id, base);
      for (const f of files) this.streams.push(id, { ...f });
      this.streams.pushDeferred(id, streamDelta(conv, id, this));
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
      labels: Object.fromEntries(this.labels),
      notes: Object.fromEntries(this.notes),
    };
  }

  /** Replaces the world with a snapshot's content. */
  restore(snap: WorldSnapshot): void {
    this.clear();
    for (const a of snap.accounts) this.accounts.set(a.account_id, a);
    for (const s of snap.sessions) this.sessions.set(s.token_id, s);
    for (const c of snap.conversations) this.conversations.set(c.conversation_id, c);
    for (const f of snap.files) this.files.set(f.file_id, f);
    for (const [id, l] of Object.entries(snap.labels ?? {})) this.labels.set(id, l);
    for (const [id, n] of Object.entries(snap.notes ?? {})) this.notes.set(id, n);
    this.streams.restore(snap.streams);
  }

  /** Empties the world (held polls are woken). */
  clear(): void {
    this.accounts.clear();
    this.sessions.clear();
    this.conversations.clear();
    this.files.clear();
    this.labels.clear();
    this.notes.clear();
    this.streams.clear();
  }
}
