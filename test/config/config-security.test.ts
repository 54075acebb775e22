import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/index.js';

function issuesOf(text: string, env: Record<string, string> = {}): Array<{ path: string; message: string; line: number }> {
  try {
    parseConfig(text, { env, baseDir: '/srv/bot' });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).issues];
  }
  throw new Error('expected a ConfigError');
}

function prototypeIsClean(): void {
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted).toBeUndefined();
  expect(probe.isAdmin).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
}

afterEach(prototypeIsClean);

describe('R-37 malicious configs', () => {
  it('rejects a YAML merge key, even one smuggling __proto__', () => {
    const issues = issuesOf('defaults: &d { prefix: "?" }\nbot:\n  <<: *d\n');
    expect(issues).toEqual([expect.objectContaining({ line: 3, path: 'bot["<<"]', message: 'YAML merge keys (<<) are not supported' })]);
    const smuggled = issuesOf('bot:\n  <<: { __proto__: { polluted: yes } }\n');
    expect(smuggled.map((i) => i.message)).toContain('YAML merge keys (<<) are not supported');
  });

  it('rejects a JSON-style {"__proto__": …} config', () => {
    const issues = issuesOf('{"__proto__": {"polluted": "yes", "isAdmin": true}}');
    expect(issues).toEqual([expect.objectContaining({ path: '__proto__', message: "key '__proto__' is not allowed (a reserved JavaScript name)" })]);
  });

  it('rejects __proto__, constructor and prototype anywhere, including plugin options', () => {
    const issues = issuesOf(
      [
        'plugins:',
        '  tasks:',
        '    rules:',
        '      - match: x',
        '        __proto__: { polluted: 1 }',
        '  ./p.ts: { constructor: { prototype: { polluted: 1 } } }',
        'bot:',
        '  roles: { prototype: [a] }',
      ].join('\n'),
    );
    expect(issues.map((i) => i.path)).toEqual(['plugins.tasks.rules[0].__proto__', 'plugins["./p.ts"].constructor', 'bot.roles.prototype']);
  });

  it('keeps a quoted "<<" as an ordinary key', () => {
    const { config } = parseConfig('plugins:\n  tasks: { "<<": 1 }\n');
    expect(Object.keys(config.plugins[0]?.options ?? {})).toEqual(['<<']);
  });

  it('rejects non-core tags', () => {
    for (const tag of ['!!js/function', '!!python/object:os.system', '!custom', '!!binary']) {
      const issues = issuesOf(`sandbox:\n  seed: ${tag} "x"\n`);
      expect(issues[0]).toMatchObject({ path: 'sandbox.seed', line: 2 });
      expect(issues[0]?.message).toMatch(/^tag .* is not allowed$/);
    }
    expect(parseConfig('sandbox:\n  seed: !!str 5\n').config.sandbox.seed).toBe('5');
  });

  it('bounds alias expansion (billion laughs)', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    // Each "lol" is an interpolated ${LOL}: counting the env reads counts the values built.
    // Unbounded, the aliases would build 10^9 of them; the cap stops at 100,000 nodes in all.
    let reads = 0;
    const env = new Proxy({} as Record<string, string>, {
      get: (_target, key) => {
        if (key === 'LOL') reads++;
        return key === 'LOL' ? 'lol' : undefined;
      },
    });
    const text = `plugins:\n  tasks:\n${lines.map((l) => `    ${l.replaceAll('"lol"', '"${LOL}"')}`).join('\n')}\n`;
    let issues: ConfigError['issues'] = [];
    try {
      parseConfig(text, { env, baseDir: '/srv/bot' });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      issues = (err as ConfigError).issues;
    }
    expect(issues.some((i) => i.message.includes('expands to more than'))).toBe(true);
    expect(reads).toBeGreaterThan(1_000);
    expect(reads).toBeLessThanOrEqual(100_000);
  });

  it('allows ordinary anchors and aliases', () => {
    const { config } = parseConfig('bot:\n  admins: &admins [a@b.c]\n  roles:\n    ops: *admins\n');
    expect(config.bot.roles).toEqual({ ops: ['a@b.c'] });
  });
});

describe('R-29 fuzzing the loader', () => {
  const fragments = [
    'bot:', 'fleep:', 'plugins:', 'store:', '  prefix: x', '  tasks: {a: 1}', '<<: *a', '&a ', '*a', '__proto__: 1', 'constructor:',
    '${X}', '${X:-d}', '$${', '${', '!!js/function', '!x', '{', '}', '[', ']', '- ', ': ', '"', "'", '#', '\n', '  ', '\t', '---', '...',
    '? ', '|', '>', '%YAML 1.1', '0x1F', '.inf', '~', 'null', 'true', '1e400', '\u0000', '\ufeff', '&b [*b]',
  ];
  const yamlish = fc.array(fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 8 })), { maxLength: 40 }).map((parts) => parts.join(''));

  it('arbitrary text never throws anything but ConfigError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), yamlish, fc.json().map((j) => `plugins:\n  tasks: ${j}\n`)), (text) => {
        try {
          parseConfig(text, { env: { X: 'v' }, baseDir: '/srv/bot' });
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          expect(err.issues.length).toBeGreaterThan(0);
          for (const i of err.issues) expect(i.line).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 1_500 },
    );
    prototypeIsClean();
  });

  // Its parse time is measured in bench/micro.ts, not asserted here.
  it('parses a 64 KB config completely', () => {
    const rules = Array.from({ length: 900 }, (_, i) => `      - { match: "rule-${i}", reply: "answer number ${i} with some text" }`);
    const text = `plugins:\n  tasks:\n    rules:\n${rules.join('\n')}\n`;
    expect(text.length).toBeGreaterThan(64_000);
    const { config } = parseConfig(text);
    const parsed = config.plugins[0]?.options.rules as Array<{ match: string; reply: string }>;
    expect(parsed).toHaveLength(900);
    expect(parsed[899]).toEqual({ match: 'rule-899', reply: 'answer number 899 with some text' });
  });
});
