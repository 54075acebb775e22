/**
 * fleepkit — write Fleep team bots as plugins.
 *
 * Everything a bot or plugin author needs comes from here; the test kit is `fleepkit/testing`.
 * @packageDocumentation
 */

// The bot
export { Bot, START_STAGES } from './runtime/bot.js';
export type { BotEvents, BotStats, StartStage } from './runtime/bot.js';
export { BotStoppedError } from './runtime/errors.js';
export type { BotOptions } from './runtime/bot-options.js';
export { catchStrayErrors } from './runtime/stray-errors.js';
export type { StrayErrorClaimer, StrayErrorSource } from './runtime/stray-errors.js';

// Plugins, middleware, context, commands
export {
  Composer,
  Context,
  compose,
  definePlugin,
  arg,
  ArgError,
  ComposeError,
  ContextError,
  MiddlewareError,
  PluginConfigError,
  PluginError,
  EVENT_TYPES,
  matchesQuery,
} from './pipeline/index.js';
export type {
  BotApi,
  CommandContext,
  CommandHandler,
  CommandInfo,
  CommandOptions,
  ConfigOf,
  ContactInfo,
  CronOptions,
  EffectResult,
  QueuedEffect,
  ErrorHandler,
  JobControl,
  Middleware,
  Next,
  Plugin,
  AnyPlugin,
  PluginDefinition,
  ScheduleHandler,
  Sendable,
  Sender,
  TaskOptions,
  KvView,
  ScopedStore,
  AclPolicy,
  CooldownOptions,
  ArgSchema,
  ArgsOf,
} from './pipeline/index.js';
export type * from './pipeline/events.js';

// Fleep API client, records, markup and errors
export { FleepClient } from './api/client.js';
export type { FleepClientOptions } from './api/options.js';
export { FleepApiError, FleepNetworkError, SessionExpiredError, FleepError } from './api/errors.js';
export { MessageState, isRecord, isKnownRecord } from './api/records.js';
export type * from './api/records.js';
export type { Effect, EffectMethod } from './api/effects.js';
export { escapeText, markup, toWireText, xmlToText } from './api/markup.js';
export type { Markup, ParsedMessage } from './api/markup.js';

// Stores
export { MemoryStore, SqliteStore, createStore, StoreCorruptError } from './store/index.js';
export type { Store, StoreConfig, EventCommit, KvWrite } from './store/index.js';

// Outbound and scheduling
export { DeadLetterError, EffectDroppedError, OutboundStoppedError } from './outbound/index.js';
export { Scheduler, cronProblem, nextFire } from './scheduler/index.js';
export type { Firing, JobInfo, MissedPolicy } from './scheduler/index.js';

// The sandbox (an embedded Fleep server)
export { startSandbox, DEMO_LOGINS, DEMO_PASSWORD } from './sandbox/index.js';
export type { SandboxHandle, SandboxOptions } from './sandbox/index.js';

// Config, logging, time
export { loadConfig, parseConfig, ConfigError, BUILTIN_PLUGINS } from './config/index.js';
export type { FleepkitConfig, LoadedConfig } from './config/index.js';
export { addLogSecrets, createLogger, silentLogger } from './util/logger.js';
export type { Logger } from './util/logger.js';
export { ManualClock, systemClock, parseDuration } from './util/clock.js';
export { isTimeZone, assertTimeZone, zoneOffsetMs, TimeZoneError } from './util/time-zone.js';
export type { Clock } from './util/clock.js';
export { compileLinearRegex, linearRegexProblem } from './util/linear-regex.js';
export type { LinearRegex } from './util/linear-regex.js';
