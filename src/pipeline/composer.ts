/**
 * `Composer`: where handlers are registered. Filters narrow the context type from the one event
 * table ({@link EventMap}); the chain is composed once and reused for every event.
 */
import { compose, type ComposedMiddleware, type Middleware, type Next } from './compose.js';
import { CommandRouter, type CommandHandler } from './command/command-middleware.js';
import type { ArgSchema } from './command/args.js';
import { MAX_SCAN_CHARS } from './command/parse.js';
import { CommandRegistry, type CommandInfo, type CommandOptions } from './command/registry.js';
import type { Context } from './context.js';
import { MiddlewareError, PluginError } from './errors.js';
import { EVENT_TYPES, matchesQuery, type EventMap, type EventQuery, type EventType, type EventsOf, type FleepEvent } from './events.js';

/** The events of `E` that a query `Q` matches. */
export type Filtered<E extends FleepEvent, Q extends EventQuery> = Extract<E, { type: EventsOf<Q> }>;

/** The context of a `hears` handler: a new message whose text matched. */
export type HearsContext = Context<EventMap['message.new']> & { match: RegExpExecArray };

/** Task event kinds for `composer.task(kind, handler)`. */
export type TaskKind = 'created' | 'done' | 'reopened' | 'assigned';

/** An error handler of the funnel or of an `errorBoundary`. */
export type ErrorHandler = (error: MiddlewareError, ctx: Context) => unknown;

/** State shared by a composer and the composers made from it. */
interface Shared {
  readonly registry: CommandRegistry;
  readonly plugin: string | undefined;
  sealed: boolean;
  /** Bumped by every registration anywhere in the tree; lanes built at an older version are rebuilt. */
  version: number;
}

/** One registration in a composer's chain. */
interface Entry<E extends FleepEvent> {
  readonly fn: Middleware<Context<E>>;
  /**
   * Whether the entry can do anything for events of this type. An entry that cannot is left out
   * of that type's lane, which is the same as it calling `next()` at once.
   */
  readonly matches: (type: EventType) => boolean;
  /** Set on a command router, so that consecutive `command()` calls share it. */
  readonly router?: CommandRouter;
  /**
   * Set on an `on()` branch: its child's lane for the type, spliced into this lane in place of
   * `fn` (the same order and stopping, one level fewer per event).
   */
  readonly splice?: (type: EventType) => ReadonlyArray<Middleware<Context<E>>>;
}

/** The chain of one event type, composed once. */
interface Lane<E extends FleepEvent> {
  readonly version: number;
  readonly fns: ReadonlyArray<Middleware<Context<E>>>;
  readonly run: ComposedMiddleware<Context<E>>;
}

const ALL_TYPES = (): boolean => true;
const NEW_MESSAGE = (type: EventType): boolean => type === 'message.new';

/**
 * Options of {@link Composer}.
 * @example new Composer({ plugin: 'standup', registry })
 */
export interface ComposerOptions {
  /** Where commands are registered; share one per bot. @default a new registry */
  registry?: CommandRegistry;
  /** The plugin every registration is attributed to. @default undefined */
  plugin?: string;
}

const QUERIES = new Set<string>([...EVENT_TYPES, 'message', 'task', 'reaction', 'member']);

/**
 * A tree of middleware.
 *
 * Every registration knows which event types it can act on (`on`, `hears`, `command`,
 * `reaction`, `task`, `pin`; `use` and `filter` take all), and the chain is composed once per
 * event type ("lane"), so an event only meets the middleware that could match it: a new message
 * never calls a reaction, task or pin handler. Leaving a middleware out of a lane is exactly
 * what it would have done there (call `next()`), so the order of everything that does run is
 * the order of registration. A `filter` predicate runs only for event types its branch has
 * middleware for.
 *
 * Commands registered one after another share one {@link CommandRouter} (one map lookup per
 * message instead of one middleware per command); anything registered between two commands
 * starts a new router, so it still runs between them.
 * @example
 * const bot = new Composer();
 * bot.on('message.pinned', (ctx) => ctx.reply(`Pinned: ${ctx.event.message.text}`));
 * bot.command('ping', {}, (ctx) => ctx.reply('pong'));
 */
export class Composer<E extends FleepEvent = FleepEvent> {
  private readonly chain: Array<Entry<E>> = [];
  private readonly lanes = new Map<EventType, Lane<E>>();
  private readonly shared: Shared;
  private readonly runner: ComposedMiddleware<Context<E>> = (ctx, next) => this.lane(ctx.event.type).run(ctx, next);

  constructor(options: ComposerOptions = {}, shared?: Shared) {
    this.shared = shared ?? { registry: options.registry ?? new CommandRegistry(), plugin: options.plugin, sealed: false, version: 0 };
  }

  /** The plugin this composer registers for, if any. */
  get plugin(): string | undefined {
    return this.shared.plugin;
  }

  /** The command registry (shared with every composer made from this one). */
  get registry(): CommandRegistry {
    return this.shared.registry;
  }

  /** Adds middleware that sees every event reaching this composer. */
  use(...middleware: Array<Middleware<Context<E>>>): this {
    this.guard('use', '');
    for (const [i, m] of middleware.entries()) {
      if (typeof m !== 'function') throw new TypeError(`use(): argument ${i + 1} is ${typeof m}, expected a middleware function (ctx, next) => …`);
    }
    for (const fn of middleware) this.chain.push({ fn, matches: ALL_TYPES });
    this.shared.version++;
    return this;
  }

  /**
   * Handles events matching a query (`'message.pinned'`) or prefix (`'task'`); the context type is
   * narrowed to those events. Returns the narrowed composer for further registrations.
   */
  on<Q extends EventQuery>(query: Q | readonly Q[], ...middleware: Array<Middleware<Context<Filtered<E, Q>>>>): Composer<Filtered<E, Q>> {
    const queries: readonly Q[] = Array.isArray(query) ? query : [query as Q];
    this.guard('on', queries.map((q) => `'${q}'`).join(', '));
    const types = new Set<EventType>();
    for (const q of queries) {
      if (!QUERIES.has(q)) {
        throw new TypeError(`on(): unknown event query ${JSON.stringify(q)}; use one of ${[...QUERIES].join(', ')}`);
      }
      for (const t of EVENT_TYPES) if (matchesQuery(t, q)) types.add(t);
    }
    return this.branch<Filtered<E, Q>>(undefined, types, middleware);
  }

  /**
   * Passes on only events for which `predicate` holds. A type-guard predicate narrows the context.
   * @example bot.filter((ctx): ctx is Context<EventMap['task.done']> => ctx.type === 'task.done', handler)
   */
  filter<D extends E>(predicate: (ctx: Context<E>) => ctx is Context<D>, ...middleware: Array<Middleware<Context<D>>>): Composer<D>;
  filter(predicate: (ctx: Context<E>) => boolean | Promise<boolean>, ...middleware: Array<Middleware<Context<E>>>): Composer<E>;
  filter(predicate: (ctx: Context<E>) => boolean | Promise<boolean>, ...middleware: Array<Middleware<Context<E>>>): Composer<E> {
    this.guard('filter', '');
    if (typeof predicate !== 'function') throw new TypeError('filter(predicate): predicate must be a function (ctx) => boolean');
    return this.branch<E>(predicate, undefined, middleware);
  }

  /** Registers a command (prefix, @mention, or plain text in a direct conversation). */
  command<S extends ArgSchema = Record<never, never>>(name: string, options: CommandOptions<S>, handler: CommandHandler<S>): this;
  command(name: string, handler: CommandHandler<Record<never, never>>): this;
  command<S extends ArgSchema>(name: string, options: CommandOptions<S> | CommandHandler<S>, handler?: CommandHandler<S>): this {
    this.guard('command', `'${name}'`);
    const opts: CommandOptions<S> = typeof options === 'function' ? {} : (options ?? {});
    const fn = typeof options === 'function' ? options : handler;
    if (typeof fn !== 'function') throw new TypeError(`command('${name}', options, handler): the handler must be a function (ctx) => …`);
    const def = this.shared.registry.register(name, { ...opts, plugin: opts.plugin ?? this.shared.plugin });
    const last = this.chain[this.chain.length - 1];
    if (last?.router !== undefined) {
      last.router.add(def, fn);
      this.shared.version++;
      return this;
    }
    const router = new CommandRouter(this.shared.registry);
    router.add(def, fn);
    return this.push(router.middleware as Middleware<Context<E>>, NEW_MESSAGE, router);
  }

  /**
   * Handles new messages whose text matches `pattern` (a string matches the whole text, ignoring
   * case and surrounding space). `ctx.match` holds the match. Only the first 16 KB is matched.
   */
  hears(pattern: RegExp | string, handler: Middleware<HearsContext>): this {
    this.guard('hears', String(pattern));
    const re = typeof pattern === 'string' ? new RegExp(`^\\s*${escapeRegExp(pattern)}\\s*$`, 'i') : pattern;
    if (!(re instanceof RegExp)) throw new TypeError('hears(pattern, handler): pattern must be a RegExp or a string');
    // Synchronous: a text that does not match costs one regex run and `next()`.
    return this.push((ctx, next) => {
      const text = ctx.text;
      re.lastIndex = 0;
      const m = re.exec(text.length > MAX_SCAN_CHARS ? text.slice(0, MAX_SCAN_CHARS) : text);
      if (m === null) return next();
      ctx.match = m;
      return handler(ctx as unknown as HearsContext, next);
    }, NEW_MESSAGE);
  }

  /** Handles `reaction.added` events with one of the given emoji. */
  reaction(emoji: string | readonly string[], handler: Middleware<Context<EventMap['reaction.added']>>): this {
    const set = new Set(typeof emoji === 'string' ? [emoji] : emoji);
    this.guard('reaction', [...set].map((e) => `'${e}'`).join(', '));
    return this.push(
      (ctx, next) => {
        const e = ctx.event as FleepEvent;
        if (e.type !== 'reaction.added' || !set.has(e.emoji)) return next();
        return handler(ctx as unknown as Context<EventMap['reaction.added']>, next);
      },
      (type) => type === 'reaction.added',
    );
  }

  /** Handles task events: one kind (`'done'`) or, without a kind, all of them. */
  task<K extends TaskKind>(kind: K, handler: Middleware<Context<EventMap[`task.${K}`]>>): this;
  task(handler: Middleware<Context<EventMap[EventsOf<'task'>]>>): this;
  task(kind: TaskKind | Middleware<Context<never>>, handler?: Middleware<Context<never>>): this {
    const fn = typeof kind === 'function' ? kind : handler;
    const query: EventQuery = typeof kind === 'function' ? 'task' : (`task.${kind}` as EventType);
    this.guard('task', typeof kind === 'function' ? '' : `'${kind}'`);
    if (!QUERIES.has(query)) throw new TypeError(`task(kind, handler): kind must be created, done, reopened or assigned, got ${JSON.stringify(kind)}`);
    if (typeof fn !== 'function') throw new TypeError('task(kind, handler): the handler must be a function');
    return this.push(
      (ctx, next) => (matchesQuery(ctx.event.type, query) ? fn(ctx as unknown as Context<never>, next) : next()),
      (type) => matchesQuery(type, query),
    );
  }

  /** Handles `message.pinned`. */
  pin(handler: Middleware<Context<EventMap['message.pinned']>>): this {
    this.guard('pin', '');
    return this.push(
      (ctx, next) => (ctx.event.type === 'message.pinned' ? handler(ctx as unknown as Context<EventMap['message.pinned']>, next) : next()),
      (type) => type === 'message.pinned',
    );
  }

  /**
   * Runs `middleware` inside a boundary: what they throw goes to `handler` (as a
   * {@link MiddlewareError}) instead of up the chain; errors from after the boundary pass through.
   */
  errorBoundary(handler: ErrorHandler, ...middleware: Array<Middleware<Context<E>>>): Composer<E> {
    this.guard('errorBoundary', '');
    if (typeof handler !== 'function') throw new TypeError('errorBoundary(handler, ...middleware): handler must be a function (error, ctx) => …');
    const inner = new Composer<E>({}, this.shared);
    inner.use(...middleware);
    this.push(
      async (ctx, next) => {
        let downstream = false;
        try {
          await inner.run(ctx, () => {
            downstream = true;
            return next();
          });
        } catch (error) {
          if (downstream) throw error;
          await handler(toMiddlewareError(error, ctx as Context, this.shared.plugin), ctx as Context);
        }
      },
      (type) => inner.handles(type),
    );
    return inner;
  }

  /**
   * The composed middleware: picks the event type's lane (composed once, rebuilt only after a
   * registration) and runs it.
   */
  middleware(): ComposedMiddleware<Context<E>> {
    return this.runner;
  }

  /** Runs the chain for one event. */
  run(ctx: Context<E>, next?: Next): Promise<void> {
    return this.lane(ctx.event.type).run(ctx, next);
  }

  /** Whether any registration of this composer can act on events of `type`. */
  handles(type: EventType): boolean {
    return this.lane(type).fns.length > 0;
  }

  /** Forbids further registrations (the bot has started); also composes every lane now. */
  seal(): void {
    this.shared.sealed = true;
    for (const type of EVENT_TYPES) this.lane(type);
  }

  /** Whether {@link seal} was called. */
  get sealed(): boolean {
    return this.shared.sealed;
  }

  /** Registered commands, for help. */
  commands(): CommandInfo[] {
    return this.shared.registry.commands();
  }

  private lane(type: EventType): Lane<E> {
    let lane = this.lanes.get(type);
    if (lane === undefined || lane.version !== this.shared.version) {
      const fns: Array<Middleware<Context<E>>> = [];
      for (const entry of this.chain) {
        if (!entry.matches(type)) continue;
        if (entry.splice === undefined) fns.push(entry.fn);
        else fns.push(...entry.splice(type));
      }
      lane = { version: this.shared.version, fns, run: compose(fns) };
      this.lanes.set(type, lane);
    }
    return lane;
  }

  private push(fn: Middleware<Context<E>>, matches: (type: EventType) => boolean = ALL_TYPES, router?: CommandRouter): this {
    this.chain.push(router === undefined ? { fn, matches } : { fn, matches, router });
    this.shared.version++;
    return this;
  }

  /** The middleware of this composer's lane for `type`, for a parent to splice in. */
  private laneOf(type: EventType): ReadonlyArray<Middleware<Context<E>>> {
    return this.lane(type).fns;
  }

  /** A child composer behind a type set (`on`) or a predicate (`filter`). */
  private branch<D extends FleepEvent>(
    predicate: ((ctx: Context<E>) => boolean | Promise<boolean>) | undefined,
    types: ReadonlySet<EventType> | undefined,
    middleware: ReadonlyArray<Middleware<Context<D>>>,
  ): Composer<D> {
    const child = new Composer<D>({}, this.shared);
    child.use(...middleware);
    const matches = types === undefined ? (type: EventType) => child.handles(type) : (type: EventType) => types.has(type) && child.handles(type);
    if (predicate === undefined) {
      // The lane already guarantees the type, so the child's middleware join this lane directly.
      const splice = (type: EventType) => child.laneOf(type) as unknown as ReadonlyArray<Middleware<Context<E>>>;
      this.chain.push({ fn: (ctx, next) => child.run(ctx as unknown as Context<D>, next), matches, splice });
      this.shared.version++;
      return child;
    }
    this.push((ctx, next) => {
      const ok = predicate(ctx);
      if (ok === true || ok === false) return ok ? child.run(ctx as unknown as Context<D>, next) : next();
      return Promise.resolve(ok).then((yes) => (yes ? child.run(ctx as unknown as Context<D>, next) : next()));
    }, matches);
    return child;
  }

  private guard(method: string, args: string): void {
    if (this.shared.sealed) {
      throw new PluginError(
        `bot.${method}(${args}) was called after bot.start(); register handlers in your plugin's setup()`,
        this.shared.plugin,
      );
    }
  }
}

/** Wraps anything thrown into a {@link MiddlewareError} for the event (kept as is if it already is one). */
export function toMiddlewareError(error: unknown, ctx: Context, plugin: string | undefined): MiddlewareError {
  if (error instanceof MiddlewareError) return error;
  return new MiddlewareError({ eventId: ctx.event.id, plugin, cause: error });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
