import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from 'fleepkit';
import { createTestBot, type TestBot } from 'fleepkit/testing';
import reminders from '../../plugins/reminders/index.js';

const dir = path.dirname(fileURLToPath(import.meta.url));
const { config } = parseConfig(readFileSync(path.join(dir, 'bot.config.yaml'), 'utf8'), { baseDir: dir });
const options = config.plugins.find((p) => p.name === 'reminders')?.options ?? {};

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('examples/reminder-bot', () => {
  it('loads the built-in reminders plugin from YAML against the sandbox', () => {
    expect(config.fleep.server).toBe('sandbox');
    expect(config.plugins.map((p) => [p.name, p.source])).toEqual([
      ['help', 'builtin'],
      ['reminders', 'builtin'],
    ]);
    expect(reminders.config?.safeParse(options).success).toBe(true);
  });

  it('does what the config comments promise', async () => {
    // Monday 2 March 2026, 10:00 in Tallinn.
    t = await createTestBot({ plugins: [reminders], config: { reminders: options }, now: '2026-03-02T08:00:00Z' });
    await t.say('alice', 'Team', '!remind me in 10 minutes to check the build');
    await t.say('alice', 'Team', '!remind here tomorrow at 9:00 to deploy');
    await t.say('alice', 'Team', '!remind @bob every monday at 10:00 to send the report');
    await t.idle();
    await t.say('bob', 'Team', '!reminders');
    await t.idle();
    expect(await t.lastReply('Team')).toBe(
      'Reminders here:\n#1 Mon 2 Mar, 10:10 EET — Alice: check the build\n#2 Tue 3 Mar, 09:00 EET — here: deploy\n#3 every Monday at 10:00 (next Mon 9 Mar, 10:00 EET) — Bob: send the report',
    );
    await t.clock.advance('10m');
    await t.idle();
    expect(await t.lastReply('Team')).toBe('@alice ⏰ Reminder: check the build');
    await t.say('alice', 'Team', '!reminders cancel 1');
    await t.idle();
    expect(await t.lastReply('Team')).toBe('There is no reminder #1 here; !reminders lists them.');
  });
});
