/**
 * Typed command arguments: a schema of {@link Arg}s (built with {@link arg}) is parsed from a
 * command's text into a typed record. Bad input yields an {@link ArgError}, never a throw from
 * inside the parser's loops.
 */
import * as chrono from 'chrono-node';
import { parseDuration } from '../../util/clock.js';
import { restFrom, tokenize, MAX_TOKENS, type Token } from './parse.js';

/** The argument kinds. */
export type ArgKind = 'string' | 'number' | 'boolean' | 'enum' | 'account' | 'duration' | 'date' | 'rest';

/** What an argument parser may look things up in. */
export interface ArgEnv {
  /** Resolves `@address` and e-mail text to account ids. */
  contacts: {
    get(accountId: string): unknown;
    byAddress(address: string): string | undefined;
    byEmail(email: string): string | undefined;
  };
  /** Reference instant for relative dates, epoch ms. */
  now: number;
}

/** One bad argument: which, what was expected, what was given. */
export class ArgError extends Error {
  readonly code = 'BAD_ARGUMENT' as const;
  constructor(
    /** The argument's name, or `''` for "too many arguments". */
    readonly arg: string,
    message: string,
  ) {
    super(message);
    this.name = 'ArgError';
  }
}

type ParseFn<T> = (text: string, env: ArgEnv) => T;

/**
 * One declared argument. `O` is `true` when it may be absent (optional without default).
 * @example arg.number().default(5).describe('how many')
 */
export class Arg<T, O extends boolean = false> {
  private constructor(
    readonly kind: ArgKind,
    private readonly parser: ParseFn<T>,
    readonly isOptional: O,
    /** Whether `.default()` was given. */
    readonly hasDefault: boolean,
    readonly defaultValue: T | undefined,
    readonly description: string | undefined,
    /** Allowed values of an `enum` argument. */
    readonly values: readonly string[] | undefined,
  ) {}

  /** @internal Creates a required argument of a kind. */
  static of<T>(kind: ArgKind, parser: ParseFn<T>, values?: readonly string[]): Arg<T, false> {
    return new Arg<T, false>(kind, parser, false, false, undefined, undefined, values);
  }

  /** The argument may be left out; the handler then sees `undefined`. */
  optional(): Arg<T, true> {
    return new Arg<T, true>(this.kind, this.parser, true, false, undefined, this.description, this.values);
  }

  /** The argument may be left out; the handler then sees `value`. */
  default(value: T): Arg<T, false> {
    return new Arg<T, false>(this.kind, this.parser, false, true, value, this.description, this.values);
  }

  /** A short description for generated help. */
  describe(text: string): Arg<T, O> {
    return new Arg<T, O>(this.kind, this.parser, this.isOptional, this.hasDefault, this.defaultValue, text, this.values);
  }

  /** May the argument be left out? */
  get canOmit(): boolean {
    return this.isOptional || this.hasDefault;
  }

  /** Parses one argument's text; throws {@link ArgError} naming `name` on bad input. */
  parse(name: string, text: string, env: ArgEnv): T {
    try {
      return this.parser(text, env);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ArgError(name, `${name}: ${why}`);
    }
  }
}

/** Any argument. */
export type AnyArg = Arg<unknown, boolean>;
/** A command's argument schema: names to arguments, in order. */
export type ArgSchema = Record<string, AnyArg>;
/** The typed `ctx.args` of a schema. */
export type ArgsOf<S extends ArgSchema> = {
  [K in keyof S]: S[K] extends Arg<infer T, infer O> ? (O extends true ? T | undefined : T) : never;
};

const BOOLEANS: Record<string, boolean> = { yes: true, no: false, true: true, false: false, on: true, off: false, '1': true, '0': false };
const MAX_DATE_TEXT = 200;

function show(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** Argument builders. */
export const arg = {
  /** One word, or "several words" in quotes. */
  string: (): Arg<string, false> => Arg.of('string', (t) => t),
  /** A finite number, optionally an integer within bounds. */
  number: (options: { min?: number; max?: number; integer?: boolean } = {}): Arg<number, false> =>
    Arg.of('number', (t) => {
      const n = t.trim() === '' ? Number.NaN : Number(t);
      if (!Number.isFinite(n)) throw new Error(`expected a number, got ${show(t)}`);
      if (options.integer && !Number.isInteger(n)) throw new Error(`expected a whole number, got ${show(t)}`);
      if (options.min !== undefined && n < options.min) throw new Error(`must be at least ${options.min}, got ${n}`);
      if (options.max !== undefined && n > options.max) throw new Error(`must be at most ${options.max}, got ${n}`);
      return n;
    }),
  /** yes/no, true/false, on/off, 1/0. */
  boolean: (): Arg<boolean, false> =>
    Arg.of('boolean', (t) => {
      const b = BOOLEANS[t.toLowerCase()];
      if (b === undefined) throw new Error(`expected yes or no, got ${show(t)}`);
      return b;
    }),
  /** One of fixed values (case-insensitive); the handler gets the declared spelling. */
  enum: <const V extends readonly [string, ...string[]]>(values: V): Arg<V[number], false> =>
    Arg.of(
      'enum',
      (t) => {
        const found = values.find((v) => v.toLowerCase() === t.toLowerCase());
        if (found === undefined) throw new Error(`expected one of ${values.join(', ')}, got ${show(t)}`);
        return found;
      },
      values,
    ),
  /** A person: `@address`, an e-mail or an account id; the handler gets the account id. */
  account: (): Arg<string, false> =>
    Arg.of('account', (t, env) => {
      const id = resolveAccount(t, env);
      if (id === undefined) throw new Error(`expected a person as @address or e-mail, got ${show(t)}`);
      return id;
    }),
  /** A duration such as `10m`, `1h`, `2 days`; the handler gets milliseconds. */
  duration: (): Arg<number, false> =>
    Arg.of('duration', (t) => {
      try {
        return parseDuration(t);
      } catch {
        throw new Error(`expected a duration such as 10m, 1h or 2d, got ${show(t)}`);
      }
    }),
  /** A date/time in words (`tomorrow 9am`, `friday 14:00`); last in the schema, it takes the rest. */
  date: (): Arg<Date, false> =>
    Arg.of('date', (t, env) => {
      const d = t.length > MAX_DATE_TEXT ? null : chrono.parseDate(t, new Date(env.now), { forwardDate: true });
      if (!d) throw new Error(`expected a date or time such as "tomorrow 9am", got ${show(t)}`);
      return d;
    }),
  /** The rest of the text, as typed. Must be the last argument. */
  rest: (): Arg<string, false> => Arg.of('rest', (t) => t),
};

function resolveAccount(text: string, env: ArgEnv): string | undefined {
  const t = text.replace(/[,:;.]+$/, '');
  if (t.startsWith('@')) return env.contacts.byAddress(t.slice(1));
  if (t.includes('@')) return env.contacts.byEmail(t) ?? env.contacts.byAddress(t);
  if (env.contacts.get(t) !== undefined) return t;
  return env.contacts.byAddress(t);
}

/** Checks a schema at registration: `rest` only last, names sane, no required after optional. */
export function validateSchema(command: string, schema: ArgSchema): void {
  const entries = Object.entries(schema);
  if (entries.length > MAX_TOKENS) throw new TypeError(`Command "${command}" declares ${entries.length} arguments; at most ${MAX_TOKENS} are allowed`);
  let sawOptional = '';
  entries.forEach(([name, a], i) => {
    if (!(a instanceof Arg)) throw new TypeError(`Command "${command}": argument "${name}" must be built with arg.string(), arg.number(), …`);
    if (a.kind === 'rest' && i !== entries.length - 1) {
      throw new TypeError(`Command "${command}": the rest argument "${name}" must be the last one`);
    }
    if (!a.canOmit && sawOptional) {
      throw new TypeError(`Command "${command}": required argument "${name}" comes after optional "${sawOptional}"; put optional arguments last`);
    }
    if (a.canOmit) sawOptional = name;
  });
}

/** Parses `argText` against a schema; throws {@link ArgError} on the first bad argument. */
export function parseArgs<S extends ArgSchema>(schema: S, argText: string, env: ArgEnv): ArgsOf<S> {
  const entries = Object.entries(schema);
  const tokens = tokenize(argText);
  const out: Record<string, unknown> = {};
  let t = 0;
  for (let i = 0; i < entries.length; i++) {
    const [name, a] = entries[i] as [string, AnyArg];
    const token: Token | undefined = tokens[t];
    if (token === undefined) {
      if (!a.canOmit) throw new ArgError(name, `missing ${name}`);
      out[name] = a.defaultValue;
      continue;
    }
    const last = i === entries.length - 1;
    if (a.kind === 'rest' || (a.kind === 'date' && last)) {
      out[name] = a.parse(name, restFrom(argText, token), env);
      t = tokens.length;
      break;
    }
    out[name] = a.parse(name, token.value, env);
    t++;
  }
  const extra = tokens[t];
  if (extra !== undefined) throw new ArgError('', `too many arguments: did not expect ${show(extra.value)}`);
  return out as ArgsOf<S>;
}

/** `<name> [optional] <rest...>` for usage lines. */
export function describeArgs(schema: ArgSchema): string {
  return Object.entries(schema)
    .map(([name, a]) => {
      const label = a.kind === 'rest' ? `${name}...` : a.kind === 'enum' && a.values ? a.values.join('|') : name;
      return a.canOmit ? `[${label}]` : `<${label}>`;
    })
    .join(' ');
}
