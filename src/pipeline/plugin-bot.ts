/**
 * The {@link BotApi} one plugin's `setup` receives: a composer whose registrations are
 * attributed to the plugin, plus its config, logger, store, schedules and error handler.
 */
import type { Store } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import type { CommandRegistry, CommandInfo } from './command/registry.js';
import { Composer, type ErrorHandler } from './composer.js';
import { PluginError } from './errors.js';
import type { CronDeclaration, CronOptions, JobControl, BotApi, ScheduleHandler } from './plugin.js';
import { DirectKvView, kvNamespace, type KvView } from './kv-view.js';
import type { FleepEvent } from './events.js';

/** What the host gives each plugin's facade. */
export interface PluginBotInit<C> {
  name: string;
  config: C;
  registry: CommandRegistry;
  logger: Logger;
  /** The bot's time zone. @default 'UTC' */
  timezone?: string;
  store: Store | undefined;
  jobs: JobControl | undefined;
  /** Where `bot.cron` declarations are collected. */
  crons: CronDeclaration[];
  /** Checks each declaration as it is made (see PluginHostOptions.checkCron). */
  checkCron?: ((declaration: CronDeclaration) => void) | undefined;
}

/** One plugin's composer and API. */
export class PluginBot<C = unknown> extends Composer<FleepEvent> implements BotApi<C> {
  readonly name: string;
  readonly config: C;
  readonly logger: Logger;
  readonly timezone: string;
  /** The plugin's own error handler, if it set one. */
  errorHandler: ErrorHandler | undefined;
  private readonly init: PluginBotInit<C>;
  private storeView: KvView | undefined;

  constructor(init: PluginBotInit<C>) {
    super({ registry: init.registry, plugin: init.name });
    this.init = init;
    this.name = init.name;
    this.config = init.config;
    this.logger = init.logger.child({ plugin: init.name });
    this.timezone = init.timezone ?? 'UTC';
  }

  get store(): KvView {
    const store = this.init.store;
    if (!store) throw new PluginError(`Plugin "${this.name}" used bot.store, but the bot has no store configured.`, this.name);
    return (this.storeView ??= new DirectKvView(kvNamespace.plugin(this.name), store));
  }

  get jobs(): JobControl {
    const jobs = this.init.jobs;
    if (!jobs) throw new PluginError(`Plugin "${this.name}" used bot.jobs, but the bot has no scheduler.`, this.name);
    return jobs;
  }

  cron(expression: string, options: CronOptions, handler: ScheduleHandler): void {
    this.checkOpen('cron', `'${expression}'`);
    if (typeof expression !== 'string' || expression.trim() === '') {
      throw new TypeError(`Plugin "${this.name}": bot.cron(expression, options, handler) needs a cron expression such as '0 9 * * 1-5'`);
    }
    const name = `${this.name}:${options?.name ?? expression}`;
    if (this.init.crons.some((c) => c.name === name)) {
      throw new PluginError(`Plugin "${this.name}" declared the cron job "${name}" twice; give one of them options.name.`, this.name);
    }
    const declaration: CronDeclaration = { plugin: this.name, name, expression, options: { ...options } };
    this.init.checkCron?.(declaration);
    this.init.crons.push(declaration);
    this.scheduleRoute(name, handler);
  }

  schedule(name: string, handler: ScheduleHandler): void {
    this.checkOpen('schedule', `'${name}'`);
    if (typeof name !== 'string' || name === '') throw new TypeError(`Plugin "${this.name}": bot.schedule(name, handler) needs a job name`);
    this.scheduleRoute(`${this.name}:${name}`, handler);
  }

  catch(handler: ErrorHandler): void {
    if (typeof handler !== 'function') throw new TypeError(`Plugin "${this.name}": bot.catch(handler) needs a function (error, ctx) => …`);
    this.errorHandler = handler;
  }

  override commands(): CommandInfo[] {
    return this.registry.commands();
  }

  private scheduleRoute(name: string, handler: ScheduleHandler): void {
    if (typeof handler !== 'function') throw new TypeError(`Plugin "${this.name}": the schedule handler of "${name}" must be a function`);
    this.on('schedule', (ctx, next) => (ctx.event.name === name ? handler(ctx) : next()));
  }

  private checkOpen(method: string, args: string): void {
    if (this.sealed) {
      throw new PluginError(`bot.${method}(${args}) was called after bot.start(); register handlers in your plugin's setup()`, this.name);
    }
  }
}
