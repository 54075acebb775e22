import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { initProject } from '../../src/cli/init.js';
import { REPO, runCli } from './helpers.js';

function npm(args: string[], cwd: string): { status: number | null; output: string } {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' }, timeout: 300_000 });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

describe('fleepkit init', () => {
  test('writes a project without machine paths by default, and refuses a non-empty directory', async () => {
    const dir = path.join(await mkdtemp(path.join(tmpdir(), 'fleepkit-init-')), 'My Bot');
    const result = await initProject(dir);
    expect(result.files).toEqual(expect.arrayContaining(['package.json', 'bot.config.yaml', 'plugins/hello.ts', 'test/hello.test.ts', 'tsconfig.json', 'vitest.config.ts', 'README.md']));
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> };
    expect(pkg.name).toBe('my-bot');
    expect(pkg.dependencies.fleepkit).toMatch(/^\^\d+\.\d+\.\d+/);
    for (const f of result.files) expect(await readFile(path.join(dir, f), 'utf8')).not.toContain(REPO);
    await expect(initProject(dir)).rejects.toThrow(/is not empty; choose a new directory/);
  });

  test(
    'the scaffold installs, passes its own test, and its config checks (fleepkit linked with file:)',
    async () => {
      const dir = path.join(await mkdtemp(path.join(tmpdir(), 'fleepkit-init-')), 'demo-bot');
      const init = await runCli(['init', dir, '--fleepkit', `file:${REPO}`]);
      expect(init.stderr).toBe('');
      expect(init.code).toBe(0);
      expect(init.stdout).toContain('npm install');

      const install = npm(['install', '--no-audit', '--no-fund'], dir);
      expect(install.status, install.output).toBe(0);
      const tests = npm(['test'], dir);
      expect(tests.status, tests.output).toBe(0);
      expect(tests.output).toMatch(/1 passed/);

      const check = spawnSync(process.execPath, [path.join(dir, 'node_modules', 'fleepkit', 'bin', 'fleepkit.js'), 'check'], { cwd: dir, encoding: 'utf8' });
      expect(check.status, check.stderr).toBe(0);
      expect(check.stdout).toMatch(/plugins loaded: help \(builtin\), hello \(path\)/);
    },
    600_000,
  );
});
