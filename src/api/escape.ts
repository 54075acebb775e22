/**
 * Outbound text. Fleep converts sent plain text to markup (PROTOCOL.md §9.2) and has no escape
 * syntax (§12 #9), so {@link escapeText} breaks every markup trigger with an invisible
 * U+2060 WORD JOINER; {@link xmlToText} removes those again. Text that should be formatted on
 * purpose is wrapped with {@link markup} and sent as typed.
 */

/** U+2060 WORD JOINER: invisible, zero-width, and not a word or space character. */
export const WORD_JOINER = '\u2060';

const MARKUP_BRAND: unique symbol = Symbol('fleepkit.markup');

/**
 * Text sent as typed, so Fleep applies its markup (`*bold*`, `_italic_`, links, `:::` blocks,
 * `> quotes`, `@mentions`). Create with {@link markup}.
 */
export interface Markup {
  readonly [MARKUP_BRAND]: true;
  /** The text exactly as it goes on the wire. */
  readonly text: string;
}

/**
 * Marks text as intended Fleep markup: it is sent as is, not escaped.
 * @example await client.sendMessage(convId, markup(`*Deploy done* by @${user}`))
 * @throws TypeError when `text` is not a string.
 */
export function markup(text: string): Markup {
  if (typeof text !== 'string') {
    throw new TypeError(`markup(text) needs a string, got ${typeof text}; pass the message text as typed in Fleep`);
  }
  return Object.freeze({ [MARKUP_BRAND]: true as const, text, toString: () => text });
}

/** True for values made by {@link markup}. */
export function isMarkup(value: unknown): value is Markup {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKUP_BRAND] === true;
}

/**
 * The wire text for a message body: strings are escaped with {@link escapeText} (Fleep shows
 * them literally), {@link Markup} goes as is.
 * @throws TypeError for anything else, naming what was passed.
 */
export function toWireText(value: string | Markup): string {
  if (typeof value === 'string') return escapeText(value);
  if (isMarkup(value)) return value.text;
  throw new TypeError(`A message must be a string or markup(text), got ${value === null ? 'null' : typeof value}`);
}

const SCHEMES = ['http', 'https', 'ftp', 'skype', 'mailto', 'itms-services'];
const isWordChar = (ch: string | undefined): boolean => ch !== undefined && /[\p{L}\p{N}_]/u.test(ch);
const isAddressChar = (ch: string | undefined): boolean => ch !== undefined && /[\p{L}\p{N}._-]/u.test(ch);

/** Escapes the start of one line: `>` quotes and `:::` fences. */
function escapeLineStart(line: string): string {
  const indent = line.length - line.trimStart().length;
  const rest = line.slice(indent);
  // A word joiner *before* `>`: the line no longer starts with `>`.
  if (rest.startsWith('>')) return `${line.slice(0, indent)}${WORD_JOINER}${rest}`;
  if (rest.startsWith(':::')) return `${line.slice(0, indent)}:${WORD_JOINER}${rest.slice(1)}`;
  return line;
}

/**
 * Keeps blank lines: Fleep folds any run of empty lines into one paragraph break and drops
 * leading and trailing ones, so every empty line that is not a single break between two
 * non-empty lines becomes a lone word joiner.
 */
function escapeBlankLines(lines: string[]): string[] {
  const out: string[] = [];
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k] as string;
    const prev = out[k - 1];
    const separator = line === '' && prev !== undefined && prev !== '' && (lines[k + 1] ?? '') !== '';
    out.push(line !== '' || separator ? line : WORD_JOINER);
  }
  return out;
}

/** True when a URL scheme such as `https` ends just before index `colon`. */
function schemeEndsAt(text: string, colon: number): boolean {
  return SCHEMES.some((scheme) => colon >= scheme.length && text.slice(colon - scheme.length, colon).toLowerCase() === scheme);
}

/**
 * Every character some rule of {@link escapeText} starts from: markers, `@`, scheme colons,
 * `<<`, quote and fence starts, line breaks (blank-line rules), and the `.` of `www.`.
 */
const TRIGGERS = /[*_@:<>\n]|www\./i;

/**
 * Makes plain text show literally in Fleep by inserting U+2060 WORD JOINER where Fleep's
 * text-to-markup conversion would trigger (the rules of PROTOCOL.md §9.2 as the sandbox
 * renderer implements them):
 * - after a `*` or `_` next to a non-word character (every possible closing marker is broken),
 * - after `@` before an address character (no mention),
 * - before the `:` of a URL scheme (`https⁠://`, `mailto⁠:`) and before the `.` of `www.`,
 * - between the two `<` of `<<` (no labelled link),
 * - before a line's leading `>` (no quote) and inside a leading `:::` (no code block),
 * - as the content of empty lines that Fleep would otherwise fold away (runs of blank lines,
 *   leading and trailing newlines), so line structure survives.
 *
 * Control characters U+0000–U+0008 and U+000B–U+001F (including `\r`) are kept here; Fleep
 * itself drops them (PROTOCOL.md §9.2). Word joiners already in the text are kept, and
 * {@link xmlToText} removes all of them on the way back.
 * @example escapeText('*not bold*') // '*\u2060not bold*\u2060'
 */
export function escapeText(text: string): string {
  if (typeof text !== 'string') {
    throw new TypeError(`escapeText(text) needs a string, got ${typeof text}`);
  }
  if (text === '') return '';
  // Most replies have no character any rule below reacts to; they go out unchanged.
  if (!TRIGGERS.test(text)) return text;
  const lines = escapeBlankLines(text.split('\n')).map(escapeLineStart).join('\n');
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const ch = lines[i] as string;
    const prev = lines[i - 1];
    const next = lines[i + 1];
    if (ch === ':' && schemeEndsAt(lines, i)) out += WORD_JOINER;
    if (ch === '.' && i >= 3 && lines.slice(i - 3, i).toLowerCase() === 'www') out += WORD_JOINER;
    out += ch;
    if (ch === '*' || ch === '_') {
      if (!isWordChar(prev) || !isWordChar(next)) out += WORD_JOINER;
    } else if (ch === '@') {
      if (isAddressChar(next)) out += WORD_JOINER;
    } else if (ch === '<') {
      if (next === '<') out += WORD_JOINER;
    }
  }
  return out;
}
