import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from 'fleepkit';
import { createTestBot, type TestBot, type TestBotOptions } from 'fleepkit/testing';
import tasks from '../../plugins/tasks/index.js';

const dir = path.dirname(fileURLToPath(import.meta.url));
const { config } = parseConfig(readFileSync(path.join(dir, 'bot.config.yaml'), 'utf8'), { baseDir: dir });
const options = config.plugins.find((p) => p.name === 'tasks')?.options;
// TestBotOptions.plugins is typed Plugin<never>[] (test-kit typing bug, reported); the cast only bridges that.
const plugins = [tasks] as unknown as NonNullable<TestBotOptions['plugins']>;

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const byNr = async (tb: TestBot, nr: number) => (await tb.messages('Team')).find((m) => m.nr === nr);

describe('examples/triage-bot', () => {
  it('is a config-only bot: the built-in tasks plugin with its rules', () => {
    expect(config.fleep.server).toBe('sandbox');
    expect(config.plugins).toEqual([expect.objectContaining({ name: 'help', source: 'builtin' }), expect.objectContaining({ name: 'tasks', source: 'builtin' })]);
    expect(tasks.config?.safeParse(options).success).toBe(true);
  });

  it('triages the team’s messages as the config says', async () => {
    // Monday 05:00 UTC = 07:00 in Tallinn, two hours before the digest.
    t = await createTestBot({ plugins, config: { tasks: options }, bot: { timezone: config.bot.timezone }, now: '2026-03-02T05:00:00Z' });
    const todo = await t.say('alice', 'Team', 'TODO: fix the build @bob');
    const bug1 = await t.say('alice', 'Team', 'bug: login page is blank');
    const bug2 = await t.say('carol', 'Team', 'bug: search is slow, urgent');
    const decision = await t.say('bob', 'Team', 'We go with Postgres #decision');
    await t.idle();

    expect(await byNr(t, todo)).toMatchObject({ isTask: true, assignees: ['bob'], reactions: { '👍': ['bot'] } });
    expect(await byNr(t, bug1)).toMatchObject({ isTask: true, assignees: ['bob'], reactions: { '🐛': ['bot'] } });
    expect(await byNr(t, bug2)).toMatchObject({ isTask: true, assignees: ['carol'], reactions: { '🐛': ['bot'], '🔥': ['bot'] } });
    expect(await byNr(t, decision)).toMatchObject({ isPinned: true, isTask: false });
    expect((await t.replies('Team')).map((r) => r.text)).toEqual([
      `Thanks Alice! Bug #${bug1} is now a task for Bob.`,
      `Thanks Carol! Bug #${bug2} is now a task for Carol.`,
    ]);

    await t.say('bob', 'Team', `!done ${todo}`);
    await t.idle();
    await t.clock.advance('2h');
    await t.idle();
    expect(await t.lastReply('Team')).toBe(
      [
        'Good morning! Open tasks (2):',
        `#${bug1} bug: login page is blank — Bob · 2h`,
        `#${bug2} bug: search is slow, urgent — Carol · 2h`,
      ].join('\n'),
    );
  });
});
