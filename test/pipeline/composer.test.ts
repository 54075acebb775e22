import { describe, expect, expectTypeOf, it } from 'vitest';
import { Composer, type HearsContext } from '../../src/pipeline/composer.js';
import type { Context } from '../../src/pipeline/context.js';
import { MiddlewareError, PluginError } from '../../src/pipeline/errors.js';
import type { EventMap } from '../../src/pipeline/events.js';
import { ctxOf, makeDeps, memberEvent, messageEvent, reactionEvent, say } from './helpers.js';

describe('Composer filters', () => {
  it('on() matches exact keys and prefixes', async () => {
    const seen: string[] = [];
    const bot = new Composer();
    bot.on('message.pinned', (ctx) => void seen.push(`pinned:${ctx.event.message.messageNr}`));
    bot.on('task', (ctx) => void seen.push(`task:${ctx.event.type}`));
    bot.on(['member.joined', 'reaction'], (ctx) => void seen.push(`multi:${ctx.event.type}`));
    for (const e of [messageEvent('message.pinned', 'p'), messageEvent('task.done', 't'), messageEvent('message.new', 'n'), memberEvent(), reactionEvent('👍')]) {
      await bot.run(ctxOf(e));
    }
    expect(seen).toEqual(['pinned:7', 'task:task.done', 'multi:member.joined', 'multi:reaction.added']);
  });

  it('rejects unknown queries with the list of valid ones', () => {
    expect(() => new Composer().on('mesage.new' as 'message.new')).toThrow(/unknown event query "mesage.new"; use one of message.new/);
  });

  it('filter() passes only matching events; async predicates work', async () => {
    const seen: string[] = [];
    const bot = new Composer();
    bot.filter(async (ctx) => ctx.text.startsWith('a'), (ctx) => void seen.push(ctx.text));
    await bot.run(ctxOf(say('apple')));
    await bot.run(ctxOf(say('banana')));
    expect(seen).toEqual(['apple']);
  });

  it('hears() sets ctx.match; strings match the whole text ignoring case', async () => {
    const seen: string[] = [];
    const bot = new Composer();
    bot.hears(/^deploy (\w+)/, (ctx) => void seen.push(`re:${ctx.match[1]}`));
    bot.hears('Hello bot', (ctx) => void seen.push(`str:${ctx.match[0]}`));
    await bot.run(ctxOf(say('deploy prod')));
    await bot.run(ctxOf(say('  hello BOT ')));
    await bot.run(ctxOf(say('hello bot!')));
    await bot.run(ctxOf(messageEvent('message.edited', 'deploy x')));
    expect(seen).toEqual(['re:prod', 'str:  hello BOT ']);
  });

  it('reaction(), task(kind), pin()', async () => {
    const seen: string[] = [];
    const bot = new Composer();
    bot.reaction(['👍', '✅'], (ctx) => void seen.push(`r:${ctx.event.emoji}`));
    bot.task('done', (ctx) => void seen.push(`done:${ctx.event.message.text}`));
    bot.task((ctx) => void seen.push(`any:${ctx.event.type}`));
    bot.pin((ctx) => void seen.push(`pin:${ctx.event.message.text}`));
    for (const e of [reactionEvent('👍'), reactionEvent('😀'), messageEvent('task.done', 'a'), messageEvent('task.created', 'b'), messageEvent('message.pinned', 'c')]) {
      await bot.run(ctxOf(e));
    }
    expect(seen).toEqual(['r:👍', 'done:a', 'any:task.created', 'pin:c']);
  });

  it('a handler that does not call next stops later handlers; use() order holds', async () => {
    const seen: string[] = [];
    const bot = new Composer();
    bot.use(async (_c, next) => {
      seen.push('mw');
      await next();
    });
    bot.on('message.new', () => void seen.push('first'));
    bot.on('message.new', () => void seen.push('second'));
    await bot.run(ctxOf(say('x')));
    expect(seen).toEqual(['mw', 'first']);
  });
});

describe('errorBoundary', () => {
  it('catches errors inside, as MiddlewareError with the event id; lets downstream errors pass', async () => {
    const caught: MiddlewareError[] = [];
    const bot = new Composer();
    const ctx = ctxOf(say('x'));
    bot.errorBoundary((err) => void caught.push(err), () => {
      throw new Error('inner');
    });
    await bot.run(ctx);
    expect(caught).toHaveLength(1);
    expect(caught[0]).toBeInstanceOf(MiddlewareError);
    expect(caught[0]?.eventId).toBe(ctx.event.id);
    expect((caught[0]?.cause as Error).message).toBe('inner');

    const outer = new Composer();
    outer.errorBoundary(() => void caught.push(new MiddlewareError({ eventId: 'no', cause: 'wrong' })), (_c, next) => next());
    outer.use(() => {
      throw new Error('downstream');
    });
    await expect(outer.run(ctxOf(say('y')))).rejects.toThrow('downstream');
    expect(caught).toHaveLength(1);
  });
});

describe('sealing', () => {
  it('registering after start throws an explanatory error', () => {
    const bot = new Composer({ plugin: 'demo' });
    const child = bot.on('message.new');
    bot.seal();
    expect(() => bot.command('x', {}, () => undefined)).toThrow(
      "bot.command('x') was called after bot.start(); register handlers in your plugin's setup()",
    );
    expect(() => child.use(() => undefined)).toThrow(PluginError);
    expect(() => bot.on('task')).toThrow(/bot\.on\('task'\) was called after bot\.start\(\)/);
  });
});

describe('type narrowing from the one event table', () => {
  it('narrows on(), filter(), hears(), reaction(), task()', () => {
    const bot = new Composer();
    bot.on('message.pinned', (ctx) => {
      expectTypeOf(ctx).toEqualTypeOf<Context<EventMap['message.pinned']>>();
      expectTypeOf(ctx.event.message).toEqualTypeOf<EventMap['message.pinned']['message']>();
      expectTypeOf(ctx.conversationId).toEqualTypeOf<string>();
    });
    bot.on('task', (ctx) => {
      expectTypeOf(ctx.event.type).toEqualTypeOf<'task.created' | 'task.done' | 'task.reopened' | 'task.assigned'>();
    });
    bot.on(['member.joined', 'member.left'], (ctx) => {
      expectTypeOf(ctx.event.accountIds).toEqualTypeOf<string[]>();
    });
    bot.on('schedule', (ctx) => {
      expectTypeOf(ctx.conversationId).toEqualTypeOf<string | undefined>();
    });
    const tasks = bot.on('task');
    tasks.on('task.assigned', (ctx) => {
      expectTypeOf(ctx.event.added).toEqualTypeOf<string[]>();
    });
    bot.filter(
      (ctx): ctx is Context<EventMap['reaction.added']> => ctx.event.type === 'reaction.added',
      (ctx) => {
        expectTypeOf(ctx.event.emoji).toEqualTypeOf<string>();
      },
    );
    bot.hears(/x/, (ctx) => {
      expectTypeOf(ctx).toEqualTypeOf<HearsContext>();
      expectTypeOf(ctx.match).toEqualTypeOf<RegExpExecArray>();
    });
    bot.reaction('👍', (ctx) => expectTypeOf(ctx.event.reactorId).toEqualTypeOf<string>());
    bot.task('assigned', (ctx) => expectTypeOf(ctx.event.removed).toEqualTypeOf<string[]>());
    // @ts-expect-error a pinned message event has no `emoji`
    bot.on('message.pinned', (ctx) => ctx.event.emoji);
    expect(makeDeps()).toBeDefined();
  });
});
