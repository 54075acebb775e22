import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { arg, ArgError, parseArgs, validateSchema, type ArgEnv, type ArgSchema } from '../../src/pipeline/command/args.js';
import { MAX_SCAN_CHARS, parseAddressing, tokenize } from '../../src/pipeline/command/parse.js';
import { ALICE, BOB, makeDeps } from './helpers.js';

const deps = makeDeps();
const env: ArgEnv = { contacts: deps.contacts, now: Date.parse('2026-03-02T09:00:00Z') };

describe('tokenize', () => {
  it('splits on whitespace and keeps quoted words together', () => {
    expect(tokenize('a  "two words" “smart quotes” b').map((t) => t.value)).toEqual(['a', 'two words', 'smart quotes', 'b']);
    expect(tokenize('"unterminated rest').map((t) => t.value)).toEqual(['unterminated rest']);
    expect(tokenize('x '.repeat(1000))).toHaveLength(64);
  });
});

describe('argument kinds', () => {
  it('parses each kind', () => {
    const schema = {
      name: arg.string(),
      count: arg.number({ integer: true, min: 1 }),
      flag: arg.boolean(),
      env: arg.enum(['prod', 'staging']),
      who: arg.account(),
      mail: arg.account(),
      wait: arg.duration(),
      text: arg.rest(),
    };
    const args = parseArgs(schema, '"my job" 3 yes PROD @bob alice@example.com 10m the rest, as typed', env);
    expect(args).toEqual({ name: 'my job', count: 3, flag: true, env: 'prod', who: BOB, mail: ALICE, wait: 600_000, text: 'the rest, as typed' });
    expectTypeOf(args).toEqualTypeOf<{ name: string; count: number; flag: boolean; env: 'prod' | 'staging'; who: string; mail: string; wait: number; text: string }>();
  });

  it('a last date argument takes the rest of the text', () => {
    const { when } = parseArgs({ when: arg.date() }, 'tomorrow at 10am', env);
    expect(when.toISOString().slice(0, 10)).toBe('2026-03-03');
  });

  it('optional arguments and defaults', () => {
    const schema = { n: arg.number().default(5), note: arg.string().optional() };
    const a = parseArgs(schema, '', env);
    expect(a).toEqual({ n: 5, note: undefined });
    expectTypeOf(a).toEqualTypeOf<{ n: number; note: string | undefined }>();
    expect(parseArgs(schema, '7 hi', env)).toEqual({ n: 7, note: 'hi' });
  });

  it.each([
    [{ n: arg.number() }, 'abc', 'n: expected a number, got "abc"'],
    [{ n: arg.number({ max: 3 }) }, '4', 'n: must be at most 3, got 4'],
    [{ b: arg.boolean() }, 'maybe', 'b: expected yes or no, got "maybe"'],
    [{ e: arg.enum(['a', 'b']) }, 'c', 'e: expected one of a, b, got "c"'],
    [{ who: arg.account() }, '@nobody', 'who: expected a person as @address or e-mail, got "@nobody"'],
    [{ d: arg.duration() }, 'soon', 'd: expected a duration such as 10m, 1h or 2d, got "soon"'],
    [{ t: arg.date() }, 'blorp', 't: expected a date or time such as "tomorrow 9am", got "blorp"'],
    [{ x: arg.string() }, '', 'missing x'],
    [{ x: arg.string() }, 'a b', 'too many arguments: did not expect "b"'],
  ])('reports bad input: %#', (schema, text, message) => {
    expect(() => parseArgs(schema, text, env)).toThrow(ArgError);
    expect(() => parseArgs(schema, text, env)).toThrow(message);
  });

  it('validates schemas at registration', () => {
    expect(() => validateSchema('c', { a: arg.rest(), b: arg.string() })).toThrow(/must be the last one/);
    expect(() => validateSchema('c', { a: arg.string().optional(), b: arg.string() })).toThrow(/put optional arguments last/);
  });
});

describe('parser bounds (R-36)', () => {
  it('never throws on arbitrary text', () => {
    const schema = { a: arg.number().optional(), b: arg.account().optional(), c: arg.rest().optional() };
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 500 }), (text) => {
        parseAddressing(text, { prefix: '!', botAddress: 'bot', isDirect: () => true });
        try {
          parseArgs(schema, text, env);
        } catch (error) {
          if (!(error instanceof ArgError)) throw error;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('bounds a 1 MB message structurally: it parses exactly like its first 16 KB', () => {
    const input = { prefix: '!', botAddress: 'bot', isDirect: () => true };
    const payloads = [
      `!echo ${'"a b '.repeat(250_000)}`,
      `!x${' '.repeat(1_000_000)}y`,
      `@bot${':'.repeat(1_000_000)}`,
      'a'.repeat(1_000_000),
      `!remind ${'tomorrow '.repeat(120_000)}`,
    ];
    const schemas = [{ x: arg.string() }, { rest: arg.rest() }, { when: arg.date() }] as ArgSchema[];
    const outcome = (schema: ArgSchema, text: string): unknown => {
      try {
        return { args: parseArgs(schema, text, env) };
      } catch (error) {
        expect(error).toBeInstanceOf(ArgError);
        return { error: (error as Error).message };
      }
    };
    for (const text of payloads) {
      expect(text.length).toBeGreaterThanOrEqual(1_000_000);
      const head = text.slice(0, MAX_SCAN_CHARS);
      // Nothing past the first 16 KB can change the result, so the work cannot depend on it.
      const cmd = parseAddressing(text, input);
      const headCmd = parseAddressing(head, input);
      expect(cmd && { ...cmd, truncated: false }).toEqual(headCmd);
      if (cmd) expect(cmd.truncated).toBe(true);
      expect(tokenize(text)).toEqual(tokenize(head));
      for (const schema of schemas) expect(outcome(schema, text)).toEqual(outcome(schema, head));
      if (cmd) {
        expect(cmd.argText.length).toBeLessThanOrEqual(MAX_SCAN_CHARS);
        for (const schema of schemas) outcome(schema, cmd.argText);
      }
    }
    expect(parseAddressing(payloads[0] as string, input)?.truncated).toBe(true);
  });
});
