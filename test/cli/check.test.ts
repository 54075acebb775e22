import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { PING_PLUGIN, REPO, runCli, tempProject, testConfig } from './helpers.js';

describe('fleepkit check', () => {
  test("the repository's bot.config.yaml is valid and every built-in plugin loads", async () => {
    const r = await runCli(['check', '-c', path.join(REPO, 'bot.config.yaml')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('is valid');
    expect(r.stdout).toMatch(/password: "?\*\*\*"?/);
    expect(r.stdout).not.toMatch(/password: demo/);
    expect(r.stdout).toMatch(/plugins loaded: help \(builtin\), reactions \(builtin\), tasks \(builtin\), pins \(builtin\), standup \(builtin\), reminders \(builtin\)/);
  });

  test('secrets from the environment are masked everywhere in the printed config', async () => {
    const secret = 's3cr3t-Pa55word';
    const dir = await tempProject({
      'bot.config.yaml': `fleep:\n  server: http://127.0.0.1:9\n  email: \${FLEEP_EMAIL}\n  password: \${FLEEP_PASSWORD}\n${testConfig()}`,
      'ping.ts': PING_PLUGIN,
    });
    const r = await runCli(['check'], { cwd: dir, env: { FLEEP_EMAIL: 'bot@example.com', FLEEP_PASSWORD: secret } });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(r.stdout).toContain('email: bot@example.com');
    expect(r.stdout).toContain('ping (path)');
  });

  test('a broken config exits 2 and lists every problem with file:line:column', async () => {
    const dir = await tempProject({
      'bot.config.yaml': 'bot:\n  prefx: "!"\nhttp:\n  port: seventy\n',
    });
    const r = await runCli(['check'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/bot\.config\.yaml:2:3 bot\.prefx: unknown key 'prefx'.*did you mean 'prefix'/);
    expect(r.stderr).toMatch(/bot\.config\.yaml:4:9 http\.port: /);
  });

  test('a missing variable, a missing file and a missing plugin each exit 2 with what to do', async () => {
    const dir = await tempProject({
      'bot.config.yaml': 'fleep:\n  server: https://fleep.io\n  email: ${FLEEP_EMAIL}\n  password: ${FLEEP_PASSWORD}\n',
      'plugins.yaml': 'plugins:\n  ./nope.ts: {}\n',
    });
    const env = { FLEEP_EMAIL: '', FLEEP_PASSWORD: '' };
    const noVar = await runCli(['check'], { cwd: dir, env: { ...process.env, ...env, FLEEP_EMAIL: undefined, FLEEP_PASSWORD: undefined } });
    expect(noVar.code).toBe(2);
    expect(noVar.stderr).toMatch(/bot\.config\.yaml:3:\d+.*FLEEP_EMAIL/);

    const noFile = await runCli(['check', '-c', 'absent.yaml'], { cwd: dir });
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('config file not found');

    const noPlugin = await runCli(['check', '-c', 'plugins.yaml'], { cwd: dir });
    expect(noPlugin.code).toBe(2);
    expect(noPlugin.stderr).toMatch(/plugin file not found: .*nope\.ts/);
  });

  test('--help documents the exit codes; an unknown option exits 2', async () => {
    const help = await runCli(['check', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*2 {2}usage or config error[\s\S]*4 {2}login failed/);
    const bad = await runCli(['check', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown option '--bogus'");
  });
});
