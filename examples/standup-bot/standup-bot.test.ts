import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from 'fleepkit';
import { createTestBot, type TestBot } from 'fleepkit/testing';
import standup from '../../plugins/standup/index.js';

const dir = path.dirname(fileURLToPath(import.meta.url));
const { config } = parseConfig(readFileSync(path.join(dir, 'bot.config.yaml'), 'utf8'), { baseDir: dir });
const options = config.plugins.find((p) => p.name === 'standup')?.options ?? {};

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('examples/standup-bot', () => {
  it('loads the built-in standup plugin from YAML against the sandbox', () => {
    expect(config.fleep.server).toBe('sandbox');
    expect(config.plugins.map((p) => [p.name, p.source])).toEqual([
      ['help', 'builtin'],
      ['standup', 'builtin'],
    ]);
    expect(standup.config?.safeParse(options).success).toBe(true);
  });

  it('runs in Team on schedule without being told "!standup here": the bot finds Team by topic', async () => {
    // Monday 2 March 2026, 08:50 in Tallinn.
    t = await createTestBot({ plugins: [standup], config: { standup: options }, now: '2026-03-02T06:50:00Z', bot: { timezone: config.bot.timezone } });
    await t.clock.advance('10m');
    await t.idle();
    expect(await t.lastReply('Team')).toMatch(/^Good morning! Time for the standup\./);
  });

  it('runs the weekday standup in Team after "!standup here", with the configured window', async () => {
    // Monday 2 March 2026, 08:50 in Tallinn.
    t = await createTestBot({ plugins: [standup], config: { standup: options }, now: '2026-03-02T06:50:00Z', bot: { timezone: config.bot.timezone } });
    await t.say('alice', 'Team', '!standup here');
    await t.idle();
    expect(await t.lastReply('Team')).toBe('Standups will run here, next on Mon 2 Mar at 09:00 EET.');
    await t.clock.advance('10m');
    await t.idle();
    expect(await t.lastReply('Team')).toMatch(/^Good morning! Time for the standup\.\n1\. What did you do yesterday\?[\s\S]*summary at 11:00 EET/);
    await t.say('alice', 'Team', 'Shipped the fix. Today: release. No blockers.');
    await t.say('bob', 'Team', 'Reviews. Docs. Nothing.');
    await t.say('carol', 'Team', 'Planning. Interviews. None.');
    await t.idle();
    expect(await t.lastReply('Team')).toMatch(/^Standup summary, Mon 2 Mar:\n\nAlice:\nShipped the fix/);
  });
});
