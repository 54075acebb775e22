import { describe, expect, test } from 'vitest';
import { botOptionsFromConfig } from '../../src/cli/bot-options.js';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { definePlugin } from '../../src/index.js';
import { createTestBot } from '../../src/testing/index.js';

const ping = definePlugin({
  name: 'ping',
  setup(bot) {
    bot.command('ping', { description: 'Answers pong' }, (ctx) => ctx.reply('pong'));
  },
});

/** Every person says `!ping` `perPerson` times, all at once; resolves the bot's replies. */
async function burst(yaml: string, perPerson: number): Promise<string[]> {
  const { config } = parseConfig(yaml, { baseDir: '/tmp' });
  // Outbound pacing stays the test kit's (off): its manual clock does not move.
  const { outbound: _pacing, ...options } = botOptionsFromConfig(config);
  const t = await createTestBot({ plugins: [ping], bot: options });
  try {
    const people = ['alice', 'bob', 'carol'];
    await Promise.all(people.flatMap((p) => Array.from({ length: perPerson }, () => t.say(p, 'Team', '!ping'))));
    await t.idle();
    return (await t.replies('Team')).map((m) => m.text);
  } finally {
    await t.close();
  }
}

describe('Bot options from bot.config.yaml', () => {
  test('bot.cooldown: false answers every command from every person; the default cooldown says "Slow down"', async () => {
    const off = await burst('bot:\n  cooldown: false\n', 12);
    expect(off.filter((r) => r === 'pong')).toHaveLength(36);
    expect(off.join('\n')).not.toMatch(/slow down/i);

    const byDefault = await burst('bot:\n  prefix: "!"\n', 12);
    expect(byDefault.filter((r) => r === 'pong').length).toBeLessThan(36);
    expect(byDefault.join('\n')).toMatch(/slow down/i);

    const wider = await burst('bot:\n  cooldown: { limit: 12, window: 1m }\n', 12);
    expect(wider.filter((r) => r === 'pong')).toHaveLength(36);
  });

  test('every value option of a Bot can be set in YAML, validated with file:line', () => {
    const { config } = parseConfig(
      [
        'bot:',
        '  prefix: "?"',
        '  timezone: UTC',
        '  cooldown: { limit: 3, window: 30s }',
        '  unknownCommandReply: false',
        'runtime:',
        '  concurrency: 4',
        '  handlerTimeout: 5s',
        '  drainTimeout: 2s',
        '  maxAttempts: 5',
        '  instanceId: blue',
        '  persistSnapshots: false',
        'outbound:',
        '  concurrency: 2',
        '  global: { perSecond: 5, burst: 10 }',
        '',
      ].join('\n'),
      { baseDir: '/tmp' },
    );
    expect(botOptionsFromConfig(config)).toMatchObject({
      prefix: '?',
      timezone: 'UTC',
      cooldown: { limit: 3, windowMs: 30_000 },
      unknownCommandReply: false,
      concurrency: 4,
      handlerTimeoutMs: 5_000,
      drainTimeoutMs: 2_000,
      maxAttempts: 5,
      instanceId: 'blue',
      persistSnapshots: false,
      outbound: { concurrency: 2, rates: { global: { perSecond: 5, burst: 10 } } },
    });
    expect(botOptionsFromConfig(parseConfig('outbound:\n  pacing: false\n', { baseDir: '/tmp' }).config).outbound?.rates).toBe(false);

    let error: unknown;
    try {
      parseConfig('bot:\n  cooldown: { limit: 0, windw: 1m }\n', { file: 'bot.config.yaml', baseDir: '/tmp' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).issues.map((i) => `${i.file}:${i.line} ${i.path}: ${i.message} ${i.hint ?? ''}`).join('\n');
    expect(text).toMatch(/bot\.config\.yaml:2 bot\.cooldown\.limit: /);
    expect(text).toMatch(/bot\.config\.yaml:2 bot\.cooldown\.windw: unknown key 'windw'.*did you mean 'window'/);
  });
});

describe('defaults are stated once', () => {
  test('a YAML bot that leaves the concurrencies out gets new Bot\'s defaults (8 sends, 16 conversations)', async () => {
    const { resolveBotOptions } = await import('../../src/runtime/bot-options.js');
    const { DEFAULT_SEND_CONCURRENCY } = await import('../../src/outbound/queue-options.js');
    const { config } = parseConfig('fleep:\n  server: sandbox\n', { baseDir: '/tmp' });
    const options = botOptionsFromConfig(config);
    expect(options.outbound?.concurrency).toBeUndefined();
    expect(DEFAULT_SEND_CONCURRENCY).toBe(8);
    expect(resolveBotOptions({ server: 'x', email: 'e', password: 'p', ...options }).concurrency).toBe(16);
  });
});
