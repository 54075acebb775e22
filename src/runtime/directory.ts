/**
 * Who is who and which conversation is which, as far as the bot knows: contacts (for
 * `ctx.sender`, @address and e-mail lookups) and conversation members (for `ctx.isDirect`).
 * Filled from `contact/sync/all` at start, `conv`/`contact` records as they stream in, and a
 * `conversation/sync` header fetch the first time an unknown conversation shows up.
 */
import type { FleepClient } from '../api/client.js';
import type { ContactRecord, ConvRecord, FleepRecord } from '../api/records.js';

/** A person as plugins see them. */
export interface ContactInfo {
  accountId: string;
  displayName: string;
  email: string;
  fleepAddress: string;
}

/** What the directory knows about a conversation. */
export interface ConversationInfo {
  conversationId: string;
  topic: string;
  members: string[];
}

/** Where a conversation stood in an initial sync: its last flow number and where the bot joined. */
export interface ConversationPosition {
  conversationId: string;
  /** The highest flow number (messages and changes) so far. */
  lastMessageNr: number;
  /** The message the bot's membership begins at. */
  joinMessageNr: number;
}

function positionOf(record: FleepRecord): ConversationPosition | undefined {
  if (record.mk_rec_type !== 'conv' || typeof record.conversation_id !== 'string') return undefined;
  const conv = record as ConvRecord;
  const last = typeof conv.last_message_nr === 'number' ? conv.last_message_nr : undefined;
  if (last === undefined) return undefined;
  const join = typeof conv.join_message_nr === 'number' ? conv.join_message_nr : 0;
  return { conversationId: conv.conversation_id, lastMessageNr: last, joinMessageNr: join };
}

/** The bot's view of contacts and conversations. */
export class Directory {
  private readonly contacts = new Map<string, ContactInfo>();
  private readonly byAddressMap = new Map<string, string>();
  private readonly byEmailMap = new Map<string, string>();
  private readonly conversations = new Map<string, ConversationInfo>();
  private readonly loading = new Map<string, Promise<void>>();

  constructor(
    private readonly client: FleepClient,
    private readonly botAccountId: () => string,
  ) {}

  /** Loads every contact the account can see. */
  async loadContacts(signal?: AbortSignal): Promise<void> {
    const { contacts } = await this.client.syncAllContacts({}, signal ? { signal } : {});
    for (const c of contacts) this.applyContact(c);
  }

  /** Applies `contact` and `conv` records from the stream. */
  apply(record: FleepRecord): void {
    if (record.mk_rec_type === 'contact') this.applyContact(record as ContactRecord);
    else if (record.mk_rec_type === 'conv') this.applyConv(record as ConvRecord);
  }

  /** Makes sure the conversation's members are known before its events are handled. */
  ensureConversation(conversationId: string): Promise<void> | undefined {
    // Partial conv records (sent with every new message) carry no member list: only a known
    // member list counts as knowing the conversation.
    if (!conversationId || (this.conversations.get(conversationId)?.members.length ?? 0) > 0) return undefined;
    let pending = this.loading.get(conversationId);
    if (!pending) {
      pending = this.client
        .syncConversation(conversationId, { mode: 'ic_header' })
        .then((res) => this.applyConv({ ...res.header, mk_rec_type: 'conv' }))
        .catch(() => {
          // Unknown to the server or not reachable now: handle the event without member info.
        })
        .finally(() => this.loading.delete(conversationId));
      this.loading.set(conversationId, pending);
    }
    return pending;
  }

  get(accountId: string): ContactInfo | undefined {
    return this.contacts.get(accountId);
  }

  byAddress(address: string): string | undefined {
    return this.byAddressMap.get(address.toLowerCase());
  }

  byEmail(email: string): string | undefined {
    return this.byEmailMap.get(email.toLowerCase());
  }

  conversation(conversationId: string): ConversationInfo | undefined {
    return this.conversations.get(conversationId);
  }

  members(conversationId: string): string[] {
    return this.conversations.get(conversationId)?.members ?? [];
  }

  topic(conversationId: string): string | undefined {
    return this.conversations.get(conversationId)?.topic;
  }

  byTopic(topic: string): string | undefined {
    const wanted = topic.trim().toLowerCase();
    for (const c of this.conversations.values()) if (c.topic.toLowerCase() === wanted) return c.conversationId;
    return undefined;
  }

  directWith(accountId: string): string | undefined {
    const bot = this.botAccountId();
    for (const c of this.conversations.values()) {
      if (c.members.length === 2 && c.members.includes(bot) && c.members.includes(accountId)) return c.conversationId;
    }
    return undefined;
  }

  /**
   * Reads the account's conversations and contacts from an initial sync (`account/poll` from
   * horizon 0 without waiting) and resolves where each conversation stands. Only the directory
   * learns from it: none of it is an event.
   * @throws when the server answers horizon 0 (a live account never has it: PROTOCOL.md §R2.1).
   */
  async loadConversations(signal?: AbortSignal, maxPages = 20): Promise<ConversationPosition[]> {
    const positions = new Map<string, ConversationPosition>();
    let horizon = 0;
    for (let page = 0; page < maxPages; page++) {
      const res = await this.client.poll(horizon, { wait: false, pollFlags: ['skip_hidden'], retry: false, ...(signal ? { signal } : {}) });
      if (res.event_horizon === 0) throw new Error('account/poll answered horizon 0 to an initial sync (the server wants a resync); try again');
      for (const record of res.stream ?? []) {
        this.apply(record);
        const position = positionOf(record);
        if (position) positions.set(position.conversationId, position);
      }
      if (res.event_horizon === horizon || (res.sync_progress ?? 1) >= 1) break;
      horizon = res.event_horizon;
    }
    return [...positions.values()];
  }

  /** A direct conversation: exactly the bot and one other person. */
  isDirect(conversationId: string): boolean {
    const members = this.members(conversationId);
    return members.length === 2 && members.includes(this.botAccountId());
  }

  /** Every conversation the directory knows, for catch-up after a resync. */
  knownConversations(): string[] {
    return [...this.conversations.keys()];
  }

  private applyContact(c: ContactRecord): void {
    if (typeof c.account_id !== 'string') return;
    const prev = this.contacts.get(c.account_id);
    const info: ContactInfo = {
      accountId: c.account_id,
      displayName: c.display_name ?? prev?.displayName ?? '',
      email: c.email ?? prev?.email ?? '',
      fleepAddress: c.fleep_address ?? prev?.fleepAddress ?? '',
    };
    this.contacts.set(c.account_id, info);
    if (info.fleepAddress) this.byAddressMap.set(info.fleepAddress.toLowerCase(), c.account_id);
    if (info.email) this.byEmailMap.set(info.email.toLowerCase(), c.account_id);
  }

  private applyConv(c: Partial<ConvRecord> & { conversation_id: string }): void {
    const prev = this.conversations.get(c.conversation_id);
    this.conversations.set(c.conversation_id, {
      conversationId: c.conversation_id,
      topic: c.topic ?? prev?.topic ?? '',
      members: Array.isArray(c.members) ? [...c.members] : (prev?.members ?? []),
    });
  }
}
