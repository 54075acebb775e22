import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_PLUGINS, ConfigError, defaultConfig, loadConfig, maskSecrets, parseConfig } from '../../src/config/index.js';

const base = '/srv/bot';

const full = `# a realistic config
fleep:
  server: https://fleep.io/
  email: \${FLEEP_EMAIL}
  password: \${FLEEP_PASSWORD}
bot:
  prefix: '?'
  timezone: America/New_York
  admins: [boss@example.com, 0a1b2c3d-0000-4000-8000-000000000001]
  roles:
    ops: [ops@example.com]
store:
  sqlite: ./state/bot.db
  onCorrupt: resync
outbound:
  perConversation: { perSecond: 1, burst: 3 }
  global: { perSecond: 10 }
  maxMessageLength: 4000
  maxRetryAfter: 2m
  giveUpAfter: 3600000
runtime:
  concurrency: 4
  handlerTimeout: 30s
  drainTimeout: 5s
  maxAttempts: 5
http:
  host: 0.0.0.0
  port: \${HTTP_PORT:-9100}
  enabled: false
log: { level: debug, pretty: false }
sandbox: { port: 0, seed: 42, holdMs: 100, dataFile: null }
plugins:
  help:
  tasks: { board: true }
  pins: false
  ./plugins/my-plugin.ts:
    apiKey: \${MY_KEY}
    nested: { webhook: "https://x.example/hook?token=\${MY_KEY}" }
  "@acme/fleep-weather": true
  fleepkit-plugin-jokes: {}
  npm:tsks: {}
`;

describe('parseConfig: a full config', () => {
  const env = { FLEEP_EMAIL: 'bot@example.com', FLEEP_PASSWORD: 'hunter2-pw', MY_KEY: 'k-123-secret' };
  const loaded = parseConfig(full, { env, baseDir: base, file: 'bot.config.yaml' });
  const { config } = loaded;

  it('types and normalises every section', () => {
    expect(config.fleep).toEqual({ server: 'https://fleep.io', email: 'bot@example.com', password: 'hunter2-pw' });
    expect(config.bot).toEqual({
      prefix: '?',
      timezone: 'America/New_York',
      admins: ['boss@example.com', '0a1b2c3d-0000-4000-8000-000000000001'],
      roles: { ops: ['ops@example.com'] },
      cooldown: { limit: 5, window: 10_000 },
      unknownCommandReply: true,
    });
    expect(config.store).toEqual({ kind: 'sqlite', path: path.resolve(base, 'state/bot.db'), onCorrupt: 'resync' });
    expect(config.outbound).toEqual({
      perConversation: { perSecond: 1, burst: 3 },
      global: { perSecond: 10 },
      maxMessageLength: 4000,
      maxRetryAfter: 120_000,
      giveUpAfter: 3_600_000,
      pacing: true,
    });
    expect(config.runtime).toEqual({ concurrency: 4, handlerTimeout: 30_000, drainTimeout: 5_000, maxAttempts: 5 });
    expect(config.http).toEqual({ host: '0.0.0.0', port: 9100, enabled: false });
    expect(config.log).toEqual({ level: 'debug', pretty: false, sensitiveLogs: false });
    expect(config.sandbox).toEqual({ port: 0, host: '127.0.0.1', seed: '42', holdMs: 100, dataFile: null });
    expect(loaded.baseDir).toBe(base);
    expect(loaded.file).toBe('bot.config.yaml');
  });

  it('resolves plugins in file order, leaving out disabled ones', () => {
    expect(config.plugins).toEqual([
      { name: 'help', source: 'builtin', specifier: 'help', key: 'help', options: {} },
      { name: 'tasks', source: 'builtin', specifier: 'tasks', key: 'tasks', options: { board: true } },
      {
        name: 'my-plugin',
        source: 'path',
        specifier: path.resolve(base, 'plugins/my-plugin.ts'),
        key: './plugins/my-plugin.ts',
        options: { apiKey: 'k-123-secret', nested: { webhook: 'https://x.example/hook?token=k-123-secret' } },
      },
      { name: '@acme/fleep-weather', source: 'package', specifier: '@acme/fleep-weather', key: '@acme/fleep-weather', options: {} },
      { name: 'fleepkit-plugin-jokes', source: 'package', specifier: 'fleepkit-plugin-jokes', key: 'fleepkit-plugin-jokes', options: {} },
      { name: 'tsks', source: 'package', specifier: 'tsks', key: 'npm:tsks', options: {} },
    ]);
  });

  it('collects secrets and masks them for display', () => {
    expect(loaded.secrets.sort()).toEqual(['hunter2-pw', 'k-123-secret']);
    const masked = maskSecrets(config);
    const text = JSON.stringify(masked);
    expect(text).not.toContain('hunter2-pw');
    expect(text).not.toContain('k-123-secret');
    expect(masked.fleep.password).toBe('***');
    expect(masked.plugins[2]?.options).toEqual({ apiKey: '***', nested: { webhook: 'https://x.example/hook?token=***' } });
    expect(config.fleep.password).toBe('hunter2-pw'); // the original is untouched
  });
});

describe('parseConfig: defaults', () => {
  it('an empty file is the embedded sandbox, SQLite under ./data and no plugins', () => {
    const config = defaultConfig(base);
    expect(config).toEqual({
      fleep: { server: 'sandbox' },
      bot: { prefix: '!', timezone: 'Europe/Tallinn', admins: [], roles: {}, cooldown: { limit: 5, window: 10_000 }, unknownCommandReply: true },
      store: { kind: 'sqlite', path: path.resolve(base, 'data/fleepkit.db'), onCorrupt: 'refuse' },
      outbound: {
        perConversation: { perSecond: 2, burst: 5 },
        global: { perSecond: 20 },
        maxMessageLength: 10_000,
        maxRetryAfter: 900_000,
        giveUpAfter: 900_000,
        pacing: true,
      },
      runtime: { handlerTimeout: 60_000, drainTimeout: 10_000, maxAttempts: 3 },
      http: { host: '127.0.0.1', port: 8701, enabled: true },
      log: { level: 'info', pretty: 'auto', sensitiveLogs: false },
      sandbox: { port: 8700, host: '127.0.0.1', seed: 'demo', holdMs: 90_000, dataFile: path.resolve(base, 'data/sandbox.json') },
      plugins: [],
    });
    expect(parseConfig('# only a comment\n', { baseDir: base }).config).toEqual(config);
    expect(parseConfig('bot: {}\nplugins:\n', { baseDir: base }).config).toEqual(config);
  });

  it('fills defaults inside partly written sections and accepts memory / :memory: stores', () => {
    const { config } = parseConfig('outbound:\n  perConversation: { burst: 9 }\nstore: { memory: true }\n', { baseDir: base });
    expect(config.outbound.perConversation).toEqual({ perSecond: 2, burst: 9 });
    expect(config.store).toEqual({ kind: 'memory', onCorrupt: 'refuse' });
    expect(parseConfig('store: { sqlite: ":memory:" }', { baseDir: base }).config.store).toMatchObject({ path: ':memory:' });
    expect(BUILTIN_PLUGINS).toEqual(['help', 'reactions', 'tasks', 'pins', 'standup', 'reminders']);
  });
});

describe('parseConfig: ${VAR} interpolation', () => {
  const env = { HOST: 'h.example', EMPTY: '', PORT: '9000', FLAG: 'false' };
  const cases: Array<[string, unknown]> = [
    ['"${HOST}"', 'h.example'],
    ['"x-${HOST}-y ${PORT}"', 'x-h.example-y 9000'],
    ['"${MISSING:-fallback value}"', 'fallback value'],
    ['"${EMPTY:-used when empty}"', 'used when empty'],
    ['"${MISSING:-}"', ''],
    ['"$${HOST} stays literal"', '${HOST} stays literal'],
    ['"no refs, $ and {} alone"', 'no refs, $ and {} alone'],
  ];
  it.each(cases)('seed: %s → %j', (written, expected) => {
    expect(parseConfig(`sandbox:\n  seed: ${written}\n`, { env }).config.sandbox.seed).toBe(expected);
  });

  it('re-types unquoted values (port: ${PORT}) but keeps quoted ones as strings', () => {
    const { config } = parseConfig('http:\n  port: ${PORT}\n  enabled: ${FLAG}\nsandbox:\n  seed: "${PORT}"\n', { env });
    expect(config.http.port).toBe(9000);
    expect(config.http.enabled).toBe(false);
    expect(config.sandbox.seed).toBe('9000');
  });

  it('never reads process.env: only the injected env counts', () => {
    process.env.FLEEPKIT_TEST_ONLY_VAR = 'from-process';
    try {
      expect(() => parseConfig('sandbox: { seed: "${FLEEPKIT_TEST_ONLY_VAR}" }', { env: {} })).toThrow(ConfigError);
    } finally {
      delete process.env.FLEEPKIT_TEST_ONLY_VAR;
    }
  });
});

describe('loadConfig', () => {
  it('reads a file and resolves relative paths against its directory', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fleepkit-config-'));
    const file = path.join(dir, 'bot.config.yaml');
    await writeFile(file, 'plugins:\n  ./plugins/echo.ts: { greeting: hi }\nstore: { sqlite: db/x.db }\n');
    const loaded = await loadConfig(file, { env: {} });
    expect(loaded.baseDir).toBe(dir);
    expect(loaded.config.plugins[0]).toEqual({ name: 'echo', key: './plugins/echo.ts', source: 'path', specifier: path.join(dir, 'plugins/echo.ts'), options: { greeting: 'hi' } });
    expect(loaded.config.store).toMatchObject({ path: path.join(dir, 'db/x.db') });
  });

  it('a missing file is a ConfigError that says how to create one', async () => {
    const err = await loadConfig('/nonexistent/dir/bot.config.yaml', { env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('CONFIG');
    expect((err as ConfigError).message).toContain('/nonexistent/dir/bot.config.yaml config file not found; create one with `fleepkit init`');
  });
});
