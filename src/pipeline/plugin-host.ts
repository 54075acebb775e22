/**
 * `PluginHost`: loads plugins (config validation, `requires`), runs every event through the
 * global middleware and then each plugin in isolation, and is the one error funnel (`catch`).
 *
 * Isolation: a plugin whose handler throws or rejects is logged with the event id,
 * counted, and what it did on that event is rolled back (its buffered state writes and queued
 * effects; effects it already awaited with `delivered()` were committed and stay); the other
 * plugins still get the event, and the process never crashes. Errors thrown later from timers or
 * un-awaited promises a handler started are not caught here: the runtime attributes them through
 * the `attribute` hook and reports them with {@link PluginHost.reportStray}.
 */
import type { Store } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import { compose, type ComposedMiddleware, type Middleware } from './compose.js';
import { replyUnknownCommand } from './command/command-middleware.js';
import { CommandRegistry, type CommandInfo, type CommandSettings } from './command/registry.js';
import { toMiddlewareError, type ErrorHandler } from './composer.js';
import type { Context } from './context.js';
import { PluginConfigError, PluginError, type MiddlewareError, type PluginConfigIssue } from './errors.js';
import type { AnyPlugin, CronDeclaration, JobControl, Plugin } from './plugin.js';
import { PluginBot } from './plugin-bot.js';

/**
 * Options of {@link PluginHost}.
 * @example new PluginHost({ logger, store, commands: { acl: { admins: ['acc-1'], roles: {} } } })
 */
export interface PluginHostOptions {
  logger: Logger;
  /** The bot's time zone, as plugins see it (`bot.timezone`). @default 'UTC' */
  timezone?: string;
  /** For `bot.store` outside events. @default none (bot.store throws) */
  store?: Store;
  /** ACL policy, global cooldown, prefix for help. @default no admins, 5 commands / 10 s */
  commands?: Partial<CommandSettings>;
  /** Run-time jobs for `bot.jobs`, per plugin. @default none (bot.jobs throws) */
  jobs?: (plugin: string) => JobControl;
  /** Reply to unknown commands with "did you mean". @default true */
  unknownCommandReply?: boolean;
  /**
   * Runs each plugin's handling as `attribute(plugin, fn, ...args)`: how the runtime attributes
   * errors that escape a handler (rejections nobody handles, throws from timers) to the plugin.
   * @default none (plugins are called directly)
   */
  attribute?: <A extends unknown[], R>(plugin: string, fn: (...args: A) => R, ...args: A) => R;
  /**
   * Checks a `bot.cron` declaration when `setup` makes it (throws on a bad expression or zone),
   * so a plugin with a bad schedule fails to load instead of failing the bot's start.
   * @default no check until start
   */
  checkCron?: (declaration: CronDeclaration) => void;
}

/** Per-plugin counters. */
export interface PluginCounters {
  /** Events the plugin's chain ran for. */
  handled: number;
  /** Events on which it failed. */
  errors: number;
}

/** The outcome of handling one event. */
export interface HandleResult {
  /** True when nothing failed. */
  ok: boolean;
  /** What failed (already reported to the error funnel). */
  errors: MiddlewareError[];
}

/** The answer for an event on which nothing failed: shared, so do not mutate it. */
const OK: HandleResult = Object.freeze({ ok: true, errors: Object.freeze([]) as unknown as MiddlewareError[] });

interface Loaded {
  plugin: Plugin<unknown>;
  bot: PluginBot<unknown>;
  counters: PluginCounters;
}

/** Hosts the plugins of one bot. */
export class PluginHost {
  /** Every command of every plugin. */
  readonly registry: CommandRegistry;
  /** Cron jobs declared by plugins, for the runtime to hand to the scheduler. */
  readonly crons: CronDeclaration[] = [];
  private readonly global: Array<Middleware<Context>> = [];
  private readonly loaded: Loaded[] = [];
  private errorHandler: ErrorHandler | undefined;
  private run: ComposedMiddleware<Context> | undefined;
  private sealed = false;
  private readonly hostErrors = { errors: 0, errorHandlerFailures: 0 };

  constructor(private readonly options: PluginHostOptions) {
    if (!options || typeof options.logger?.error !== 'function') throw new TypeError('new PluginHost({ logger }) needs a logger');
    this.registry = new CommandRegistry(options.commands);
  }

  /** Adds global middleware, run before every plugin. A throw here stops the event (fail closed). */
  use(...middleware: Array<Middleware<Context>>): this {
    this.checkOpen('use', '');
    this.global.push(...middleware);
    return this;
  }

  /** Sets the error funnel: every handler error not caught by a plugin's own `bot.catch`. */
  catch(handler: ErrorHandler): this {
    if (typeof handler !== 'function') throw new TypeError('catch(handler) needs a function (error, ctx) => …');
    this.errorHandler = handler;
    return this;
  }

  /**
   * Validates configs, checks `requires`, and calls each plugin's `setup` in order.
   * @throws PluginConfigError naming the plugin and key; PluginError for missing or duplicate plugins.
   */
  async load(plugins: ReadonlyArray<AnyPlugin>, configs: Readonly<Record<string, unknown>> = {}): Promise<void> {
    this.checkOpen('load', '');
    const all = plugins as unknown as ReadonlyArray<Plugin<unknown>>;
    const names = new Set(this.loaded.map((l) => l.plugin.name));
    for (const p of all) {
      if (names.has(p.name)) throw new PluginError(`Plugin "${p.name}" is loaded twice; list it once.`, p.name);
      names.add(p.name);
    }
    for (const p of all) {
      for (const r of p.requires) {
        if (!names.has(r)) throw new PluginError(`Plugin "${p.name}" requires plugin "${r}", which is not loaded. Add "${r}" to the bot's plugins.`, p.name);
      }
    }
    const parsed = all.map((p) => ({ plugin: p, config: validateConfig(p, configs[p.name]) }));
    for (const { plugin, config } of parsed) {
      const bot = new PluginBot<unknown>({
        name: plugin.name,
        config,
        registry: this.registry,
        logger: this.options.logger,
        timezone: this.options.timezone,
        store: this.options.store,
        jobs: this.options.jobs?.(plugin.name),
        crons: this.crons,
        checkCron: this.options.checkCron,
      });
      try {
        await plugin.setup(bot, config);
      } catch (error) {
        throw new PluginError(`Plugin "${plugin.name}" failed in setup(): ${error instanceof Error ? error.message : String(error)}`, plugin.name, { cause: error });
      }
      this.loaded.push({ plugin, bot, counters: { handled: 0, errors: 0 } });
    }
    this.run = undefined;
  }

  /**
   * Adds a plugin without a definition and returns its {@link BotApi} at once: how a `Bot`
   * offers `bot.command(…)` and friends for handlers registered directly on it.
   * @throws PluginError when the name is taken or the host is sealed.
   */
  inline(name: string): PluginBot<undefined> {
    this.checkOpen('inline', `'${name}'`);
    if (this.loaded.some((l) => l.plugin.name === name)) throw new PluginError(`A plugin named "${name}" is already loaded.`, name);
    const bot = new PluginBot<undefined>({
      name,
      config: undefined,
      registry: this.registry,
      logger: this.options.logger,
      timezone: this.options.timezone,
      store: this.options.store,
      jobs: this.options.jobs?.(name),
      crons: this.crons,
      checkCron: this.options.checkCron,
    });
    const plugin: Plugin<unknown> = Object.freeze({ name, config: undefined, requires: [], setup: () => undefined, onStart: undefined, onStop: undefined });
    this.loaded.push({ plugin, bot: bot as PluginBot<unknown>, counters: { handled: 0, errors: 0 } });
    this.run = undefined;
    return bot;
  }

  /** Names of the loaded plugins, in order. */
  get plugins(): string[] {
    return this.loaded.map((l) => l.plugin.name);
  }

  /** Forbids further registrations and precomposes every chain. */
  seal(): void {
    this.sealed = true;
    for (const l of this.loaded) l.bot.seal();
    this.chain();
  }

  /** Runs `onStart` of every plugin (in load order) and seals. A failing hook throws, naming the plugin. */
  async start(): Promise<void> {
    this.seal();
    for (const l of this.loaded) {
      if (!l.plugin.onStart) continue;
      try {
        await l.plugin.onStart(l.bot, l.bot.config);
      } catch (error) {
        throw new PluginError(`Plugin "${l.plugin.name}" failed in onStart(): ${error instanceof Error ? error.message : String(error)}`, l.plugin.name, { cause: error });
      }
    }
  }

  /** Runs `onStop` of every plugin in reverse order; failures are logged, never thrown. */
  async stop(): Promise<void> {
    for (const l of [...this.loaded].reverse()) {
      try {
        await l.plugin.onStop?.(l.bot, l.bot.config);
      } catch (error) {
        this.options.logger.error({ err: error, plugin: l.plugin.name }, 'plugin onStop failed');
      }
    }
  }

  /**
   * Handles one event: global middleware, then each plugin in isolation. Never rejects. When
   * nothing failed the result is one shared `{ ok: true, errors: [] }` (do not mutate it).
   */
  async handle(ctx: Context): Promise<HandleResult> {
    const errors: MiddlewareError[] = [];
    try {
      await this.chain()(ctx, () => this.runPlugins(ctx, errors));
    } catch (error) {
      // A global middleware failed (fail closed): the plugins after it did not run.
      ctx.plugin = undefined;
      this.hostErrors.errors++;
      await this.report(toMiddlewareError(error, ctx, undefined), ctx, undefined, errors);
    }
    return errors.length === 0 ? OK : { ok: false, errors };
  }

  /** Every command, for help. */
  commands(): CommandInfo[] {
    return this.registry.commands();
  }

  /** Counters per plugin (and `''` for global middleware). */
  counters(): Record<string, PluginCounters & { errorHandlerFailures?: number }> {
    const out: Record<string, PluginCounters & { errorHandlerFailures?: number }> = {};
    for (const l of this.loaded) out[l.plugin.name] = { ...l.counters };
    out[''] = { handled: 0, errors: this.hostErrors.errors, errorHandlerFailures: this.hostErrors.errorHandlerFailures };
    return out;
  }

  private chain(): ComposedMiddleware<Context> {
    return (this.run ??= compose(this.global));
  }

  /** Runs every plugin on the event; a failing one is reported and its work on the event rolled back. */
  private async runPlugins(ctx: Context, errors: MiddlewareError[]): Promise<void> {
    for (const l of this.loaded) {
      ctx.plugin = l.plugin.name;
      const savepoint = ctx.savepoint();
      l.counters.handled++;
      const attribute = this.options.attribute;
      try {
        await (attribute ? attribute(l.plugin.name, runPluginBot, l.bot, ctx) : l.bot.run(ctx));
      } catch (error) {
        // Fail closed for this plugin: its buffered writes and queued effects are dropped.
        ctx.rollbackTo(savepoint);
        l.counters.errors++;
        await this.report(toMiddlewareError(error, ctx, l.plugin.name), ctx, l, errors);
      }
    }
    this.afterPlugins(ctx);
  }

  private afterPlugins(ctx: Context): void {
    ctx.plugin = undefined;
    if (this.options.unknownCommandReply !== false) replyUnknownCommand(this.registry, ctx);
  }

  /**
   * Reports an error that escaped a handler (see `attribute`) through the error funnel and counts
   * it against its plugin. Never rejects.
   */
  reportStray(error: MiddlewareError, ctx: Context): Promise<void> {
    const owner = this.loaded.find((l) => l.plugin.name === error.plugin);
    if (owner) owner.counters.errors++;
    else this.hostErrors.errors++;
    return this.funnel(error, ctx, owner);
  }

  private async report(error: MiddlewareError, ctx: Context, owner: Loaded | undefined, errors: MiddlewareError[]): Promise<void> {
    errors.push(error);
    await this.funnel(error, ctx, owner);
  }

  private async funnel(error: MiddlewareError, ctx: Context, owner: Loaded | undefined): Promise<void> {
    const handler = owner?.bot.errorHandler ?? this.errorHandler;
    const fields = { err: error, eventId: error.eventId, plugin: error.plugin, conversationId: ctx.event.conversationId };
    if (!handler) {
      this.options.logger.error(fields, 'handler failed');
      return;
    }
    try {
      await handler(error, ctx);
    } catch (handlerError) {
      this.hostErrors.errorHandlerFailures++;
      this.options.logger.error({ ...fields, handlerError }, 'the error handler itself failed');
    }
  }

  private checkOpen(method: string, args: string): void {
    if (this.sealed) throw new PluginError(`bot.${method}(${args}) was called after bot.start(); register handlers in your plugin's setup()`);
  }
}

function runPluginBot(bot: PluginBot<unknown>, ctx: Context): Promise<void> {
  return bot.run(ctx);
}

/**
 * Loads plugins into a new host.
 * @example const host = await loadPlugins([standup, reminders], config.plugins, { logger, store });
 */
export async function loadPlugins(
  plugins: ReadonlyArray<AnyPlugin>,
  configs: Readonly<Record<string, unknown>>,
  options: PluginHostOptions,
): Promise<PluginHost> {
  const host = new PluginHost(options);
  await host.load(plugins, configs);
  return host;
}

function validateConfig(plugin: Plugin<unknown>, raw: unknown): unknown {
  if (!plugin.config) return raw;
  const result = plugin.config.safeParse(raw ?? {});
  if (result.success) return result.data;
  const issues: PluginConfigIssue[] = result.error.issues.map((i) => ({
    path: i.path.map((k) => String(k)).join('.'),
    message: i.message,
  }));
  throw new PluginConfigError(plugin.name, issues);
}
