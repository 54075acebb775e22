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

/** Runs `chain[i]` (and, through its `next`, the rest of the chain), then `last`. */
async function runFrom<C>(chain: readonly Middleware<C>[], i: number, ctx: C, last: Next | undefined): Promise<void> {
  if (i === chain.length) {
    if (last !== undefined) await last();
    return;
  }
  const step = new Step(i);
  const out = chain[i]!(ctx, () => step.next(() => runFrom(chain, i + 1, ctx, last)));
  // A handler that returns a plain value (or nothing) has finished: no promise to wait for.
  if (isThenable(out)) {
    try {
      await out;
    } finally {
      step.finished = true;
    }
  } else {
    step.finished = true;
  }
  if (step.downstream === 'running') {
    throw new ComposeError(`middleware #${i} returned before next() finished; write \`await next()\` (or \`return next()\`)`);
  }
}

/** One middleware's run for one event: whether and how its `next()` was used. */
class Step {
  finished = false;
  downstream: 'not called' | 'running' | 'settled' = 'not called';

  constructor(private readonly i: number) {}

  async next(rest: () => Promise<void>): Promise<void> {
    if (this.finished) throw new ComposeError(`middleware #${this.i} called next() after it had finished; await next() inside the middleware`);
    if (this.downstream !== 'not called') throw new ComposeError(`middleware #${this.i} called next() more than once`);
    this.downstream = 'running';
    try {
      await rest();
    } finally {
      this.downstream = 'settled';
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}
