/**
 * The middleware engine: Koa-style `(ctx, next)`, small, pure and defensive.
 */
import { ComposeError } from './errors.js';

/** Runs the rest of the chain; resolves when everything downstream has finished. */
export type Next = () => Promise<void>;

/**
 * A middleware: does its work, and calls `await next()` to pass the event on (or does not, to
 * stop it). A handler is a middleware that never calls `next`.
 */
export type Middleware<C> = (ctx: C, next: Next) => unknown;

/** What {@link compose} returns: itself a middleware whose `next` is optional. */
export type ComposedMiddleware<C> = (ctx: C, next?: Next) => Promise<void>;

/**
 * Composes middleware into one, once (precompose at start, run per event).
 *
 * Every middleware is called at most once per event. It is an error (a rejected promise with a
 * {@link ComposeError}) to call `next()` twice, to call it after the middleware finished, or to
 * return before the promise of `next()` settled (a forgotten `await`). A throwing middleware
 * stops the chain: the error propagates to the caller (fail closed).
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
  return (ctx: C, last?: Next): Promise<void> => dispatch(chain, ctx, last, 0);
}

async function dispatch<C>(chain: readonly Middleware<C>[], ctx: C, last: Next | undefined, i: number): Promise<void> {
  if (i === chain.length) {
    if (last) await last();
    return;
  }
  const fn = chain[i] as Middleware<C>;
  // 0 = next not called, 1 = downstream running, 2 = downstream settled, 3 = this middleware done
  let state = 0;
  const next: Next = () => {
    if (state === 3) return Promise.reject(new ComposeError(`middleware #${i} called next() after it had finished; await next() inside the middleware`));
    if (state !== 0) return Promise.reject(new ComposeError(`middleware #${i} called next() more than once`));
    state = 1;
    const downstream = dispatch(chain, ctx, last, i + 1);
    // Registered before the caller can attach its own reaction, so it runs first on settle.
    downstream.then(
      () => {
        state = 2;
      },
      () => {
        state = 2;
      },
    );
    return downstream;
  };
  try {
    await fn(ctx, next);
  } catch (error) {
    state = 3;
    throw error;
  }
  const pending = state === 1;
  state = 3;
  if (pending) {
    throw new ComposeError(`middleware #${i} returned before next() finished; write \`await next()\` (or \`return next()\`)`);
  }
}
