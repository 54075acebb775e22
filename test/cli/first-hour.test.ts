/**
 * The first hour with one's own plugins: each mistake gets its own message naming the file and
 * what to do, and `fleepkit check` finds everything `fleepkit run` would refuse, in one pass.
 */
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO, runCli, tempProject } from './helpers.js';

const plugin = (name: string, setup: string): string => `import { definePlugin } from 'fleepkit';
export default definePlugin({
  name: '${name}',
  setup(bot) {
${setup}
  },
});
`;

describe('the first hour', () => {
  test("README's hello.ts in a folder without \"type\": \"module\": check and run say which package.json to change", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fleepkit-cjs-'));
    await copyFile(path.join(REPO, 'examples', 'hello', 'hello.ts'), path.join(dir, 'hello.ts'));
    await writeFile(path.join(dir, 'package.json'), '{ "name": "my-bot", "private": true }\n');
    await writeFile(path.join(dir, 'bot.config.yaml'), 'sandbox:\n  port: 0\nhttp:\n  port: 0\nplugins:\n  ./hello.ts: {}\n');
    const file = path.join(dir, 'hello.ts');
    const expected = `${file} would load as CommonJS (${path.join(dir, 'package.json')} has no "type": "module"), but plugins are ES modules`;
    for (const command of ['check', 'run']) {
      const r = await runCli([command], { cwd: dir });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(expected);
      expect(r.stderr).toContain('(`npm pkg set type=module`), or rename the file to');
      expect(r.stderr).not.toContain('Cannot require() ES Module');
    }
  });

  test('check reports every problem run would refuse in one pass, each naming its file, and exits 2', async () => {
    const dir = await tempProject({
      'syntax.ts': plugin('syntax', "    bot.command('x', { description: 'x' }, (ctx) => ctx.reply('x' +));"),
      'named.ts': `import { definePlugin } from 'fleepkit';\nexport const named = definePlugin({ name: 'named', setup() {} });\n`,
      'throws.ts': plugin('throws', "    throw new Error('WEATHER_KEY is not set');"),
      'first.ts': plugin('first', "    bot.command('deploy', { description: 'Deploys' }, (ctx) => ctx.reply('ok'));"),
      'second.ts': plugin('second', "    bot.command('deploy', { description: 'Deploys too' }, (ctx) => ctx.reply('ok'));"),
      'badcron.ts': plugin('badcron', "    bot.cron('0 25 * * *', {}, async () => undefined);"),
      'bot.config.yaml': [
        'bot:',
        '  prefx: "!"',
        'plugins:',
        '  ./syntax.ts: {}',
        '  ./named.ts: {}',
        '  ./throws.ts: {}',
        '  ./first.ts: {}',
        '  ./second.ts: {}',
        '  ./badcron.ts: {}',
        '  standup:',
        '    conversations: [Team]',
        '    schedule: every morning',
        '  tasks:',
        '    digest:',
        '      cron: "0 9 * * 8"',
        '',
      ].join('\n'),
    });
    const at = (f: string): string => path.join(dir, f);
    const r = await runCli(['check'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    const err = r.stderr;
    expect(err).toMatch(/^bot\.config\.yaml: 8 problems$/m);
    expect(err).toMatch(/bot\.config\.yaml:2:3 bot\.prefx: unknown key 'prefx'.*did you mean 'prefix'/);
    expect(err).toContain(`plugin 'syntax': syntax error in ${at('syntax.ts')}:5:`);
    expect(err).toContain(`plugin 'named': ${at('named.ts')} exports the plugin as 'named' but not as default; add \`export default named;\``);
    expect(err).toContain(`plugin 'throws' (${at('throws.ts')}) threw in setup() at ${at('throws.ts')}:5: WEATHER_KEY is not set`);
    expect(err).toMatch(new RegExp(`plugin 'second' \\(${at('second.ts').replace(/[.\\/]/g, '\\$&')}\\) threw in setup\\(\\).*"deploy".*first`));
    expect(err).toMatch(/plugin 'badcron' .* threw in setup\(\).*0 25 \* \* \*/);
    expect(err).toMatch(/bot\.config\.yaml:12:\d+ plugins\.standup\.schedule: .*every morning/);
    expect(err).toMatch(/bot\.config\.yaml:15:\d+ plugins\.tasks\.digest\.cron: .*0 9 \* \* 8/);
  });
});
