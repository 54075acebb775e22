/**
 * `Composer`: where handlers are registered. Filters narrow the context type from the one event
 * table ({@link EventMap}); the chain is composed once and reused for every event.
 */
import { compose, type ComposedMiddleware, type Middleware, type Next } from './compose.js';
import { commandMiddleware, type CommandHandler } from './command/command-middleware.js';
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
}

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
 * @example
 * const bot = new Composer();
 * bot.on('message.pinned', (ctx) => ctx.reply(`Pinned: ${ctx.event.message.text}`));
 * bot.command('ping', {}, (ctx) => ctx.reply('pong'));
 */
export class Composer<E extends FleepEvent = FleepEvent> {
  private readonly chain: Array<Middleware<Context<E>>> = [];
  private composed: ComposedMiddleware<Context<E>> | undefined;
  private readonly shared: Shared;

  constructor(options: ComposerOptions = {}, shared?: Shared) {
    this.shared = shared ?? { registry: options.registry ?? new CommandRegistry(), plugin: options.plugin, sealed: false };
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
    this.chain.push(...middleware);
    this.composed = undefined;
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
    return this.branch<Filtered<E, Q>>((ctx) => types.has(ctx.event.type), middleware);
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
    return this.branch<E>(predicate, middleware);
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
    return this.push(commandMiddleware(this.shared.registry, def, fn));
  }

  /**
   * Handles new messages whose text matches `pattern` (a string matches the whole text, ignoring
   * case and surrounding space). `ctx.match` holds the match. Only the first 16 KB is matched.
   */
  hears(pattern: RegExp | string, handler: Middleware<HearsContext>): this {
    this.guard('hears', String(pattern));
    const re = typeof pattern === 'string' ? new RegExp(`^\\s*${escapeRegExp(pattern)}\\s*$`, 'i') : pattern;
    if (!(re instanceof RegExp)) throw new TypeError('hears(pattern, handler): pattern must be a RegExp or a string');
    return this.push(async (ctx, next) => {
      if (ctx.event.type !== 'message.new') return next();
      const text = ctx.text;
      re.lastIndex = 0;
      const m = re.exec(text.length > MAX_SCAN_CHARS ? text.slice(0, MAX_SCAN_CHARS) : text);
      if (m === null) return next();
      ctx.match = m;
      return handler(ctx as unknown as HearsContext, next);
    });
  }

  /** Handles `reaction.added` events with one of the given emoji. */
  reaction(emoji: string | readonly string[], handler: Middleware<Context<EventMap['reaction.added']>>): this {
    const set = new Set(typeof emoji === 'string' ? [emoji] : emoji);
    this.guard('reaction', [...set].map((e) => `'${e}'`).join(', '));
    return this.push((ctx, next) => {
      const e = ctx.event as FleepEvent;
      if (e.type !== 'reaction.added' || !set.has(e.emoji)) return next();
      return handler(ctx as unknown as Context<EventMap['reaction.added']>, next);
    });
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
    return this.push((ctx, next) => (matchesQuery(ctx.event.type, query) ? fn(ctx as unknown as Context<never>, next) : next()));
  }

  /** Handles `message.pinned`. */
  pin(handler: Middleware<Context<EventMap['message.pinned']>>): this {
    this.guard('pin', '');
    return this.push((ctx, next) => (ctx.event.type === 'message.pinned' ? handler(ctx as unknown as Context<EventMap['message.pinned']>, next) : next()));
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
    this.push(async (ctx, next) => {
      let downstream = false;
      try {
        await inner.run(ctx, async () => {
          downstream = true;
          await next();
        });
      } catch (error) {
        if (downstream) throw error;
        await handler(toMiddlewareError(error, ctx as Context, this.shared.plugin), ctx as Context);
      }
    });
    return inner;
  }

  /** The composed middleware (composed once, cached until the next registration). */
  middleware(): ComposedMiddleware<Context<E>> {
    return (this.composed ??= compose(this.chain));
  }

  /** Runs the chain for one event. */
  run(ctx: Context<E>, next?: Next): Promise<void> {
    return this.middleware()(ctx, next);
  }

  /** Forbids further registrations (the bot has started); also composes the chain now. */
  seal(): void {
    this.shared.sealed = true;
    this.middleware();
  }

  /** Whether {@link seal} was called. */
  get sealed(): boolean {
    return this.shared.sealed;
  }

  /** Registered commands, for help. */
  commands(): CommandInfo[] {
    return this.shared.registry.commands();
  }

  private push(middleware: Middleware<Context<E>>): this {
    this.chain.push(middleware);
    this.composed = undefined;
    return this;
  }

  private branch<D extends FleepEvent>(predicate: (ctx: Context<E>) => boolean | Promise<boolean>, middleware: ReadonlyArray<Middleware<Context<D>>>): Composer<D> {
    const child = new Composer<D>({}, this.shared);
    child.use(...middleware);
    this.push(async (ctx, next) => {
      if (await predicate(ctx)) return child.run(ctx as unknown as Context<D>, next);
      return next();
    });
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
