/**
 * The typed, fully defaulted configuration the loader returns. Durations are milliseconds;
 * file paths are absolute (resolved against the config file's directory).
 */
import type { LogLevel } from '../util/logger.js';

/** `fleep:` — which server and which account. */
export interface FleepConfig {
  /** `'sandbox'` (the embedded server) or a base URL without trailing slash. @default 'sandbox' */
  server: string;
  /** Bot account email; required when `server` is a URL. */
  email?: string;
  /** Bot account password; required when `server` is a URL. A secret: never logged. */
  password?: string;
}

/** `bot:` — commands, time zone and authorization. */
export interface BotConfig {
  /** Command prefix. @default '!' */
  prefix: string;
  /** IANA zone for schedules. @default 'Europe/Tallinn' */
  timezone: string;
  /** Admins by email or account id (resolved to account ids at start). @default [] */
  admins: string[];
  /** Role → members (emails or account ids). @default {} */
  roles: Record<string, string[]>;
  /**
   * Per-person command rate limit across all commands; `false` turns it off.
   * `window` is in ms (YAML takes '10s'). @default { limit: 5, window: 10000 }
   */
  cooldown: false | { limit: number; window: number };
  /** Reply "did you mean" to unknown commands. @default true */
  unknownCommandReply: boolean;
}

/** `store:` — where state lives. */
export type StoreConfig =
  | {
      kind: 'sqlite';
      /** Absolute database path (`:memory:` kept as is). @default '<config dir>/data/fleepkit.db' */
      path: string;
      /** What to do with an unreadable store. @default 'refuse' */
      onCorrupt: 'refuse' | 'resync';
    }
  | {
      kind: 'memory';
      /** What to do with an unreadable store. @default 'refuse' */
      onCorrupt: 'refuse' | 'resync';
    };

/** `outbound:` — sending rates and give-up limits. */
export interface OutboundConfig {
  /** Per-conversation token bucket. @default { perSecond: 2, burst: 5 } */
  perConversation: { perSecond: number; burst: number };
  /** Global rate across conversations; `burst` defaults to one second's worth. @default { perSecond: 20 } */
  global: { perSecond: number; burst?: number | undefined };
  /** Longest message text before splitting. @default 100000 */
  maxMessageLength: number;
  /** Longest single Retry-After wait honoured, ms; longer → dead letter. @default 900000 ('15m') */
  maxRetryAfter: number;
  /** Give up retrying a message after this long, ms. @default 900000 ('15m') */
  giveUpAfter: number;
  /** Sends in flight at once. @default `new Bot`'s outbound.concurrency (8) */
  concurrency?: number | undefined;
  /** `false` turns the rate limits off (benchmarks, a private Fleep server). @default true */
  pacing: boolean;
}

/** `runtime:` — dispatch limits. */
export interface RuntimeConfig {
  /** Conversations handled at once (R-03). @default `new Bot`'s concurrency (16) */
  concurrency?: number | undefined;
  /** Handler deadline, ms. @default 60000 ('60s') */
  handlerTimeout: number;
  /** Graceful-stop drain limit, ms. @default 10000 ('10s') */
  drainTimeout: number;
  /** Attempts before an event is dead-lettered. @default 3 */
  maxAttempts: number;
  /** This instance's name in the poller lease. @default the host name */
  instanceId?: string | undefined;
  /** Persist message snapshots (tells edits apart after a restart). @default true for durable stores */
  persistSnapshots?: boolean | undefined;
}

/** `http:` — health, readiness and metrics endpoint. */
export interface HttpConfig {
  /** @default '127.0.0.1' */
  host: string;
  /** @default 8701 */
  port: number;
  /** @default true */
  enabled: boolean;
}

/** `log:` — logger settings. */
export interface LogConfig {
  /** @default 'info' */
  level: LogLevel;
  /** Pretty output; `'auto'` = when stdout is a TTY. @default 'auto' */
  pretty: boolean | 'auto';
  /** Show secret values in logs (keys stay censored). Local debugging only. @default false */
  sensitiveLogs: boolean;
}

/** `sandbox:` — the embedded Fleep server. */
export interface SandboxConfig {
  /** @default 8700 */
  port: number;
  /** @default '127.0.0.1' */
  host: string;
  /** Seed of the demo team and fault schedule. @default 'demo' */
  seed: string;
  /** Long-poll hold time, ms. @default 90000 */
  holdMs: number;
  /** Absolute path of the persisted sandbox state, or null for memory only. @default '<config dir>/data/sandbox.json' */
  dataFile: string | null;
}

/** Where a plugin comes from. */
export type PluginSource = 'builtin' | 'path' | 'package';

/** One enabled plugin from the `plugins:` map. */
export interface PluginEntry {
  /** Short name for logs and metrics: the built-in name, file base name or package name. */
  name: string;
  source: PluginSource;
  /** What to import: the built-in name, an absolute file path, or the package name. */
  specifier: string;
  /** The key as written under `plugins:` (e.g. `./plugins/hello.ts`). @default name */
  key?: string;
  /** The plugin's own options, validated later by its zod schema. @default {} */
  options: Record<string, unknown>;
}

/**
 * The whole configuration.
 * @example
 * const { config } = await loadConfig('bot.config.yaml', { env: process.env });
 * config.runtime.handlerTimeout // 60000
 */
export interface FleepkitConfig {
  fleep: FleepConfig;
  bot: BotConfig;
  store: StoreConfig;
  outbound: OutboundConfig;
  runtime: RuntimeConfig;
  http: HttpConfig;
  log: LogConfig;
  sandbox: SandboxConfig;
  /** Enabled plugins in file order (entries set to `false` are left out). @default [] */
  plugins: PluginEntry[];
}

/** What {@link loadConfig} returns. */
export interface LoadedConfig {
  config: FleepkitConfig;
  /** The config file as given. */
  file: string;
  /** Absolute directory relative paths were resolved against. */
  baseDir: string;
  /** Secret values (passwords, tokens… from the file or env) to hand to the logger's redaction. */
  secrets: string[];
  /** Line and column (1-based) of a key path in the file, e.g. `['plugins', 'standup', 'schedule']`. */
  locate?: (path: ReadonlyArray<string | number>) => { line: number; column: number };
}
