/**
 * Every example answers `!help` when run as `fleepkit run -c examples/<name>/bot.config.yaml`
 * runs it: its YAML parsed, its plugins loaded as the CLI loads them, against the sandbox.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from 'fleepkit';
import { createTestBot, type TestBot, type TestBotOptions } from 'fleepkit/testing';
import { loadPlugins } from '../../src/cli/load-plugins.js';

const root = fileURLToPath(new URL('../../examples/', import.meta.url));
const examples = readdirSync(root).filter((name) => existsSync(path.join(root, name, 'bot.config.yaml')));

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('examples', () => {
  it('are all here', () => {
    expect(examples).toEqual(expect.arrayContaining(['hello', 'reminder-bot', 'standup-bot', 'triage-bot']));
  });

  it.each(examples)('%s answers !help with its commands', async (name) => {
    const dir = path.join(root, name);
    const { config } = parseConfig(readFileSync(path.join(dir, 'bot.config.yaml'), 'utf8'), { baseDir: dir });
    const loaded = await loadPlugins(config.plugins, dir);
    const plugins = loaded.plugins.map((p) => p.plugin) as unknown as NonNullable<TestBotOptions['plugins']>;
    t = await createTestBot({ plugins, config: loaded.pluginConfig });
    await t.say('alice', 'Team', '!help');
    await t.idle();
    const reply = await t.lastReply('Team');
    expect(reply).toMatch(/^Commands/);
    expect(reply).not.toMatch(/I don.t know the command/);
  });
});
