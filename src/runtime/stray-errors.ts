/**
 * Stray errors: a rejection nobody handles or a throw from a timer, in code a plugin
 * started while handling an event. Node would end the process for them; then the event is never
 * committed, and the restarted bot handles it again and dies again.
 *
 * Each handling runs inside an `AsyncLocalStorage` scope naming the event and (through the plugin
 * host's `attribute` hook) the plugin, so every promise and timer that code creates carries the
 * scope. The process-level handlers ({@link catchStrayErrors}) ask the bot to {@link
 * StrayErrors.claim} an error: found in a scope, it is reported through the plugin host's error
 * funnel against that plugin and event and, while the handling is still open, fails that attempt
 * like a thrown error (retried, dead-lettered after `maxAttempts`). A handling stays open until
 * its handlers settle and one event-loop turn more, which is when Node reports rejections of
 * promises a handler dropped. Later errors (a timer firing after the event was committed) are
 * reported and counted, but can no longer fail the event.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import type { Context } from '../pipeline/context.js';
import { MiddlewareError } from '../pipeline/errors.js';
import type { HandleResult, PluginHost } from '../pipeline/plugin-host.js';

/** One handling of one event, while its handlers run and a turn after. */
class HandlingScope {
  open = true;
  errors: MiddlewareError[] | undefined = undefined;
  constructor(
    readonly host: PluginHost,
    readonly ctx: Context,
  ) {}
}

/** The part of a handling one plugin runs. */
class PluginScope {
  constructor(
    readonly handling: HandlingScope,
    readonly plugin: string,
  ) {}
}

type Scope = HandlingScope | PluginScope;

function handleOn(host: PluginHost, ctx: Context): Promise<HandleResult> {
  return host.handle(ctx);
}

/** The stray-error scopes of one bot. */
export class StrayErrors {
  private readonly scopes = new AsyncLocalStorage<Scope>();
  private turn: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  /**
   * `host.handle(ctx)`, plus the stray errors its code raised before it settled and within one
   * event-loop turn after: those make the result a failure naming the plugin.
   */
  async handle(host: PluginHost, ctx: Context): Promise<HandleResult> {
    const scope = new HandlingScope(host, ctx);
    const result = await this.scopes.run(scope, handleOn, host, ctx);
    await this.nextTurn();
    scope.open = false;
    if (scope.errors === undefined) return result;
    return { ok: false, errors: result.ok ? scope.errors : [...result.errors, ...scope.errors] };
  }

  /**
   * The plugin host's `attribute` hook: runs `fn(...args)` in a scope naming `plugin`, inside the
   * handling in progress (outside one it just calls `fn`).
   */
  readonly attribute = <A extends unknown[], R>(plugin: string, fn: (...args: A) => R, ...args: A): R => {
    const current = this.scopes.getStore();
    if (current === undefined) return fn(...args);
    const handling = current instanceof PluginScope ? current.handling : current;
    return this.scopes.run(new PluginScope(handling, plugin), fn, ...args);
  };

  /**
   * Takes an error that reached the process (`unhandledRejection`, `uncaughtException`) if it
   * came from code run for one of this bot's events; call it from the process's handlers.
   * @returns whether the error was this bot's (then it is reported and must not end the process).
   */
  claim(error: unknown): boolean {
    const scope = this.scopes.getStore();
    if (scope === undefined) return false;
    const handling = scope instanceof PluginScope ? scope.handling : scope;
    const plugin = scope instanceof PluginScope ? scope.plugin : undefined;
    const failure = new MiddlewareError({ eventId: handling.ctx.event.id, plugin, cause: error });
    if (handling.open) {
      (handling.errors ??= []).push(failure);
    } else {
      this.logger.error(
        { err: failure, eventId: failure.eventId, plugin },
        'a stray error surfaced after its event was handled; it cannot fail that event any more (await or catch the promise or timer in the handler)',
      );
    }
    void handling.host.reportStray(failure, handling.ctx);
    return true;
  }

  /** One promise per event-loop turn, shared by every handling that finishes in it. */
  private nextTurn(): Promise<void> {
    return (this.turn ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.turn = undefined;
        resolve();
      }),
    ));
  }
}

/** What {@link catchStrayErrors} needs of a bot. */
export interface StrayErrorClaimer {
  claimStrayError(error: unknown): boolean;
}

/** The process surface {@link catchStrayErrors} listens on (`process` itself in production). */
export interface StrayErrorSource {
  on(event: 'unhandledRejection' | 'uncaughtException', listener: (error: unknown) => void): unknown;
  off(event: 'unhandledRejection' | 'uncaughtException', listener: (error: unknown) => void): unknown;
}

/**
 * Listens for unhandled rejections and uncaught exceptions and lets `bot` claim the ones its
 * plugins caused (they are reported and the process keeps running). Any other error goes to
 * `onUnclaimed`, which should end the process as Node would have. Returns the function that
 * removes the listeners.
 * @example const off = catchStrayErrors(process, bot, (error) => { console.error(error); process.exit(1); });
 */
export function catchStrayErrors(source: StrayErrorSource, bot: StrayErrorClaimer, onUnclaimed: (error: unknown, kind: 'rejection' | 'exception') => void): () => void {
  const onRejection = (error: unknown): void => {
    if (!bot.claimStrayError(error)) onUnclaimed(error, 'rejection');
  };
  const onException = (error: unknown): void => {
    if (!bot.claimStrayError(error)) onUnclaimed(error, 'exception');
  };
  source.on('unhandledRejection', onRejection);
  source.on('uncaughtException', onException);
  return () => {
    source.off('unhandledRejection', onRejection);
    source.off('uncaughtException', onException);
  };
}
