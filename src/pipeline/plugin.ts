/**
 * Plugins are visible, frozen objects made by {@link definePlugin}: a name, a zod config schema,
 * declared dependencies, and a `setup(bot, config)` that registers handlers on a {@link BotApi}.
 */
import type { z } from 'zod';
import type { Logger } from '../util/logger.js';
import type { CommandInfo } from './command/registry.js';
import type { Composer, ErrorHandler } from './composer.js';
import type { Context } from './context.js';
import { PluginError } from './errors.js';
import type { EventMap } from './events.js';
import type { KvView } from './kv-view.js';

/** A `schedule` event's handler. */
export type ScheduleHandler = (ctx: Context<EventMap['schedule']>) => unknown;

/**
 * Options of `bot.cron`.
 * @example { tz: 'Europe/Tallinn', name: 'daily', conversationId: 'c0ffee…' }
 */
export interface CronOptions {
  /** Job name within the plugin (the job is `<plugin>:<name>`). @default the expression */
  name?: string;
  /** IANA time zone. @default the bot's configured time zone */
  tz?: string;
  /** The conversation `ctx.reply` posts to. @default none (use ctx.send) */
  conversationId?: string;
  /** What happens to slots missed while down. @default 'once' */
  missed?: 'skip' | 'once' | 'all';
  /** Slots later than this are skipped. @default 1 h */
  maxLatenessMs?: number;
  /** Allow a slot to start while the previous one still runs. @default false */
  overlap?: boolean;
  /** Data handed to every firing as `ctx.event.payload`. @default undefined */
  payload?: unknown;
}

/** A cron job a plugin declared; the runtime hands these to the scheduler at start. */
export interface CronDeclaration {
  plugin: string;
  /** `<plugin>:<name>`; firings carry it as `ScheduleEvent.name`. */
  name: string;
  expression: string;
  options: CronOptions;
}

export type { JobControl } from './deps.js';
import type { JobControl } from './deps.js';

/** The composer methods a plugin registers handlers with. */
export type BotComposer = Pick<Composer, 'use' | 'on' | 'filter' | 'command' | 'hears' | 'reaction' | 'task' | 'pin' | 'errorBoundary'>;

/**
 * What `setup(bot, config)` receives: the plugin's view of the bot. Everything registered here is
 * attributed to the plugin (errors, counters, help). Registering after start throws.
 */
export interface BotApi<C = unknown> extends BotComposer {
  /** The plugin's name. */
  readonly name: string;
  /** The plugin's validated config (defaults applied). */
  readonly config: C;
  /** A logger with `plugin` bound. */
  readonly logger: Logger;
  /** The bot's IANA time zone (`bot.timezone` in the config), for schedules and dates. */
  readonly timezone: string;
  /** Plugin state outside events (writes go straight to the store); in handlers use `ctx.store`. */
  readonly store: KvView;
  /** Runs `handler` on a cron schedule (a persisted job, fired once per slot). */
  cron(expression: string, options: CronOptions, handler: ScheduleHandler): void;
  /** Handles firings of run-time jobs named `name` (created through {@link BotApi.jobs}). */
  schedule(name: string, handler: ScheduleHandler): void;
  /** Creates and cancels run-time jobs (reminders). */
  readonly jobs: JobControl;
  /** This plugin's error handler (instead of the bot-wide funnel) for errors in its handlers. */
  catch(handler: ErrorHandler): void;
  /** Every registered command, for help. */
  commands(): CommandInfo[];
}

/** A plugin, as {@link definePlugin} returns it (frozen). */
export interface Plugin<C = unknown> {
  readonly name: string;
  /** Validates and completes the plugin's section of the bot config. */
  readonly config: z.ZodType<C> | undefined;
  /** Names of plugins that must be loaded too. */
  readonly requires: readonly string[];
  readonly setup: (bot: BotApi<C>, config: C) => unknown;
  /** After every plugin's setup, when the bot starts. */
  readonly onStart: ((bot: BotApi<C>, config: C) => unknown) | undefined;
  /** When the bot stops. */
  readonly onStop: ((bot: BotApi<C>, config: C) => unknown) | undefined;
}

/** Any plugin, whatever its config type (what hosts accept). */
export interface AnyPlugin {
  readonly name: string;
  readonly config: z.ZodType | undefined;
  readonly requires: readonly string[];
  readonly setup: (bot: never, config: never) => unknown;
  readonly onStart: ((bot: never, config: never) => unknown) | undefined;
  readonly onStop: ((bot: never, config: never) => unknown) | undefined;
}

/** What {@link definePlugin} takes. */
export interface PluginDefinition<S extends z.ZodType | undefined> {
  /** Lower-case name, e.g. `standup`; config lives under `plugins.<name>`. */
  name: string;
  /** A zod schema for the config. @default none (the plugin takes no config) */
  config?: S;
  /** Plugins this one needs. @default [] */
  requires?: string[];
  /** Registers handlers; may be async. */
  setup(bot: BotApi<ConfigOf<S>>, config: ConfigOf<S>): unknown;
  /** After every plugin's setup, when the bot starts. @default none */
  onStart?(bot: BotApi<ConfigOf<S>>, config: ConfigOf<S>): unknown;
  /** When the bot stops. @default none */
  onStop?(bot: BotApi<ConfigOf<S>>, config: ConfigOf<S>): unknown;
}

/** The config type of a schema (`undefined` without one). */
export type ConfigOf<S> = S extends z.ZodType ? z.output<S> : undefined;

const PLUGIN_NAME = /^[a-z][a-z0-9-]{0,63}$/;

/**
 * Defines a plugin.
 * @example
 * export default definePlugin({
 *   name: 'standup',
 *   config: z.object({ at: z.string().default('0 9 * * 1-5') }),
 *   setup(bot, config) { bot.cron(config.at, {}, (ctx) => ctx.send(conv, 'Standup!')); },
 * });
 * @throws PluginError naming the field when the definition is malformed.
 */
export function definePlugin<S extends z.ZodType | undefined = undefined>(definition: PluginDefinition<S>): Plugin<ConfigOf<S>> {
  const d = definition as PluginDefinition<S> | undefined;
  if (typeof d !== 'object' || d === null) throw new PluginError('definePlugin() needs an object: { name, config?, setup(bot, config) }');
  const { name } = d;
  if (typeof name !== 'string' || !PLUGIN_NAME.test(name)) {
    throw new PluginError(`definePlugin(): name must be lower-case letters, digits and "-" (starting with a letter), got ${JSON.stringify(name)}`);
  }
  if (typeof d.setup !== 'function') throw new PluginError(`Plugin "${name}": setup(bot, config) must be a function`, name);
  if (d.config !== undefined && typeof (d.config as { safeParse?: unknown }).safeParse !== 'function') {
    throw new PluginError(`Plugin "${name}": config must be a zod schema such as z.object({ ... })`, name);
  }
  const requires = d.requires ?? [];
  if (!Array.isArray(requires) || requires.some((r) => typeof r !== 'string')) {
    throw new PluginError(`Plugin "${name}": requires must be an array of plugin names`, name);
  }
  for (const hook of ['onStart', 'onStop'] as const) {
    if (d[hook] !== undefined && typeof d[hook] !== 'function') throw new PluginError(`Plugin "${name}": ${hook} must be a function`, name);
  }
  return Object.freeze({
    name,
    config: d.config as z.ZodType<ConfigOf<S>> | undefined,
    requires: Object.freeze([...requires]),
    setup: d.setup.bind(d),
    onStart: d.onStart?.bind(d),
    onStop: d.onStop?.bind(d),
  });
}
