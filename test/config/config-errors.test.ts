import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/index.js';
import type { ConfigIssue } from '../../src/config/index.js';

/** Parses, expects a ConfigError, returns it. */
function fail(text: string, env: Record<string, string> = {}): ConfigError {
  try {
    parseConfig(text, { file: 'bot.config.yaml', env, baseDir: '/srv/bot' });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

function only(err: ConfigError): ConfigIssue {
  expect(err.issues).toHaveLength(1);
  return err.issues[0] as ConfigIssue;
}

describe('ConfigError issues name file, line, column and key path', () => {
  it('type error', () => {
    const err = fail('bot:\n  admins: []\n  prefix: 5\n');
    expect(only(err)).toEqual({ file: 'bot.config.yaml', line: 3, column: 11, path: 'bot.prefix', message: 'expected a string, got number' });
    expect(err.message).toBe('Invalid config in bot.config.yaml:\n  bot.config.yaml:3:11 bot.prefix: expected a string, got number');
  });

  it('unknown key with the nearest known key suggested, at the key itself', () => {
    const issue = only(fail('bot:\n  prefx: "?"\n'));
    expect(issue).toMatchObject({ line: 2, column: 3, path: 'bot.prefx', message: "unknown key 'prefx' in bot", hint: "did you mean 'prefix'?" });
    const top = only(fail('runtim:\n  concurrency: 2\n'));
    expect(top).toMatchObject({ line: 1, column: 1, path: 'runtim', message: "unknown key 'runtim' in the top level", hint: "did you mean 'runtime'?" });
    const nested = only(fail('outbound:\n  perConversation:\n    brust: 3\n'));
    expect(nested).toMatchObject({ line: 3, path: 'outbound.perConversation.brust', hint: "did you mean 'burst'?" });
    const far = only(fail('log:\n  zzzzzzzz: 1\n'));
    expect(far.hint).toBe('allowed: level, pretty, sensitiveLogs');
  });

  it('missing environment variable names the variable', () => {
    const issue = only(fail('fleep:\n  server: https://fleep.io\n  email: bot@x.io\n  password: ${FLEEP_PASSWORD}\n'));
    expect(issue).toMatchObject({ line: 4, column: 13, path: 'fleep.password', message: 'environment variable FLEEP_PASSWORD is not set' });
    expect(issue.hint).toContain('${FLEEP_PASSWORD:-value}');
    expect(only(fail('sandbox: { seed: "${bad name}" }')).message).toContain('malformed variable reference');
    expect(only(fail('sandbox: { seed: "${UNCLOSED" }')).message).toContain('malformed variable reference');
  });

  it('invalid time zone, with a suggestion', () => {
    const issue = only(fail('bot:\n  timezone: Europe/Talin\n'));
    expect(issue).toMatchObject({ line: 2, column: 13, path: 'bot.timezone', message: "unknown IANA time zone 'Europe/Talin'", hint: "did you mean 'Europe/Tallinn'?" });
  });

  it('bad duration', () => {
    const issue = only(fail('runtime:\n  handlerTimeout: 5 parsecs\n'));
    expect(issue).toMatchObject({ line: 2, path: 'runtime.handlerTimeout', message: "expected a duration such as '90s', '15m' or a number of ms, got '5 parsecs'" });
    expect(only(fail('outbound: { giveUpAfter: -5 }')).path).toBe('outbound.giveUpAfter');
    expect(only(fail('outbound: { maxRetryAfter: [1] }')).message).toContain('got a list');
  });

  it('redis is not supported yet, and stores are exclusive', () => {
    const issue = only(fail('store:\n  redis: redis://localhost:6379\n'));
    expect(issue).toMatchObject({ line: 2, column: 3, path: 'store.redis', message: 'the redis store is not supported yet' });
    expect(issue.hint).toContain('sqlite');
    expect(only(fail('store: { memory: true, sqlite: x.db }')).message).toContain('choose one store');
    expect(only(fail('store: { onCorrupt: wipe }')).message).toBe("expected one of 'refuse', 'resync', got 'wipe'");
  });

  it('ranges, enums and unions say what is allowed', () => {
    expect(only(fail('http: { port: 70000 }')).message).toBe('must be ≤ 65535, got 70000');
    expect(only(fail('runtime: { concurrency: 0 }')).message).toBe('must be ≥ 1, got 0');
    expect(only(fail('log: { level: verbose }')).message).toContain("expected one of 'fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent', got 'verbose'");
    expect(only(fail('log: { pretty: yes }')).message).toBe("expected a boolean or 'auto', got 'yes'");
    expect(only(fail('fleep: { server: ftp://x }')).message).toBe("expected 'sandbox' or an http(s) base URL such as https://fleep.io, got 'ftp://x'");
    expect(only(fail('bot: { prefix: "" }')).message).toBe('must not be empty');
    expect(only(fail('- a\n- b\n'))).toMatchObject({ path: '', message: expect.stringContaining('expected a mapping of sections') });
  });

  it('a URL server needs credentials, reported at the fleep key', () => {
    const err = fail('bot: {}\nfleep:\n  server: https://fleep.io\n');
    expect(err.issues.map((i) => [i.path, i.line])).toEqual([
      ['fleep.email', 2],
      ['fleep.password', 2],
    ]);
  });

  it('plugin problems: typo of a built-in, bad name, bad options, duplicates', () => {
    const err = fail('plugins:\n  tsks: {}\n  Bad Name: {}\n  help: [1]\n  ./x/tasks.ts: {}\n  tasks: {}\n');
    expect(err.issues.map((i) => [i.line, i.path, i.message])).toEqual([
      [2, 'plugins.tsks', "unknown plugin 'tsks'"],
      [3, 'plugins["Bad Name"]', expect.stringContaining("'Bad Name' is not a built-in plugin")],
      [4, 'plugins.help', "expected the plugin's options (a mapping), true or false, got a list"],
      [6, 'plugins.tasks', "two plugins are named 'tasks' ('./x/tasks.ts' and 'tasks')"],
    ]);
    expect(err.issues[0]?.hint).toContain("did you mean 'tasks'?");
    expect(only(fail('plugins: [help]')).message).toContain('expected a mapping from plugin name to its options');
  });

  it('YAML syntax errors carry their position and stop after a few', () => {
    const issue = fail('bot:\n  prefix: "!\n').issues[0];
    expect(issue?.message).toMatch(/^YAML syntax error/);
    expect(issue?.line).toBeGreaterThanOrEqual(2);
    expect(fail('a: 1\na: 2\n').issues[0]).toMatchObject({ line: 2, hint: 'remove one of the two entries' });
    const flow = fail('sandbox: {seed: ${X}, port: 1}\n'.repeat(10), { X: '1' });
    expect(flow.issues.length).toBeLessThanOrEqual(4);
    expect(flow.issues[0]?.hint).toContain('quote values that contain ${...}');
  });

  it('lists every problem at once, in file order', () => {
    const err = fail('bot:\n  prefx: "?"\nruntime:\n  concurrency: -1\nhttp:\n  port: x\n');
    expect(err.issues.map((i) => i.line)).toEqual([2, 4, 6]);
    expect(err.message.split('\n')[0]).toBe('Invalid config in bot.config.yaml (3 problems):');
  });

  it('never puts a secret value in the error', () => {
    const err = fail('fleep:\n  server: https://fleep.io\n  email: a@b\n  password: ${PW}\nbot: { prefix: 1, timezone: "${PW}" }\nlog: { level: "${PW}" }\nplugins:\n  ./p.ts: { token: "${PW}" }\n', { PW: 'Sup3rS3cret' });
    expect(err.message).toContain("unknown IANA time zone '***'");
    expect(err.message).toContain("got '***'");
    expect(err.message).not.toContain('Sup3rS3cret');
    expect(JSON.stringify(err.issues)).not.toContain('Sup3rS3cret');
  });
});
