/**
 * What a {@link Context} needs from the runtime. The runtime implements these narrow interfaces;
 * the pipeline never reaches into the runtime itself.
 */
import type { Effect } from '../api/effects.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/** A person as plugins see them. Identity is `accountId`; the rest is display data. */
export interface ContactInfo {
  accountId: string;
  displayName: string;
  email: string;
  fleepAddress: string;
}

/** Looks people up. */
export interface ContactLookup {
  get(accountId: string): ContactInfo | undefined;
  /** Account id of a fleep address (without `@`), case-insensitive. */
  byAddress(address: string): string | undefined;
  /** Account id of an e-mail address, case-insensitive. */
  byEmail(email: string): string | undefined;
}

/** Looks conversations up. */
export interface ConversationLookup {
  /** Exactly two members: the bot and one person. */
  isDirect(conversationId: string): boolean;
  /** Member account ids (empty when unknown). */
  members(conversationId: string): string[];
  /** The conversation's topic (`''` when it has none, `undefined` when unknown). */
  topic(conversationId: string): string | undefined;
  /** Id of the conversation with this topic (case-insensitive), when the bot is in one. */
  byTopic(topic: string): string | undefined;
  /** Id of the direct conversation between the bot and `accountId`, when there is one. */
  directWith(accountId: string): string | undefined;
}

/** What `deps.emit` resolves when the effect has been sent. */
export interface EffectResult {
  /** The created or changed message's number, when Fleep answered with one. */
  messageNr?: number;
  /** Fleep's response body. */
  response: unknown;
}

/** Pipeline settings read per event. */
export interface PipelineConfig {
  /** Command prefix. @default '!' */
  prefix: string;
}

/**
 * Everything a context needs, implemented by the runtime (one object per event, or a shared
 * object plus a per-event `signal`).
 */
export interface ContextDeps {
  /** The bot's own account id. */
  botAccountId: string;
  /** The bot's fleep address (without `@`), for `@bot command` addressing. */
  botAddress: string;
  /** Queues an effect (in the outbox); resolves when it has been sent. */
  emit(effect: Effect): Promise<EffectResult>;
  /** Read access for plugin state (writes are buffered in the context). */
  store: Store;
  contacts: ContactLookup;
  conversations: ConversationLookup;
  clock: Clock;
  logger: Logger;
  /** Aborts at the handler deadline. */
  signal: AbortSignal;
  config: PipelineConfig;
}
