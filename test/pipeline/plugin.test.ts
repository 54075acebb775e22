import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Context } from '../../src/pipeline/context.js';
import type { MiddlewareError} from '../../src/pipeline/errors.js';
import { PluginConfigError, PluginError } from '../../src/pipeline/errors.js';
import { definePlugin } from '../../src/pipeline/plugin.js';
import { loadPlugins, PluginHost } from '../../src/pipeline/plugin-host.js';
import { ALICE, captureLogger, ctxOf, GROUP, makeDeps, say, scheduleEvent } from './helpers.js';

const noop = definePlugin({ name: 'noop', setup: () => undefined });

describe('definePlugin', () => {
  it('returns a frozen, plain object with no hidden symbols', () => {
    const p = definePlugin({ name: 'standup', config: z.object({ at: z.string().default('0 9 * * 1-5') }), requires: ['noop'], setup: () => undefined });
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.getOwnPropertySymbols(p)).toEqual([]);
    expect(Object.keys(p).sort()).toEqual(['config', 'name', 'onStart', 'onStop', 'requires', 'setup']);
  });

  it('rejects malformed definitions clearly', () => {
    expect(() => definePlugin({ name: 'Bad Name', setup: () => undefined })).toThrow(/name must be lower-case/);
    expect(() => definePlugin({ name: 'x', setup: 3 as unknown as () => void })).toThrow('Plugin "x": setup(bot, config) must be a function');
    expect(() => definePlugin({ name: 'x', config: {} as z.ZodType, setup: () => undefined })).toThrow(/must be a zod schema/);
  });
});

describe('loadPlugins', () => {
  const { logger } = captureLogger();

  it('validates config, applies defaults and passes it to setup', async () => {
    let seen: { at: string; team: string[] } | undefined;
    const standup = definePlugin({
      name: 'standup',
      config: z.object({ at: z.string().default('0 9 * * 1-5'), team: z.array(z.string()) }),
      setup: (_bot, config) => {
        seen = config;
      },
    });
    await loadPlugins([standup], { standup: { team: [ALICE] } }, { logger });
    expect(seen).toEqual({ at: '0 9 * * 1-5', team: [ALICE] });
  });

  it('config errors name the plugin and the key path, with what was expected', async () => {
    const standup = definePlugin({ name: 'standup', config: z.object({ channels: z.array(z.object({ id: z.string() })) }), setup: () => undefined });
    const err = await loadPlugins([standup], { standup: { channels: [{ id: 5 }] } }, { logger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginConfigError);
    expect((err as PluginConfigError).issues[0]?.path).toBe('channels.0.id');
    expect((err as Error).message).toMatch(/^Plugin "standup" has an invalid config; fix these keys under plugins.standup:\n {2}- plugins.standup.channels.0.id: .*expected string, received number/);
  });

  it('checks requires, naming both plugins', async () => {
    const standup = definePlugin({ name: 'standup', requires: ['commands'], setup: () => undefined });
    await expect(loadPlugins([standup], {}, { logger })).rejects.toThrow('Plugin "standup" requires plugin "commands", which is not loaded. Add "commands" to the bot\'s plugins.');
    await expect(loadPlugins([noop, noop], {}, { logger })).rejects.toThrow(/loaded twice/);
  });

  it('a throwing setup is reported with the plugin name', async () => {
    const bad = definePlugin({
      name: 'bad',
      setup: () => {
        throw new Error('nope');
      },
    });
    await expect(loadPlugins([bad], {}, { logger })).rejects.toThrow('Plugin "bad" failed in setup(): nope');
  });
});

describe('fault isolation and the error funnel (R-38)', () => {
  function plugins(log: string[]) {
    const syncThrow = definePlugin({
      name: 'sync-throw',
      setup: (bot) => {
        bot.on('message.new', async (ctx) => {
          await ctx.store.plugin.set('half', 'done');
          throw new Error('sync boom');
        });
      },
    });
    const rejects = definePlugin({ name: 'rejects', setup: (bot) => bot.on('message.new', () => Promise.reject(new Error('async boom'))) });
    const good = definePlugin({
      name: 'good',
      setup: (bot) => {
        bot.on('message.new', async (ctx) => {
          log.push(`good:${ctx.plugin}`);
          await ctx.store.plugin.set('seen', true);
        });
      },
    });
    return [syncThrow, rejects, good];
  }

  it('attributes, counts and funnels errors; other plugins still run; failed writes are dropped', async () => {
    const log: string[] = [];
    const { logger } = captureLogger();
    const host = await loadPlugins(plugins(log), {}, { logger });
    const funnel: MiddlewareError[] = [];
    host.catch((err) => void funnel.push(err));
    host.seal();
    const ctx = ctxOf(say('hi'), makeDeps());
    const result = await host.handle(ctx);
    expect(result.ok).toBe(false);
    expect(result.errors.map((e) => [e.plugin, e.eventId, (e.cause as Error).message])).toEqual([
      ['sync-throw', ctx.event.id, 'sync boom'],
      ['rejects', ctx.event.id, 'async boom'],
    ]);
    expect(funnel).toHaveLength(2);
    expect(log).toEqual(['good:good']);
    expect(ctx.work.changes().kv).toEqual([{ namespace: 'plugin:good', key: 'seen', value: true }]);
    expect(host.counters()).toMatchObject({ 'sync-throw': { handled: 1, errors: 1 }, rejects: { errors: 1 }, good: { handled: 1, errors: 0 } });
  });

  it('a throwing error handler is caught and logged; a plugin can have its own handler', async () => {
    const log: string[] = [];
    const { logger, lines } = captureLogger();
    const own: string[] = [];
    const withCatch = definePlugin({
      name: 'with-catch',
      setup: (bot) => {
        bot.catch((err) => void own.push(err.plugin ?? '?'));
        bot.on('message.new', () => {
          throw new Error('mine');
        });
      },
    });
    const host = await loadPlugins([...plugins(log), withCatch], {}, { logger });
    host.catch(() => {
      throw new Error('funnel broke');
    });
    const result = await host.handle(ctxOf(say('hi')));
    expect(result.errors).toHaveLength(3);
    expect(own).toEqual(['with-catch']);
    expect(lines.filter((l) => l.msg === 'the error handler itself failed')).toHaveLength(2);
    expect(host.counters()['']?.errorHandlerFailures).toBe(2);
  });

  it('without a funnel errors are logged with event id and plugin', async () => {
    const { logger, lines } = captureLogger();
    const host = await loadPlugins(plugins([]), {}, { logger });
    const ctx = ctxOf(say('hi'));
    await host.handle(ctx);
    expect(lines.filter((l) => l.msg === 'handler failed').map((l) => [l.plugin, l.eventId])).toEqual([
      ['sync-throw', ctx.event.id],
      ['rejects', ctx.event.id],
    ]);
  });

  it('global middleware that throws stops the event (fail closed)', async () => {
    const log: string[] = [];
    const { logger } = captureLogger();
    const host = new PluginHost({ logger });
    host.use(() => {
      throw new Error('auth down');
    });
    await host.load(plugins(log));
    const result = await host.handle(ctxOf(say('hi')));
    expect(log).toEqual([]);
    expect(result.errors.map((e) => [e.plugin, (e.cause as Error).message])).toEqual([[undefined, 'auth down']]);
  });
});

describe('lifecycle and schedules', () => {
  it('registering after start throws; onStart/onStop run; cron routes firings by name', async () => {
    const { logger } = captureLogger();
    const events: string[] = [];
    let api: { command: (n: string, o: object, h: () => void) => unknown } | undefined;
    const standup = definePlugin({
      name: 'standup',
      config: z.object({ at: z.string().default('0 9 * * 1-5') }),
      setup(bot, config) {
        api = bot;
        bot.cron(config.at, { tz: 'Europe/Tallinn', conversationId: GROUP }, async (ctx) => {
          events.push(`fired:${ctx.event.name}`);
          await ctx.reply('Standup time!');
        });
      },
      onStart: () => void events.push('start'),
      onStop: () => void events.push('stop'),
    });
    const host = await loadPlugins([standup], {}, { logger });
    expect(host.crons).toEqual([{ plugin: 'standup', name: 'standup:0 9 * * 1-5', expression: '0 9 * * 1-5', options: { tz: 'Europe/Tallinn', conversationId: GROUP } }]);
    await host.start();
    expect(() => api?.command('late', {}, () => undefined)).toThrow(PluginError);
    expect(() => api?.command('late', {}, () => undefined)).toThrow("bot.command('late') was called after bot.start(); register handlers in your plugin's setup()");
    const deps = makeDeps();
    await host.handle(new Context(scheduleEvent({ name: 'standup:0 9 * * 1-5', conversationId: GROUP }), deps));
    await host.handle(new Context(scheduleEvent({ name: 'other:job' }), deps));
    await host.stop();
    expect(events).toEqual(['start', 'fired:standup:0 9 * * 1-5', 'stop']);
    expect(deps.effects).toEqual([{ method: 'message/send', conversationId: GROUP, body: { message: 'Standup time!' } }]);
  });

  it('commands from plugins are attributed and listed for help', async () => {
    const { logger } = captureLogger();
    const ping = definePlugin({ name: 'ping', setup: (bot) => void bot.command('ping', { description: 'Pong' }, (ctx) => ctx.reply('pong')) });
    const host = await loadPlugins([ping], {}, { logger });
    expect(host.commands().map((c) => [c.name, c.plugin, c.usage])).toEqual([['ping', 'ping', '!ping']]);
    const deps = makeDeps();
    await deps.store.open();
    await host.handle(ctxOf(say('!ping'), deps));
    await host.handle(ctxOf(say('!pnig'), deps));
    expect(deps.effects.map((e) => e.body.message)).toEqual(['pong', "I don't know the command !pnig. Did you mean !ping?"]);
  });
});
