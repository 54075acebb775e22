import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { initProject, initReport } from '../../src/cli/init.js';
import { REPO } from './helpers.js';

// The installs (from an `npm pack` tarball, and with the registry unreachable) are in package.test.ts.

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

describe('fleepkit init', () => {
  test('writes a project without machine paths by default, and refuses a non-empty directory', async () => {
    const dir = path.join(await mkdtemp(path.join(tmpdir(), 'fleepkit-init-')), 'My Bot');
    const result = await initProject(dir);
    expect(result.files).toEqual(expect.arrayContaining(['package.json', 'bot.config.yaml', 'plugins/hello.ts', 'test/hello.test.ts', 'tsconfig.json', 'vitest.config.ts', 'README.md']));
    const pkg = await readJson<{ name: string; dependencies: Record<string, string>; engines: { node: string } }>(path.join(dir, 'package.json'));
    expect(pkg.name).toBe('my-bot');
    expect(pkg.dependencies.fleepkit).toMatch(/^\^\d+\.\d+\.\d+/);
    expect(pkg.engines.node).toBe('>=20.12');
    for (const f of result.files) expect(await readFile(path.join(dir, f), 'utf8')).not.toContain(REPO);
    // Node's types only: the DOM's fetch and timers would clash with them.
    const tsconfig = await readJson<{ compilerOptions: { lib: string[]; types: string[] } }>(path.join(dir, 'tsconfig.json'));
    expect(tsconfig.compilerOptions.lib).toEqual(['ES2023']);
    await expect(initProject(dir)).rejects.toThrow(/is not empty; choose a new directory/);
  });

  test('--fleepkit takes a tarball or a checkout folder (as file: specs relative to the project) or an npm spec', async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'fleepkit-init-'));
    const tarball = path.join(base, 'fleepkit-9.9.9.tgz');
    await writeFile(tarball, '');

    const fromTarball = await initProject(path.join(base, 'a'), { fleepkit: tarball });
    expect(fromTarball.fleepkit).toBe('file:../fleepkit-9.9.9.tgz');
    // A tarball carries dist/: the project resolves fleepkit through its exports.
    expect(await readFile(path.join(base, 'a', 'vitest.config.ts'), 'utf8')).not.toContain('alias');

    const fromCheckout = await initProject(path.join(base, 'b'), { fleepkit: REPO });
    expect(fromCheckout.fleepkit).toBe(`file:${path.relative(path.join(base, 'b'), REPO)}`);
    // A checkout's dist/ may be stale: the project type-checks and tests against its sources.
    expect(await readFile(path.join(base, 'b', 'vitest.config.ts'), 'utf8')).toContain("alias: { 'fleepkit/testing'");
    expect((await readJson<{ compilerOptions: { paths: Record<string, string[]> } }>(path.join(base, 'b', 'tsconfig.json'))).compilerOptions.paths.fleepkit).toEqual([
      './node_modules/fleepkit/src/index.ts',
    ]);

    expect((await initProject(path.join(base, 'c'), { fleepkit: '^1.2.3' })).fleepkit).toBe('^1.2.3');
    await expect(initProject(path.join(base, 'd'), { fleepkit: './nowhere/fleepkit-1.0.0.tgz' })).rejects.toThrow(
      /--fleepkit \.\/nowhere\/fleepkit-1\.0\.0\.tgz: no such file or folder; pass a fleepkit checkout, a tarball made by `npm pack`/,
    );
  });

  test('a registry that cannot supply fleepkit: the project uses this copy, and the report says why and what to run', async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'fleepkit-init-'));
    const asked: string[] = [];
    const unreachable = await initProject(path.join(base, 'x'), {
      checkRegistry: async (name, range) => {
        asked.push(`${name}@${range}`);
        return { available: false, unreachable: true, reason: 'FetchError: request to https://registry.npmjs.org/fleepkit failed, reason: connect ECONNREFUSED' };
      },
    });
    expect(asked).toEqual([expect.stringMatching(/^fleepkit@\^\d+\.\d+\.\d+$/)]);
    expect(unreachable.fleepkit).toBe(`file:${path.relative(path.join(base, 'x'), REPO)}`);
    const report = initReport(unreachable, 'x');
    expect(report).toContain('cannot be installed from the npm registry (FetchError: request to https://registry.npmjs.org/fleepkit failed');
    expect(report).toMatch(/Next:\n {2}cd x\n {2}npm install --offline\n {2}npm test\n {2}npm start\n$/);

    const notPublished = await initProject(path.join(base, 'y'), {
      checkRegistry: async () => ({ available: false, unreachable: false, reason: 'Not Found - GET https://registry.npmjs.org/fleepkit' }),
    });
    const report2 = initReport(notPublished, 'my dir');
    expect(report2).toContain('Once fleepkit is published there, switch with `npm install fleepkit@latest`.');
    expect(report2).toMatch(/Next:\n {2}cd 'my dir'\n {2}npm install\n/);

    const published = await initProject(path.join(base, 'z'), { checkRegistry: async () => ({ available: true }) });
    expect(published.fleepkit).toMatch(/^\^\d/);
    expect(initReport(published, 'z')).not.toContain('cannot be installed');
  });
});
