import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOG_LEVELS, createLogger, silentLogger } from '../../src/util/logger.js';
import type { LogDestination, Logger } from '../../src/util/logger.js';
import { REDACTED, isSensitiveKey } from '../../src/util/redact.js';

function capture(isTTY = false): { dest: LogDestination; lines: string[]; text: () => string } {
  const lines: string[] = [];
  return { dest: { write: (s: string) => void lines.push(s), isTTY }, lines, text: () => lines.join('') };
}

const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/** Secrets avoid `[`/`]` so they cannot be spelled by the `[REDACTED]` marker. */
const secretArb = fc
  .string({ unit: fc.constantFrom(...'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789-_.~!$+=/ "\\äß'.split('')), minLength: 8, maxLength: 24 })
  .map((s) => `Sx${s}`);

function valueArb(secrets: string[]): fc.Arbitrary<unknown> {
  const secret = fc.constantFrom(...secrets);
  const embedded = fc.tuple(fc.string(), secret, fc.string()).map(([a, s, b]) => `${a}${s}${b}`);
  const url = secret.map((s) => `https://fleep.example/api/account/poll?ticket=${encodeURIComponent(s)}&x=1`);
  const leaf = fc.oneof(fc.string(), embedded, url, fc.integer(), fc.boolean(), fc.constant(null), secret);
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('tree'), { maxLength: 4 }),
      fc.dictionary(fc.oneof(fc.string(), embedded), tie('tree'), { maxKeys: 4 }),
      fc.tuple(embedded, tie('tree')).map(([msg, cause]) => new Error(`failed: ${msg}`, { cause })),
    ),
  }));
  return tree;
}

function assertClean(output: string, secrets: string[]): void {
  for (const s of secrets) {
    expect(output).not.toContain(s);
    expect(output).not.toContain(JSON.stringify(s).slice(1, -1));
    expect(output).not.toContain(encodeURIComponent(s));
  }
}

describe('createLogger value redaction (R-32)', () => {
  it('never writes a configured secret, whatever the structure, level or call shape', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(secretArb, { minLength: 1, maxLength: 3 }).chain((secrets) =>
          fc.tuple(fc.constant(secrets), valueArb(secrets), fc.constantFrom(...secrets), fc.constantFrom(...levels)),
        ),
        ([secrets, value, one, level]) => {
          const out = capture();
          const log = createLogger({ level: 'trace', destination: out.dest, secrets: () => secrets });
          log[level]({ data: value }, `login with ${one}`);
          log[level](new Error(`request failed for ${one}`, { cause: new Error(`inner ${one}`) }));
          log[level]('interpolated %s then %j', one, { v: value });
          log.child({ eventId: 'e1', ctx: value }).child({ plugin: one })[level]({ value }, 'child');
          expect(out.lines.length).toBe(4);
          assertClean(out.text(), secrets);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('picks up a new secret from the callback at once, even in bindings made before it existed', () => {
    const out = capture();
    const secrets: string[] = [];
    const log = createLogger({ destination: out.dest, secrets: () => secrets });
    const child = log.child({ eventId: 'e1', note: 'ticket is T1ck3t-0001' });
    secrets.push('T1ck3t-0001');
    child.info({ ok: true }, 'polled with T1ck3t-0001');
    expect(out.text()).not.toContain('T1ck3t-0001');
    const line = JSON.parse(out.lines[0] ?? '{}') as Record<string, unknown>;
    expect(line.eventId).toBe('e1');
    expect(line.msg).toBe(`polled with ${REDACTED}`);
  });

  it('redacts error messages, stacks, own properties and the whole cause chain', () => {
    const out = capture();
    const log = createLogger({ destination: out.dest, secrets: () => ['pw-hunter2'] });
    const inner = Object.assign(new Error('db said pw-hunter2'), { code: 'E_AUTH', detail: { password: 'zzz' } });
    const agg = new AggregateError([new Error('a pw-hunter2')], 'many pw-hunter2', { cause: inner });
    log.error(agg);
    expect(out.text()).not.toContain('pw-hunter2');
    expect(out.text()).not.toContain('zzz');
    const line = JSON.parse(out.lines[0] ?? '{}') as { err: Record<string, unknown>; msg: string };
    expect(line.msg).toBe(`many ${REDACTED}`);
    expect(line.err.type).toBe('AggregateError');
    expect(line.err.stack).toContain('AggregateError');
    const cause = line.err.cause as Record<string, unknown>;
    expect(cause).toMatchObject({ message: `db said ${REDACTED}`, code: 'E_AUTH', detail: { password: REDACTED } });
    expect(line.err.errors).toEqual([expect.objectContaining({ message: `a ${REDACTED}` })]);
  });

  it('survives cycles, deep nesting, odd values and a __proto__ key', () => {
    const out = capture();
    const log = createLogger({ destination: out.dest, secrets: () => ['sek-123456'] });
    const cyc: Record<string, unknown> = { name: 'sek-123456' };
    cyc.self = cyc;
    let deep: Record<string, unknown> = { leaf: 'sek-123456' };
    for (let i = 0; i < 30; i++) deep = { deep };
    const proto = JSON.parse('{"__proto__": {"polluted": "sek-123456"}}') as object;
    log.info({ cyc, deep, proto, when: new Date(0), buf: Buffer.from('sek-123456'), m: new Map([['k', 'sek-123456']]), f: () => 1, n: 123n });
    const text = out.text();
    expect(text).not.toContain('sek-123456');
    expect(text).toContain('[Circular]');
    expect(text).toContain('[Truncated]');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('sensitiveLogs shows values but still censors sensitive keys', () => {
    const out = capture();
    const log = createLogger({ destination: out.dest, secrets: () => ['visible-secret'], sensitiveLogs: true });
    log.info({ password: 'visible-secret', note: 'visible-secret' }, 'debug visible-secret');
    const line = JSON.parse(out.lines[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({ password: REDACTED, note: 'visible-secret', msg: 'debug visible-secret' });
  });
});

describe('createLogger key redaction', () => {
  it('censors credential keys at any depth, case-insensitively, without configured secrets', () => {
    const out = capture();
    const log = createLogger({ destination: out.dest });
    log.info({
      password: 'p1',
      user: { Ticket: 't1', profile: { TOKEN_ID: 't2', accessToken: 't3', name: 'Ann' } },
      headers: { Authorization: 'Bearer a1', 'set-cookie': ['token_id=c1'], Cookie: 'c2', 'X-Api-Key': 'k1' },
      list: [{ secret: 's1' }, { api_key: 'k2' }],
      url: 'https://h/x?token_id=u1&ticket=u2&ok=1',
    });
    const text = out.text();
    for (const v of ['p1', 't1', 't2', 't3', 'a1', 'c1', 'c2', 'k1', 's1', 'k2', 'u1', 'u2']) expect(text).not.toContain(`${v}"`);
    const line = JSON.parse(out.lines[0] ?? '{}') as Record<string, Record<string, unknown>>;
    expect(line.user).toEqual({ Ticket: REDACTED, profile: { TOKEN_ID: REDACTED, accessToken: REDACTED, name: 'Ann' } });
    expect(line.headers).toEqual({ Authorization: REDACTED, 'set-cookie': REDACTED, Cookie: REDACTED, 'X-Api-Key': REDACTED });
    expect(line.url).toBe(`https://h/x?token_id=${REDACTED}&ticket=${REDACTED}&ok=1`);
    expect(line.password).toBe(REDACTED);
  });

  it('classifies keys', () => {
    for (const k of ['token', 'token_id', 'ticket', 'password', 'cookie', 'set-cookie', 'authorization', 'secret', 'api_key', 'apiKey', 'clientSecret']) {
      expect(isSensitiveKey(k)).toBe(true);
    }
    for (const k of ['eventId', 'conversationId', 'plugin', 'message', 'tokens_used', 'author']) expect(isSensitiveKey(k)).toBe(false);
  });
});

describe('createLogger output', () => {
  it('writes JSON by default and honours the level', () => {
    const out = capture();
    const log: Logger = createLogger({ level: 'warn', destination: out.dest, base: { app: 'bot' } });
    log.info('hidden');
    log.warn({ conversationId: 'c1' }, 'shown');
    expect(out.lines).toHaveLength(1);
    expect(JSON.parse(out.lines[0] ?? '{}')).toMatchObject({ level: 40, app: 'bot', conversationId: 'c1', msg: 'shown' });
  });

  it("is pretty when asked, or with 'auto' on a TTY", () => {
    for (const [pretty, tty] of [[true, false], ['auto', true]] as const) {
      const out = capture(tty);
      createLogger({ pretty, destination: out.dest, secrets: () => ['pp-secret-1'] }).info({ k: 'pp-secret-1' }, 'hello pp-secret-1');
      expect(out.text()).toContain('hello');
      expect(out.text()).not.toContain('pp-secret-1');
      expect(() => JSON.parse(out.text())).toThrow();
    }
    const plain = capture(false);
    createLogger({ pretty: 'auto', destination: plain.dest }).info('x');
    expect(JSON.parse(plain.text())).toMatchObject({ msg: 'x' });
  });

  it('rejects an unknown level with the list of valid ones', () => {
    expect(() => createLogger({ level: 'verbose' as never })).toThrow(/Unknown log level "verbose"; use one of fatal, error/);
    expect(LOG_LEVELS).toContain('silent');
    expect(silentLogger.level).toBe('silent');
  });
});
