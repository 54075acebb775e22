/**
 * `Bot`: a thin assembly of the client, store, plugin host, intake (dispatcher + watermark),
 * poller, outbound queue and scheduler, with the lifecycle of DESIGN.md (first start, restart,
 * resync, graceful stop).
 */
import { hostname } from 'node:os';
import { EventEmitter } from 'eventemitter3';
import type { Logger } from 'pino';
import type { LoginResult } from '../api/base-client.js';
import { FleepClient } from '../api/client.js';
import { OutboundQueue } from '../outbound/queue.js';
import type { OutboundStats } from '../outbound/queue-types.js';
import type { FleepEvent } from '../pipeline/events.js';
import { PluginHost } from '../pipeline/plugin-host.js';
import type { AnyPlugin, BotApi, JobControl, ScheduleHandler } from '../pipeline/plugin.js';
import type { PluginCounters } from '../pipeline/plugin-host.js';
import { buildCronJob } from '../scheduler/job-builders.js';
import type { SchedulerMetrics } from '../scheduler/metrics.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { MemoryStore } from '../store/memory-store.js';
import type { Store } from '../store/store.js';
import { systemClock, type Clock } from '../util/clock.js';
import { addLogSecrets, silentLogger } from '../util/logger.js';
import { resolveBotOptions, type BotOptions, type ResolvedBotOptions } from './bot-options.js';
import { catchUp, FLOW_NAMESPACE } from './catch-up.js';
import { CatchUpPoint } from './catch-up-point.js';
import { Directory, type ConversationPosition } from './directory.js';
import { BotStoppedError } from './errors.js';
import { Intake } from './intake.js';
import { PollerLease } from './lease.js';
import { Poller, type ResyncAttempt } from './poller.js';
import { declareCrons, jobControl, jobPlanner, scheduleUnit, schedulerCronOptions } from './schedule-bridge.js';
import { StrayErrors } from './stray-errors.js';
import { UnitRunner } from './unit-runner.js';

/**
 * The stages of `bot.start()`, in order. `stop()` during any of the first five aborts the start
 * (the wait in progress is cancelled and `start()` rejects with {@link BotStoppedError}).
 */
export const START_STAGES = ['store', 'login', 'directory', 'cursor', 'lease', 'plugins', 'services', 'poll'] as const;
/** One stage of `bot.start()`; see {@link START_STAGES}. */
export type StartStage = (typeof START_STAGES)[number];

/**
 * What metrics and health checks read from a bot: plain numbers, read on each scrape.
 * @example const { cursor, outbound } = bot.stats();
 */
export interface BotStats {
  /** Whether the bot is polling. */
  running: boolean;
  /** The persisted cursor (everything below it is handled). */
  cursor: number;
  /** Outbox depth, oldest entry age, retries, 429s and dead letters of sends. */
  outbound: OutboundStats;
  /** Fired, missed, late and abandoned slots, and recent drift. */
  scheduler: SchedulerMetrics;
  /** Handled events and errors per plugin (`''`: global middleware). */
  plugins: Record<string, PluginCounters>;
  /** Events dead-lettered after their handlers failed `maxAttempts` times or overran their deadline. */
  eventDeadLetters: number;
}

/** Lifecycle and runtime events of a bot. */
export interface BotEvents {
  /** `start()` entered a stage (see {@link START_STAGES}). */
  starting: (info: { stage: StartStage }) => void;
  /** Logged in, cursor loaded, polling. */
  ready: (info: { accountId: string; cursor: number }) => void;
  /** An event is about to be handled: once per attempt (a retried event comes again). */
  event: (event: FleepEvent) => void;
  /** An event's handlers finished (successfully or not) after `durationMs`; once per attempt. */
  handled: (info: { event: FleepEvent; durationMs: number }) => void;
  /** An event is done with: handled, or dead-lettered after its attempts. Once per event. */
  settled: (info: { event: FleepEvent; outcome: 'handled' | 'dead-lettered' }) => void;
  /** Something failed outside a handler (handler errors go to `bot.catch`). */
  error: (error: Error) => void;
  /**
   * The server asked for a resync (again: `attempt` > 1); the poller waits `delayMs` first, so a
   * server that keeps answering horizon 0 cannot make the bot spin.
   */
  resyncing: (info: ResyncAttempt) => void;
  /** The server asked for a resync; `horizon` is where polling continues. */
  resync: (info: { reason: string; from: number; horizon: number }) => void;
  stopping: () => void;
  stopped: () => void;
}

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * A Fleep bot.
 * @example
 * const bot = new Bot({ server: 'http://127.0.0.1:8700', email: 'bot@example.com', password: 'demo' });
 * bot.command('ping', { description: 'Answers pong' }, (ctx) => ctx.reply('pong'));
 * await bot.start();
 */
export class Bot {
  /** Lifecycle and runtime events: `bot.events.on('ready', …)`. */
  readonly events = new EventEmitter<BotEvents>();
  readonly client: FleepClient;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly host: PluginHost;
  readonly outbound: OutboundQueue;
  readonly scheduler: Scheduler;
  readonly directory: Directory;
  private readonly o: ResolvedBotOptions;
  private readonly main: BotApi;
  private intake: Intake | undefined;
  private state: State = 'new';
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private readonly polling = new AbortController();
  private pollLoop: Promise<void> | undefined;
  private readonly caughtUp: CatchUpPoint;
  private readonly forgetSecrets: (() => void) | undefined;
  private readonly strays: StrayErrors;

  constructor(options: BotOptions) {
    this.o = resolveBotOptions(options);
    this.clock = this.o.clock ?? systemClock;
    this.logger = this.o.logger ?? silentLogger;
    this.client = this.o.client ?? new FleepClient({ baseUrl: this.o.server, clock: this.clock, logger: this.logger });
    // The password and the live ticket/token are redacted however the bot was started.
    this.forgetSecrets = addLogSecrets(this.logger, () => [...(this.o.password ? [this.o.password] : []), ...this.client.liveSecrets()]);
    this.store = this.o.store ?? new MemoryStore({ clock: this.clock });
    this.directory = new Directory(this.client, () => this.accountId);
    this.caughtUp = new CatchUpPoint(this.client, this.clock);
    this.outbound = new OutboundQueue({
      store: this.store,
      clock: this.clock,
      logger: this.logger,
      random: this.o.random,
      rates: this.o.outbound?.rates,
      maxRetryAfterMs: this.o.outbound?.maxRetryAfterMs,
      giveUpMs: this.o.outbound?.giveUpMs,
      concurrency: this.o.outbound?.concurrency,
      transport: (effect, id, signal) =>
        // retry: false: the queue owns the retries of effects (the failing lane waits, the others send).
        this.client.call(effect.method, effect.body, { conversationId: effect.conversationId, clientReqId: id, signal, retry: false }),
    });
    this.scheduler = new Scheduler({
      store: this.store,
      clock: this.clock,
      logger: this.logger,
      defaultTimezone: this.o.timezone,
      // Stable across restarts, so a restarted bot knows its dead predecessor's slot leases.
      instanceId: this.o.instanceId ?? hostname(),
      onFire: (firing) => scheduleUnit(this.intake, this.unitRunner, firing),
    });
    this.strays = new StrayErrors(this.logger);
    this.host = new PluginHost({
      attribute: this.strays.attribute,
      logger: this.logger,
      store: this.store,
      timezone: this.o.timezone,
      commands: { prefix: this.o.prefix, ...(this.o.cooldown !== undefined ? { cooldown: this.o.cooldown } : {}) },
      jobs: (plugin) => jobControl(this.scheduler, plugin, () => !this.handling),
      unknownCommandReply: this.o.unknownCommandReply,
      checkCron: (c) => void buildCronJob(c.name, c.expression, schedulerCronOptions(c), this.o.timezone, this.clock.now()),
    });
    this.main = this.host.inline('bot');
  }

  /** The bot's account id (after start). */
  get accountId(): string {
    return this.client.accountId ?? '';
  }

  /** Whether the bot is polling. */
  get isRunning(): boolean {
    return this.state === 'running';
  }

  /** Horizon the bot has safely handled everything below (the persisted cursor). */
  get cursor(): number {
    return this.intake?.cursor ?? 0;
  }

  // The composer of the bot's own handlers: the built-in `bot` plugin.
  /** Adds middleware that runs for every event. */
  get use(): BotApi['use'] {
    return this.main.use.bind(this.main) as BotApi['use'];
  }
  /** Handles events matching a query, e.g. `bot.on('message.pinned', …)`; narrows the context type. */
  get on(): BotApi['on'] {
    return this.main.on.bind(this.main) as BotApi['on'];
  }
  /** Continues only when the predicate holds (type guards narrow the context). */
  get filter(): BotApi['filter'] {
    return this.main.filter.bind(this.main) as BotApi['filter'];
  }
  /** Registers a command (`!name`, `@bot name`, or plain text in a direct conversation). */
  get command(): BotApi['command'] {
    return this.main.command.bind(this.main) as BotApi['command'];
  }
  /** Handles text matching a regex or containing a string. */
  get hears(): BotApi['hears'] {
    return this.main.hears.bind(this.main) as BotApi['hears'];
  }
  /** Handles a reaction being added. */
  get reaction(): BotApi['reaction'] {
    return this.main.reaction.bind(this.main) as BotApi['reaction'];
  }
  /** Handles task events. */
  get task(): BotApi['task'] {
    return this.main.task.bind(this.main) as BotApi['task'];
  }
  /** Handles pins. */
  get pin(): BotApi['pin'] {
    return this.main.pin.bind(this.main) as BotApi['pin'];
  }
  /** Catches errors of the given middleware. */
  get errorBoundary(): BotApi['errorBoundary'] {
    return this.main.errorBoundary.bind(this.main) as BotApi['errorBoundary'];
  }
  /** Runs `handler` on a cron schedule (persisted, once per slot). */
  readonly cron: BotApi['cron'] = (expression, options, handler) => this.main.cron(expression, options, handler);

  /** Handles firings of run-time jobs named `name` (created with {@link Bot.jobs}). */
  schedule(name: string, handler: ScheduleHandler): void {
    this.main.schedule(name, handler);
  }
  /** Creates and cancels run-time jobs (reminders), fired to the handler of `bot.schedule(name)`. */
  get jobs(): JobControl {
    return this.main.jobs;
  }

  /** Counters for metrics and health checks (see {@link BotStats}). */
  stats(): BotStats {
    return {
      running: this.isRunning,
      cursor: this.cursor,
      outbound: this.outbound.stats(),
      scheduler: this.scheduler.metrics,
      plugins: this.host.counters(),
      eventDeadLetters: this.intake ? this.unitRunner.deadLetters : 0,
    };
  }

  /** The one error funnel for handler errors. A throwing error handler is caught and logged. */
  catch(handler: Parameters<PluginHost['catch']>[0]): this {
    this.host.catch(handler);
    return this;
  }

  /**
   * Takes an error that reached the process (an unhandled rejection, a throw from a timer) if code
   * run for one of this bot's events raised it: it is then reported like a handler error against
   * that plugin and event (and fails the event's attempt while it is being handled). Wire it to
   * the process with `catchStrayErrors(process, bot, onOther)`; `fleepkit run` does.
   * @returns whether the error was this bot's; other errors should end the process as usual.
   */
  claimStrayError(error: unknown): boolean {
    return this.strays.claim(error);
  }

  /** Adds plugins (before start). */
  async plugin(plugins: AnyPlugin | ReadonlyArray<AnyPlugin>, configs: Record<string, unknown> = {}): Promise<this> {
    await this.host.load(Array.isArray(plugins) ? plugins : [plugins as AnyPlugin], configs);
    return this;
  }

  /** Logs in, resumes from the stored cursor (or `account/sync` on first start), and polls. Idempotent. */
  start(): Promise<void> {
    this.starting ??= this.doStart().catch(async (error: unknown) => {
      this.state = 'stopped';
      await this.store.close().catch(() => undefined);
      throw error;
    });
    return this.starting;
  }

  /** Resolves when every event received so far is handled and every effect it produced is sent. */
  async idle(): Promise<void> {
    if (this.state !== 'running' || !this.intake) return;
    for (let round = 0; round < 100; round++) {
      const target = await this.caughtUp.serverHorizon();
      await this.caughtUp.reached(target);
      await this.intake.dispatcher.idle();
      await this.scheduler.idle();
      await this.outbound.idle();
      const again = await this.caughtUp.serverHorizon();
      if (again === target && this.intake.dispatcher.size === 0) return;
    }
    throw new Error('bot.idle(): the bot kept getting new events for 100 rounds; is a plugin answering its own messages?');
  }

  /** Stops polling, drains handlers and the outbound queue up to the deadline, persists, logs out. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private unitRunner!: UnitRunner;
  /** Set once plugins' onStart hooks ran: `bot.jobs` then refuses to write around the events' units of work. */
  private handling = false;
  private lease: PollerLease | undefined;

  /**
   * Start, stage by stage. Until the services start, every wait takes the stop signal, so
   * `stop()` (SIGTERM, Ctrl-C) interrupts a login that keeps retrying against an unreachable
   * server, or a standby waiting for the lease.
   */
  private async doStart(): Promise<void> {
    this.state = 'starting';
    const signal = this.polling.signal;
    await this.stage('store', () => this.store.open());
    const login = await this.stage('login', () => this.client.login(this.o.email, this.o.password, { signal }));
    const positions = await this.stage('directory', () => this.loadDirectory(signal));
    let cursor = await this.stage('cursor', () => this.loadCursor(signal, positions));
    this.intake = this.createIntake(login, cursor);
    await this.intake.loadPositions();
    cursor = await this.stage('lease', () => this.takeLease(login.accountId, cursor));
    await this.stage('plugins', () => this.startPlugins());
    // From here on nothing waits on the network: a stop() now waits for the start to finish
    // and then stops the running bot the usual way.
    await this.stage('services', () => this.startServices(), false);
    await this.stage('poll', async () => this.startPolling(cursor), false);
    this.state = 'running';
    this.logger.info({ accountId: login.accountId, cursor, plugins: this.host.plugins, store: this.store.description }, 'ready');
    this.events.emit('ready', { accountId: login.accountId, cursor });
  }

  /** Runs one start stage; an abortable stage refuses to begin once `stop()` was called. */
  private async stage<T>(name: StartStage, run: () => Promise<T>, abortable = true): Promise<T> {
    if (abortable && this.polling.signal.aborted) throw new BotStoppedError(name);
    this.logger.debug({ stage: name }, 'starting');
    this.events.emit('starting', { stage: name });
    try {
      return await run();
    } catch (error) {
      if (abortable && this.polling.signal.aborted) throw new BotStoppedError(name);
      throw error;
    }
  }

  /** Loads contacts and conversations; resolves where each conversation stands. */
  private async loadDirectory(signal: AbortSignal): Promise<ConversationPosition[]> {
    await this.directory.loadContacts(signal).catch((error: unknown) => {
      if (!signal.aborted) this.logger.warn({ err: error }, 'could not load contacts');
    });
    return this.directory.loadConversations(signal).catch((error: unknown) => {
      if (!signal.aborted) this.logger.warn({ err: error }, 'could not load conversations');
      return [];
    });
  }

  /**
   * The stored cursor. On a first start (or after store recovery): `account/sync`'s horizon,
   * committed at once together with where the bot begins in each conversation (read before the
   * horizon, so nothing after the horizon is below a mark). Both land in one commit: a bot
   * killed at any point of its first start either starts over or knows where it began, and a
   * batch re-delivered from before its start is never taken for new messages.
   */
  private async loadCursor(signal: AbortSignal, positions: readonly ConversationPosition[]): Promise<number> {
    const stored = await this.store.getCursor();
    const recovered = (this.store as { recoveredFromCorruption?: boolean }).recoveredFromCorruption === true;
    if (stored !== undefined && !recovered) return stored;
    const cursor = (await this.client.accountSync({ signal })).event_horizon;
    const begin = positions.map((p) => ({ namespace: FLOW_NAMESPACE, key: p.conversationId, value: p.lastMessageNr }));
    await this.store.commit({ cursor, kv: begin });
    this.logger.info(
      { cursor, recovered, conversations: begin.length },
      recovered ? 'store was recovered: starting from account/sync' : 'first start: starting from account/sync',
    );
    return cursor;
  }

  private createIntake(login: LoginResult, cursor: number): Intake {
    this.unitRunner = new UnitRunner({
      store: this.store,
      host: { handle: (ctx) => this.strays.handle(this.host, ctx) },
      clock: this.clock,
      logger: this.logger,
      sink: { store: this.store, outbound: this.outbound, clock: this.clock, plan: { maxMessageLength: this.o.outbound?.maxMessageLength } },
      deps: {
        botAccountId: login.accountId,
        botAddress: login.profile?.fleep_address ?? '',
        store: this.store,
        contacts: this.directory,
        conversations: this.directory,
        clock: this.clock,
        logger: this.logger,
        config: { prefix: this.o.prefix },
        jobs: jobPlanner(this.scheduler, this.store),
      },
      handlerTimeoutMs: this.o.handlerTimeoutMs,
      maxAttempts: this.o.maxAttempts,
      onEvent: (event) => this.events.emit('event', event),
      onHandled: (event, durationMs) => this.events.emit('handled', { event, durationMs }),
      onSettled: (event, outcome) => this.events.emit('settled', { event, outcome }),
      onJobsChanged: () => this.scheduler.notify(),
    });
    return new Intake(
      {
        store: this.store,
        runner: this.unitRunner,
        directory: this.directory,
        logger: this.logger,
        botAccountId: () => this.accountId,
        concurrency: this.o.concurrency,
        persistSnapshots: this.o.persistSnapshots ?? this.store.durable !== false,
        onFatal: (error) => {
          this.events.emit('error', error);
          void this.stop();
        },
      },
      cursor,
    );
  }

  /** Waits for the poller lease; resolves the cursor to poll from. */
  private async takeLease(accountId: string, cursor: number): Promise<number> {
    this.lease = new PollerLease({
      store: this.store,
      clock: this.clock,
      logger: this.logger,
      owner: this.o.instanceId ?? hostname(),
      key: accountId,
    });
    // A standby instance waits here until the active one stops or its lease expires.
    await this.lease.acquire(this.polling.signal, () => {
      this.events.emit('error', new Error('another instance took over polling this account; stopping'));
      void this.stop();
    });
    const stored = await this.store.getCursor();
    if (stored === undefined || stored <= cursor) return cursor;
    // The instance we took over from got further while we stood by.
    await this.intake!.reset(stored);
    return stored;
  }

  private async startPlugins(): Promise<void> {
    this.resolveAcl();
    if (this.o.plugins && this.o.plugins.length > 0) await this.host.load(this.o.plugins, this.o.pluginConfig ?? {});
    await this.host.start();
    // From here on events are handled: plugins create jobs through their events (ctx.jobs).
    this.handling = true;
  }

  private async startServices(): Promise<void> {
    await this.outbound.start();
    declareCrons(this.scheduler, this.host.crons);
    await this.scheduler.start();
  }

  private startPolling(cursor: number): void {
    this.caughtUp.advance(cursor, true);
    const poller = new Poller({
      client: this.client,
      clock: this.clock,
      logger: this.logger,
      random: this.o.random,
      onBatch: (batch) => {
        // Usually queued at once: then no promise and no async frame per poll.
        const taken = this.intake!.accept(batch);
        if (!taken) {
          this.caughtUp.advance(batch.horizon);
          return undefined;
        }
        return taken.then(() => this.caughtUp.advance(batch.horizon));
      },
      onResync: (reason, from) => this.resync(reason, from),
      onResyncing: (info) => this.events.emit('resyncing', info),
      onFatal: (error) => {
        this.events.emit('error', error);
        void this.stop();
      },
    });
    this.pollLoop = poller.run(cursor, this.polling.signal);
  }

  /**
   * The server asked for a resync: take the new horizon, then handle everything between our
   * cursor and it that the stream will not bring any more — in the conversations we know and in
   * ones created in the gap (listed by an initial sync taken after the horizon). Throws when a
   * call fails; the poller tries again with backoff.
   */
  private async resync(reason: string, from: number): Promise<number> {
    const intake = this.intake!;
    const signal = this.polling.signal;
    const horizon = (await this.client.accountSync({ signal })).event_horizon;
    const listed = await this.directory.loadConversations(signal);
    await intake.reset(intake.cursor);
    const records = await catchUp(this.client, this.store, listed, signal);
    // Handle what was missed before moving the cursor: a crash in between resyncs again.
    await intake.accept({ from, horizon: intake.cursor, records });
    await intake.reset(intake.cursor);
    if (horizon < intake.cursor) await this.store.resetCursor(horizon); // the server's numbering started over
    else await this.store.commit({ cursor: horizon });
    await intake.reset(horizon);
    this.logger.warn({ reason, from, horizon, caughtUp: records.length }, 'resynced from account/sync');
    this.events.emit('resync', { reason, from, horizon });
    this.caughtUp.advance(horizon, true);
    return horizon;
  }

  private resolveAcl(): void {
    const resolve = (who: string): string => (who.includes('@') ? (this.directory.byEmail(who) ?? who) : who);
    const admins = (this.o.admins ?? []).map(resolve);
    const roles = Object.fromEntries(Object.entries(this.o.roles ?? {}).map(([role, list]) => [role, list.map(resolve)]));
    Object.assign(this.host.registry.settings, { acl: { ...this.host.registry.settings.acl, admins, roles }, conversations: this.directory });
  }

  private async doStop(): Promise<void> {
    // Still inside start() (logging in, loading, waiting for the lease): abort that wait first.
    if (this.state === 'starting') this.polling.abort(new BotStoppedError());
    if (this.starting) await this.starting.catch(() => undefined);
    if (this.state === 'stopped' || this.state === 'new') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    this.events.emit('stopping');
    const deadline = this.clock.now() + this.o.drainTimeoutMs;
    this.polling.abort(new BotStoppedError());
    this.caughtUp.releaseAll();
    await this.pollLoop;
    await this.lease?.release();
    if (this.intake) {
      // Drain handlers up to the deadline; the deadline's timer must not outlive the drain.
      const drained = new AbortController();
      await Promise.race([this.intake.dispatcher.idle(), this.clock.sleep(this.o.drainTimeoutMs, drained.signal).catch(() => undefined)]);
      drained.abort();
    }
    await this.scheduler.stop();
    await this.outbound.stop({ deadlineMs: Math.max(0, deadline - this.clock.now()) });
    await this.host.stop();
    await this.client.logout().catch((error: unknown) => this.logger.warn({ err: error }, 'logout failed'));
    await this.store.close();
    this.state = 'stopped';
    this.logger.info({ cursor: this.cursor }, 'stopped');
    this.forgetSecrets?.();
    this.events.emit('stopped');
  }
}
