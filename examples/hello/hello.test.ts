import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from 'fleepkit';
import { createTestBot, type TestBot } from 'fleepkit/testing';
import hello from './hello.js';

const dir = path.dirname(fileURLToPath(import.meta.url));

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('examples/hello', () => {
  it('answers !hello with the asker\'s name', async () => {
    t = await createTestBot({ plugins: [hello] });
    await t.say('alice', 'Team', '!hello');
    await t.idle();
    expect(await t.lastReply('Team')).toBe('Hello, Alice!');
    await t.say('alice', 'dm:alice', 'hello');
    await t.idle();
    expect(await t.lastReply('dm:alice')).toBe('Hello, Alice!');
  });

  it('ships a bot.config.yaml that runs the plugin by path against the sandbox', () => {
    const { config } = parseConfig(readFileSync(path.join(dir, 'bot.config.yaml'), 'utf8'), { baseDir: dir });
    expect(config.fleep.server).toBe('sandbox');
    expect(config.plugins).toEqual([
      expect.objectContaining({ name: 'help', source: 'builtin' }),
      expect.objectContaining({ name: 'hello', source: 'path', specifier: path.join(dir, 'hello.ts') }),
    ]);
  });
});
