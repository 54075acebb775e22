/**
 * Keeps README.md true. Every fenced code block is checked according to the HTML comment on the
 * line before it:
 *
 * - `<!-- file: <path> -->` — the block must equal that repository file exactly (so the code in
 *   the README is the type-checked, tested file; edit the file, then paste it here).
 * - `<!-- fragment -->` — (ts only) the block is a self-contained module; it is written to
 *   `test/readme/.generated/` and type-checked with the TypeScript compiler API against the
 *   repository's tsconfig (which maps `fleepkit` and `fleepkit/testing` to `src/`).
 * - `<!-- config -->` — (yaml only) the block is a whole `bot.config.yaml`: it must pass
 *   `parseConfig`, and every plugin's options must pass that plugin's schema (`loadPlugins`).
 *
 * Every `ts` block must carry `file:` or `fragment`, so no TypeScript in the README escapes the
 * compiler. Separately, every `--option` written after `fleepkit <command>` in a shell block must
 * appear in that command's real `--help`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { loadPlugins } from '../../src/cli/load-plugins.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const generated = path.join(root, 'test/readme/.generated');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

/** One fenced block of the README. */
interface Block {
  lang: string;
  code: string;
  /** The marker comment on the line before the fence, without `<!--`/`-->`, or `''`. */
  marker: string;
  /** 1-based line of the opening fence. */
  line: number;
}

function blocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i] as string);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] as string); i++) body.push(lines[i] as string);
    let j = start - 1;
    while (j >= 0 && (lines[j] as string).trim() === '') j--;
    const comment = /^<!--\s*(.*?)\s*-->$/.exec((lines[j] ?? '').trim());
    out.push({ lang: open[1] ?? '', code: body.join('\n'), marker: comment?.[1] ?? '', line: start + 1 });
  }
  return out;
}

const all = blocks(readme);
const isTs = (b: Block): boolean => b.lang === 'ts' || b.lang === 'typescript';
const fileOf = (b: Block): string | undefined => /^file:\s*(\S+)$/.exec(b.marker)?.[1];

afterAll(() => rmSync(generated, { recursive: true, force: true }));

describe('README.md', () => {
  it('has code blocks to check (the extractor works)', () => {
    expect(all.filter(isTs).length).toBeGreaterThan(3);
    expect(all.some((b) => fileOf(b) === 'examples/hello/hello.ts')).toBe(true);
    expect(all.some((b) => fileOf(b) === 'examples/hello/hello.test.ts')).toBe(true);
  });

  it('marks every ts block as a repository file or a type-checked fragment', () => {
    const unmarked = all.filter((b) => isTs(b) && fileOf(b) === undefined && b.marker !== 'fragment').map((b) => `README.md:${b.line}`);
    expect(unmarked, 'add <!-- file: path --> or <!-- fragment --> before these blocks').toEqual([]);
  });

  it('shows repository files exactly as they are', () => {
    const drift: string[] = [];
    for (const b of all) {
      const file = fileOf(b);
      if (file === undefined) continue;
      const actual = readFileSync(path.join(root, file), 'utf8').replace(/\n$/, '');
      if (actual !== b.code) drift.push(`README.md:${b.line} differs from ${file}`);
    }
    expect(drift).toEqual([]);
  });

  it('has fragments that type-check against the public API', () => {
    const fragments = all.filter((b) => isTs(b) && b.marker === 'fragment');
    expect(fragments.length).toBeGreaterThan(0);
    rmSync(generated, { recursive: true, force: true });
    mkdirSync(generated, { recursive: true });
    const files = fragments.map((b) => {
      const file = path.join(generated, `readme-line-${b.line}.ts`);
      writeFileSync(file, `${b.code}\n`);
      return file;
    });
    const configFile = ts.readConfigFile(path.join(root, 'tsconfig.json'), (p) => ts.sys.readFile(p));
    const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
    const program = ts.createProgram(files, { ...parsed.options, noEmit: true });
    const problems = files.flatMap((file) =>
      ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => {
        const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
        const line = Number(/readme-line-(\d+)/.exec(file)?.[1]) + (where ? where.line + 1 : 0);
        return `README.md:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      }),
    );
    expect(problems).toEqual([]);
  }, 120_000);

  it('has config examples that fleepkit accepts, plugin options included', async () => {
    const configs = all.filter((b) => b.marker === 'config');
    expect(configs.length).toBeGreaterThan(0);
    for (const b of configs) {
      const { config } = parseConfig(b.code, { file: `README.md:${b.line}`, baseDir: root, env: { FLEEP_EMAIL: 'bot@example.com', FLEEP_PASSWORD: 'x' } });
      await expect(loadPlugins(config.plugins, root), `README.md:${b.line}`).resolves.toBeDefined();
    }
  });

  it('mentions only CLI options that exist', () => {
    const used = new Map<string, Set<string>>();
    for (const b of all.filter((x) => x.lang === 'sh')) {
      for (const line of b.code.split('\n')) {
        const m = /fleepkit (run|sandbox|init|check)\b(.*)$/.exec(line.replace(/#.*$/, ''));
        if (!m) continue;
        const set = used.get(m[1] as string) ?? new Set<string>();
        for (const opt of (m[2] as string).matchAll(/(?:^|[\s[])(--?[a-z][a-z-]*)/g)) set.add(opt[1] as string);
        used.set(m[1] as string, set);
      }
    }
    expect([...used.keys()].sort()).toEqual(['check', 'init', 'run', 'sandbox']);
    const unknown: string[] = [];
    for (const [command, options] of used) {
      const help = spawnSync(process.execPath, [path.join(root, 'bin/fleepkit.js'), command, '--help'], { cwd: root, encoding: 'utf8' }).stdout;
      for (const o of options) if (!new RegExp(`(^|[\\s,])${o}\\b`).test(help)) unknown.push(`fleepkit ${command} ${o}`);
    }
    expect(unknown).toEqual([]);
  }, 60_000);
});
