/**
 * The middleware engine: Koa-style `(ctx, next)`, small, pure and defensive.
 */
import { ComposeError } from './errors.js';

/** Runs the rest of the chain; resolves when everything downstream has finished. */
export type Next = () => Promise<void>;

/**
 * A middleware: does its work, and calls `await next()` to pass the event on (or does not, to
 * stop it). A handler is a middleware that never calls `next`. Whatever it returns is awaited.
 */
export type Middleware<C> = (ctx: C, next: Next) => unknown;

/** What {@link compose} returns: itself a middleware whose `next` is optional. */
export type ComposedMiddleware<C> = (ctx: C, next?: Next) => Promise<void>;

/**
 * Composes middleware into one, once (precompose at start, run per event).
 *
 * Every middleware is called at most once per event, and what it returns is awaited. It is an
 * error (a rejected promise with a {@link ComposeError}) to call `next()` twice, to call it after
 * the middleware finished, or to finish before the promise of `next()` settled (a forgotten
 * `await`). A throwing middleware stops the chain: the error propagates to the caller (fail
 * closed).
 * @example
 * const run = compose([logTiming, checkAcl, handler]);
 * await run(ctx);
 */
export function compose<C>(middleware: readonly Middleware<C>[]): ComposedMiddleware<C> {
  if (!Array.isArray(middleware)) throw new TypeError('compose() expects an array of middleware functions');
  const chain = middleware.slice();
  chain.forEach((fn, i) => {
    if (typeof fn !== 'function') {
      throw new TypeError(`compose(): middleware #${i} is ${typeof fn}, expected a function (ctx, next) => …`);
    }
  });
  return (ctx, last) => runFrom(chain, 0, ctx, last);
}

/** The promise of a chain that finished without waiting for anything. */
const FINISHED: Promise<void> = Promise.resolve();

/**
 * Runs `chain[i]` (and, through its `next`, the rest of the chain), then `last`.
 *
 * Two shortcuts keep a chain that does nothing asynchronous free of extra promises: a
 * middleware that returns a plain value (or nothing) has finished, and one that returns the
 * promise `next()` gave it (`return next()`) finishes exactly when its downstream does.
 */
function runFrom<C>(chain: readonly Middleware<C>[], i: number, ctx: C, last: Next | undefined): Promise<void> {
  if (i === chain.length) return last === undefined ? FINISHED : callLast(last);
  const step = new Step(chain, i, ctx, last);
  let out: unknown;
  try {
    out = chain[i]!(ctx, step.next);
  } catch (error) {
    step.finished = true;
    return Promise.reject(error);
  }
  if (out !== undefined && out === step.downstream) {
    step.finished = true;
    return step.downstream;
  }
  if (!isThenable(out)) return step.finish();
  return step.await(out);
}

/** One middleware's run for one event: whether and how its `next()` was used. */
class Step<C> {
  finished = false;
  /** The promise `next()` returned, once called. */
  downstream: Promise<void> | undefined = undefined;
  private settled = false;
  /** `next` as the middleware gets it. */
  readonly next: Next = () => this.callNext();

  constructor(
    private readonly chain: readonly Middleware<C>[],
    private readonly i: number,
    private readonly ctx: C,
    private readonly last: Next | undefined,
  ) {}

  /** The middleware returned without a promise: done, unless its `next()` is still running. */
  finish(): Promise<void> {
    this.finished = true;
    if (this.downstream === undefined || this.downstream === FINISHED || this.settled) return FINISHED;
    return Promise.reject(this.returnedEarly());
  }

  /** The middleware returned a promise: wait for it, then check its `next()` had settled. */
  async await(out: PromiseLike<unknown>): Promise<void> {
    try {
      await out;
    } finally {
      this.finished = true;
    }
    if (this.downstream !== undefined && this.downstream !== FINISHED && !this.settled) throw this.returnedEarly();
  }

  private callNext(): Promise<void> {
    if (this.finished) return Promise.reject(new ComposeError(`middleware #${this.i} called next() after it had finished; await next() inside the middleware`));
    if (this.downstream !== undefined) return Promise.reject(new ComposeError(`middleware #${this.i} called next() more than once`));
    const downstream = runFrom(this.chain, this.i + 1, this.ctx, this.last);
    this.downstream = downstream;
    if (downstream !== FINISHED) {
      const settled = (): void => {
        this.settled = true;
      };
      downstream.then(settled, settled);
    }
    return downstream;
  }

  private returnedEarly(): ComposeError {
    return new ComposeError(`middleware #${this.i} returned before next() finished; write \`await next()\` (or \`return next()\`)`);
  }
}

function callLast(last: Next): Promise<void> {
  try {
    const out = last();
    return isThenable(out) ? (out as Promise<void>) : FINISHED;
  } catch (error) {
    return Promise.reject(error);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}
