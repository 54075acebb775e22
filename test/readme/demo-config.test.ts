/**
 * The demo bot (`npm start` runs the repository's bot.config.yaml) does what its replies say.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, parseConfig } from 'fleepkit';
import { createTestBot, type TestBot, type TestBotOptions } from 'fleepkit/testing';
import { runCheck } from '../../src/cli/check.js';
import { loadPlugins } from '../../src/cli/load-plugins.js';
import tasks from '../../plugins/tasks/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { config } = parseConfig(readFileSync(`${root}bot.config.yaml`, 'utf8'), { baseDir: root });

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('the demo bot.config.yaml', () => {
  it('logs a bug as a task and says just that', async () => {
    const loaded = await loadPlugins(config.plugins, root);
    const plugins = loaded.plugins.map((p) => p.plugin) as unknown as NonNullable<TestBotOptions['plugins']>;
    t = await createTestBot({ plugins, config: loaded.pluginConfig });
    const nr = await t.say('alice', 'Team', 'bug: login page is blank');
    await t.idle();
    const bug = (await t.messages('Team')).find((m) => m.nr === nr);
    expect(bug).toMatchObject({ isTask: true, isPinned: false, reactions: { '🐛': ['bot'] } });
    expect(await t.lastReply('Team')).toBe(`Logged bug #${nr} as a task: bug: login page is blank`);
  });

  it('warns at start about a tasks rule that asks for both a task and a pin', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', destination: { write: (line: string) => lines.push(line) } });
    const options = { rules: [{ name: 'both', match: { prefix: 'x' }, task: true, pin: true }] };
    t = await createTestBot({ plugins: [tasks] as unknown as NonNullable<TestBotOptions['plugins']>, config: { tasks: options }, logger });
    expect(lines.join('')).toMatch(/rule \\"both\\" asks for a task and a pin; a Fleep message is a task or pinned, not both/);
  });

  it('fleepkit check warns about such a rule and still passes the config', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fleepkit-check-'));
    const file = path.join(dir, 'bot.config.yaml');
    writeFileSync(file, 'fleep:\n  server: sandbox\nplugins:\n  tasks:\n    rules:\n      - { name: both, match: { prefix: "bug:" }, task: true, pin: true }\n');
    let err = '';
    const code = await runCheck(file, {}, { stdout: { write: () => true }, stderr: { write: (t: string) => (err += t) } });
    expect(code).toBe(0);
    expect(err).toContain('warning: tasks: rule "both" asks for a task and a pin');
  });
});
