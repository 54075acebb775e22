/**
 * Options of {@link Bot}, validated once with messages that name the offending value.
 */
import type { Logger } from 'pino';
import type { FleepClient } from '../api/client.js';
import type { OutboundRates } from '../outbound/queue-options.js';
import type { CooldownOptions } from '../pipeline/command/cooldown.js';
import type { AnyPlugin } from '../pipeline/plugin.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';

/**
 * How to build a bot.
 * @example
 * const bot = new Bot({ server: 'http://127.0.0.1:8700', email: 'bot@example.com', password: 'demo' });
 */
export interface BotOptions {
  /** Fleep base URL. @default 'https://fleep.io' */
  server?: string;
  /** A ready client instead of `server` (tests, custom axios settings). */
  client?: FleepClient;
  /** The bot account's e-mail (or Fleep address). */
  email: string;
  /** The bot account's password. Never logged. */
  password: string;
  /** Where the cursor, ledger, outbox, jobs and plugin state live. @default a MemoryStore */
  store?: Store;
  /** @default systemClock */
  clock?: Clock;
  /** @default a silent logger */
  logger?: Logger;
  /** Plugins to load, with their configs by plugin name. @default [] */
  plugins?: ReadonlyArray<AnyPlugin>;
  /** Config of each plugin, by name. @default {} */
  pluginConfig?: Readonly<Record<string, unknown>>;
  /** Command prefix. @default '!' */
  prefix?: string;
  /** IANA zone of schedules that name none. @default 'Europe/Tallinn' */
  timezone?: string;
  /** Admins by account id or e-mail (resolved at start). @default [] */
  admins?: string[];
  /** Roles: name → account ids or e-mails (resolved at start). @default {} */
  roles?: Record<string, string[]>;
  /** Conversations handled at once. @default 16 */
  concurrency?: number;
  /** Deadline of one event's handlers, ms. @default 60000 */
  handlerTimeoutMs?: number;
  /** Attempts before an event is dead-lettered. @default 3 */
  maxAttempts?: number;
  /** How long `stop()` drains handlers and the outbound queue, ms. @default 10000 */
  drainTimeoutMs?: number;
  /** Outbound pacing and retries. */
  outbound?: {
    /** `false` disables pacing (benchmarks). @default 2/s burst 5 per conversation, 20/s global */
    rates?: OutboundRates | false;
    /** @default 900000 */
    maxRetryAfterMs?: number;
    /** @default 900000 */
    giveUpMs?: number;
    /** @default 10000 */
    maxMessageLength?: number;
    /** Sends in flight at once. @default 8 (the queue's DEFAULT_SEND_CONCURRENCY) */
    concurrency?: number;
  };
  /** Persist message snapshots (tells changes apart after a restart). @default true for durable stores */
  persistSnapshots?: boolean;
  /** Random source for jitter. @default Math.random */
  random?: () => number;
  /**
   * This instance's name in the poller lease and the scheduler's slot leases: instances
   * sharing a store poll one at a time. A restart with the same name takes over at once, and
   * re-runs a scheduled slot its predecessor was killed in without waiting for that slot's lease
   * to expire. Run one process per name. @default the host name
   */
  instanceId?: string;
  /**
   * Per-person command rate limit across all commands; `false` turns it off.
   * @default { limit: 5, windowMs: 10000 }
   */
  cooldown?: CooldownOptions | false;
  /** Reply "did you mean" to unknown commands. @default true */
  unknownCommandReply?: boolean;
}

/** Options with defaults applied. */
export type ResolvedBotOptions = Required<
  Pick<BotOptions, 'prefix' | 'timezone' | 'concurrency' | 'handlerTimeoutMs' | 'maxAttempts' | 'drainTimeoutMs'>
> &
  BotOptions;

/** Validates and completes {@link BotOptions}. @throws TypeError/RangeError naming the value. */
export function resolveBotOptions(options: BotOptions): ResolvedBotOptions {
  if (!options || typeof options !== 'object') throw new TypeError('new Bot(options) needs { server, email, password }');
  if (typeof options.email !== 'string' || options.email === '') throw new TypeError('Bot option "email" must be the bot account\'s e-mail');
  if (typeof options.password !== 'string') throw new TypeError('Bot option "password" must be a string');
  const positive = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback;
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`Bot option "${name}" must be a positive number, got ${String(value)}`);
    return v;
  };
  const prefix = options.prefix ?? '!';
  if (typeof prefix !== 'string' || prefix.length === 0 || /\s/.test(prefix)) {
    throw new TypeError(`Bot option "prefix" must be a non-empty string without spaces, got ${JSON.stringify(prefix)}`);
  }
  return {
    ...options,
    prefix,
    timezone: options.timezone ?? 'Europe/Tallinn',
    concurrency: Math.floor(positive('concurrency', options.concurrency, 16)),
    handlerTimeoutMs: positive('handlerTimeoutMs', options.handlerTimeoutMs, 60_000),
    maxAttempts: Math.floor(positive('maxAttempts', options.maxAttempts, 3)),
    drainTimeoutMs: positive('drainTimeoutMs', options.drainTimeoutMs, 10_000),
  };
}
