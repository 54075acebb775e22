import { describe, expect, it, vi } from 'vitest';
import { arg } from '../../src/pipeline/command/args.js';
import { COOLDOWN_NAMESPACE } from '../../src/pipeline/command/cooldown.js';
import { CommandRegistry } from '../../src/pipeline/command/registry.js';
import { compose } from '../../src/pipeline/compose.js';
import { Composer } from '../../src/pipeline/composer.js';
import type { Context } from '../../src/pipeline/context.js';
import { ComposeError } from '../../src/pipeline/errors.js';
import { definePlugin } from '../../src/pipeline/plugin.js';
import { loadPlugins } from '../../src/pipeline/plugin-host.js';
import { ALICE, captureLogger, ctxOf, makeDeps, messageEvent, reactionEvent, say } from './helpers.js';

async function commandBot() {
  const deps = makeDeps();
  await deps.store.open();
  // The default global cooldown stays on: it is store work a non-command must not cause.
  const registry = new CommandRegistry({ acl: { admins: [], roles: {} } });
  const bot = new Composer({ registry });
  const ran: string[] = [];
  for (let c = 0; c < 20; c++) {
    bot.command(`cmd${c}`, { args: { who: arg.account().optional() }, cooldown: { limit: 100, windowMs: 1000 } }, () => void ran.push(`cmd${c}`));
  }
  const canRun = vi.spyOn(registry, 'canRun');
  const storeGet = vi.spyOn(deps.store, 'getJson');
  const byAddress = vi.spyOn(deps.contacts, 'byAddress');
  return { deps, registry, bot, ran, canRun, storeGet, byAddress };
}

describe('command routing', () => {
  it('a message that is not a command never reaches any command ACL, cooldown or argument code', async () => {
    const t = await commandBot();
    for (const text of ['hello there', 'thanks @bob', '! cmd3', 'cmd3 @bob', '!unknown @bob']) await t.bot.run(ctxOf(say(text), t.deps));
    expect(t.ran).toEqual([]);
    expect(t.canRun).not.toHaveBeenCalled();
    expect(t.storeGet).not.toHaveBeenCalled();
    expect(t.byAddress).not.toHaveBeenCalled();
    // The same bot does run a command, through each of the three checks exactly once.
    await t.bot.run(ctxOf(say('!cmd13 @bob'), t.deps));
    expect(t.ran).toEqual(['cmd13']);
    expect(t.canRun).toHaveBeenCalledTimes(1);
    expect(t.canRun.mock.calls[0]?.[0].name).toBe('cmd13');
    expect(t.storeGet.mock.calls.map((c) => c[0])).toEqual([COOLDOWN_NAMESPACE, COOLDOWN_NAMESPACE]);
    expect(t.byAddress).toHaveBeenCalledWith('bob');
  });

  it('parses the addressing once per event, however many commands and composers look at it', async () => {
    const t = await commandBot();
    const other = t.bot.on('message.new');
    other.command('late', {}, () => void t.ran.push('late'));
    const ctx = ctxOf(say('!late'), t.deps);
    const parsed = vi.spyOn(ctx, 'command', 'get');
    await t.bot.run(ctx);
    expect(t.ran).toEqual(['late']);
    // Read by each of the two routers; the getter caches, so the second read is the same object.
    expect(parsed).toHaveBeenCalledTimes(2);
    expect(parsed.mock.results[0]?.value).toBe(parsed.mock.results[1]?.value);
  });

  it('keeps registration order: middleware registered between two commands runs before the second only', async () => {
    const seen: string[] = [];
    const bot = new Composer({ registry: new CommandRegistry({ cooldown: false }) });
    bot.command('a', {}, () => void seen.push('a'));
    bot.use((_ctx, next) => {
      seen.push('mw');
      return next();
    });
    bot.command('b', { aliases: ['bee'] }, () => void seen.push('b'));
    bot.on('message.new', () => void seen.push('fallback'));
    for (const text of ['!a', '!b', '!bee', 'chat']) {
      seen.push(`> ${text}`);
      await bot.run(ctxOf(say(text)));
    }
    expect(seen).toEqual(['> !a', 'a', '> !b', 'mw', 'b', '> !bee', 'mw', 'b', '> chat', 'mw', 'fallback']);
  });

  it('a command handled earlier stops the event; an ACL refusal also stops it, with one reply', async () => {
    const deps = makeDeps();
    const seen: string[] = [];
    const bot = new Composer({ registry: new CommandRegistry({ cooldown: false }) });
    bot.command('deploy', { allow: 'admins' }, () => void seen.push('deploy'));
    bot.on('message.new', () => void seen.push('fallback'));
    await bot.run(ctxOf(say('!deploy', ALICE), deps));
    expect(seen).toEqual([]);
    expect(deps.effects.map((e) => e.body.message)).toEqual(['You are not allowed to run !deploy.']);
  });
});

describe('lanes by event type', () => {
  it('skips middleware that cannot match the event type, keeping the order of the rest', async () => {
    const seen: string[] = [];
    const bot = new Composer();
    bot.use((ctx, next) => {
      seen.push(`use:${ctx.type}`);
      return next();
    });
    bot.reaction('👍', (_ctx, next) => {
      seen.push('reaction');
      return next();
    });
    bot.on('message.new', (_ctx, next) => {
      seen.push('on:new');
      return next();
    });
    bot.pin(() => void seen.push('pin'));
    bot.hears(/x/, () => void seen.push('hears'));
    await bot.run(ctxOf(say('x')));
    await bot.run(ctxOf(reactionEvent('👍')));
    await bot.run(ctxOf(messageEvent('message.pinned', 'x')));
    expect(seen).toEqual(['use:message.new', 'on:new', 'hears', 'use:reaction.added', 'reaction', 'use:message.pinned', 'pin']);
  });

  it('a filter predicate runs only for event types its branch has middleware for', async () => {
    const asked: string[] = [];
    const bot = new Composer();
    const branch = bot.filter((ctx) => {
      asked.push(ctx.type);
      return true;
    });
    branch.task(() => undefined);
    await bot.run(ctxOf(say('x')));
    await bot.run(ctxOf(messageEvent('task.done', 'x')));
    expect(asked).toEqual(['task.done']);
  });

  it('registrations after the first event rebuild the lanes (before sealing)', async () => {
    const seen: string[] = [];
    const bot = new Composer();
    const child = bot.on('message.new');
    await bot.run(ctxOf(say('x')));
    child.use(() => void seen.push('late child'));
    await bot.run(ctxOf(say('x')));
    expect(seen).toEqual(['late child']);
  });
});

describe('synchronous paths', () => {
  it('a chain of synchronous middleware runs each once, in order, and resolves', async () => {
    const calls: string[] = [];
    const run = compose<object>([(_c, next) => (calls.push('a'), next()), (_c, next) => (calls.push('b'), next()), () => void calls.push('c')]);
    await expect(run({})).resolves.toBeUndefined();
    const bot = new Composer();
    bot.hears(/nope/, () => void calls.push('not heard'));
    bot.on('message.new', () => void calls.push('on'));
    await bot.run(ctxOf(say('x')));
    expect(calls).toEqual(['a', 'b', 'c', 'on']);
  });

  it('an async filter that calls next later is not mistaken for a forgotten await', async () => {
    const seen: string[] = [];
    const bot = new Composer();
    bot.filter(
      async () => true,
      async (_ctx, next) => {
        await next();
        seen.push('after');
      },
    );
    bot.use(async () => {
      await Promise.resolve();
      seen.push('downstream');
    });
    await bot.run(ctxOf(say('x')));
    expect(seen).toEqual(['downstream', 'after']);
    const forgot = new Composer();
    forgot.filter(async () => true, (_ctx: Context, next) => void next());
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    forgot.use(() => gate);
    await expect(forgot.run(ctxOf(say('x')))).rejects.toBeInstanceOf(ComposeError);
    release();
  });

  it('the host drops the writes of a plugin that throws synchronously and keeps the others', async () => {
    const { logger } = captureLogger();
    const bad = definePlugin({
      name: 'bad',
      setup: (bot) =>
        void bot.on('message.new', (ctx) => {
          ctx.work.write({ namespace: 'plugin:bad', key: 'half', value: 1 });
          throw new Error('sync boom');
        }),
    });
    const good = definePlugin({
      name: 'good',
      setup: (bot) => void bot.on('message.new', (ctx) => void ctx.work.write({ namespace: 'plugin:good', key: 'k', value: 2 })),
    });
    const after = definePlugin({ name: 'after', setup: (bot) => void bot.on('message.new', (ctx) => void ctx.work.write({ namespace: 'plugin:after', key: 'k', value: 3 })) });
    const host = await loadPlugins([good, bad, after], {}, { logger });
    host.seal();
    const ctx = ctxOf(say('hi'));
    const result = await host.handle(ctx);
    expect(result.ok).toBe(false);
    expect(result.errors.map((e) => [e.plugin, (e.cause as Error).message])).toEqual([['bad', 'sync boom']]);
    expect(ctx.work.changes().kv).toEqual([
      { namespace: 'plugin:good', key: 'k', value: 2 },
      { namespace: 'plugin:after', key: 'k', value: 3 },
    ]);
    // A clean event afterwards is ok again, and reports no stale errors.
    expect(await host.handle(ctxOf(messageEvent('task.done', 'x')))).toEqual({ ok: true, errors: [] });
  });
});
