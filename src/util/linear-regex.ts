/**
 * Regular expressions from config run on RE2's linear-time engine (re2js, a pure-JS port of
 * RE2/J), never on JavaScript's backtracking one: matching time grows with the text, whatever the
 * pattern, so no message can stall the event loop (R-36). RE2 has no backreferences and no
 * lookaround; such patterns are refused at config load with a message saying so.
 */
import { RE2JS } from 're2js';

/** A compiled config regex. */
export interface LinearRegex {
  /** The pattern as written in the config. */
  readonly source: string;
  /** Whether the pattern matches somewhere in the text. Linear in the text's length. */
  test(text: string): boolean;
}

const FLAG_BITS: Readonly<Record<string, number>> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL };

/** Flags a config regex may carry: `i`, `m` and `s`. */
export const LINEAR_REGEX_FLAGS = /^[ims]*$/;

/** Compiles a config regex; throws {@link Error} with a message for the config's author when it cannot. */
export function compileLinearRegex(source: string, flags = ''): LinearRegex {
  const problem = linearRegexProblem(source, flags);
  if (problem !== undefined) throw new Error(problem);
  const re = RE2JS.compile(source, flagBits(flags));
  return { source, test: (text) => re.matcher(text).find() };
}

/** Why a config regex cannot be used, or `undefined` when it can. */
export function linearRegexProblem(source: string, flags = ''): string | undefined {
  if (!LINEAR_REGEX_FLAGS.test(flags)) return `regex flags ${JSON.stringify(flags)} are not supported; use any of i, m and s`;
  try {
    RE2JS.compile(source, flagBits(flags));
    return undefined;
  } catch (error) {
    const detail = (error as Error).message.replace(/^error parsing regexp: /, '');
    return `regex ${JSON.stringify(source)} is not supported (${detail}); config regexes use RE2 syntax, which has no backreferences or lookaround (\\b, classes, groups, alternation and repeats all work)`;
  }
}

function flagBits(flags: string): number {
  let bits = 0;
  for (const f of flags) bits |= FLAG_BITS[f] ?? 0;
  return bits;
}
