import { describe, expect, it } from 'vitest';
import { compose, type Middleware } from '../../src/pipeline/compose.js';
import { ComposeError } from '../../src/pipeline/errors.js';

type C = { log: string[] };

describe('compose', () => {
  it('runs middleware in onion order', async () => {
    const mw: Array<Middleware<C>> = [
      async (ctx, next) => {
        ctx.log.push('a1');
        await next();
        ctx.log.push('a2');
      },
      async (ctx, next) => {
        ctx.log.push('b1');
        await next();
        ctx.log.push('b2');
      },
      (ctx) => {
        ctx.log.push('c');
      },
    ];
    const ctx = { log: [] as string[] };
    await compose(mw)(ctx);
    expect(ctx.log).toEqual(['a1', 'b1', 'c', 'b2', 'a2']);
  });

  it('awaits what a middleware returns, and finishes at once when that is not a promise', async () => {
    const ctx = { log: [] as string[] };
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const chain = compose<C>([
      async (c, next) => {
        await next();
        c.log.push('after next');
      },
      () => gate.then(() => void ctx.log.push('returned promise settled')),
    ]);
    const running = chain(ctx);
    await Promise.resolve();
    expect(ctx.log).toEqual([]);
    release();
    await running;
    expect(ctx.log).toEqual(['returned promise settled', 'after next']);
    // A plain object (such as what ctx.reply() returns) is not waited for.
    await compose<C>([() => ({ id: 'x' }), () => void ctx.log.push('never: the first did not call next')])(ctx);
    expect(ctx.log).toHaveLength(2);
  });

  it('calls the outer next after the last middleware, and not when the chain stops', async () => {
    const ctx = { log: [] as string[] };
    const outer = async (): Promise<void> => void ctx.log.push('outer');
    await compose<C>([(_c, next) => next()])(ctx, outer);
    await compose<C>([() => undefined])(ctx, outer);
    expect(ctx.log).toEqual(['outer']);
  });

  it('rejects next() called twice', async () => {
    const run = compose<C>([
      async (_c, next) => {
        await next();
        await next();
      },
    ]);
    await expect(run({ log: [] })).rejects.toBeInstanceOf(ComposeError);
    await expect(run({ log: [] })).rejects.toThrow(/more than once/);
  });

  it('rejects a middleware that returns before next() finished (missing await)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const run = compose<C>([
      (_c, next) => {
        void next();
      },
      async () => {
        await gate;
      },
    ]);
    const p = run({ log: [] });
    await expect(p).rejects.toThrow(/returned before next\(\) finished/);
    release();
  });

  it('rejects next() called after the middleware finished', async () => {
    let later!: () => Promise<void>;
    await compose<C>([
      (_c, next) => {
        later = next;
      },
    ])({ log: [] });
    await expect(later()).rejects.toThrow(/after it had finished/);
  });

  it('a throw stops the chain (fail closed) and propagates', async () => {
    const ctx = { log: [] as string[] };
    const run = compose<C>([
      async (c, next) => {
        c.log.push('a');
        await next();
        c.log.push('not reached');
      },
      () => {
        throw new Error('boom');
      },
      (c) => void c.log.push('never'),
    ]);
    await expect(run(ctx)).rejects.toThrow('boom');
    expect(ctx.log).toEqual(['a']);
  });

  it('keeps the original error when a throwing middleware also left next() pending', async () => {
    const run = compose<C>([
      (_c, next) => {
        void next();
        throw new Error('original');
      },
      () => new Promise<void>(() => undefined),
    ]);
    await expect(run({ log: [] })).rejects.toThrow('original');
  });

  it('accepts return next() and an empty chain', async () => {
    await expect(compose<C>([(_c, next) => next(), (_c, next) => next()])({ log: [] })).resolves.toBeUndefined();
    await expect(compose<C>([])({ log: [] })).resolves.toBeUndefined();
  });

  it('validates its input up front', () => {
    expect(() => compose([1 as unknown as Middleware<C>])).toThrow(/middleware #0 is number/);
  });

  // Cost per event is measured in bench/micro.ts, not asserted here.
  it('reuses one composed chain for many events, running every middleware once per event', async () => {
    let calls = 0;
    const run = compose<C>(
      Array.from({ length: 5 }, () => (_c: C, next: () => Promise<void>) => {
        calls++;
        return next();
      }),
    );
    const ctx = { log: [] };
    for (let i = 0; i < 1_000; i++) await run(ctx);
    expect(calls).toBe(5_000);
  });
});
