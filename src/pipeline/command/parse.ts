/**
 * Command addressing and tokenising. Bounded by construction: only the first
 * {@link MAX_SCAN_CHARS} characters are looked at, at most {@link MAX_TOKENS} tokens are made,
 * and no regex runs on user text except a fixed, linear name check on one short word.
 */

/** The parser scans only this many characters of a message (16 KB). */
export const MAX_SCAN_CHARS = 16 * 1024;
/** At most this many argument tokens are made; the rest of the text stays in the last `rest`. */
export const MAX_TOKENS = 64;
/** Longest command name accepted. */
export const MAX_NAME_LENGTH = 64;

/** How a message addressed the bot. */
export type AddressedBy = 'prefix' | 'mention' | 'direct';

/** A message that addressed the bot with a command word. */
export interface ParsedCommand {
  /** The command word, lower-cased (an alias is not resolved here). */
  readonly name: string;
  /** The text after the command word, trimmed (within the scanned 16 KB). */
  readonly argText: string;
  /** Prefix (`!deploy`), mention (`@bot deploy`) or plain text in a direct conversation. */
  readonly addressedBy: AddressedBy;
  /** Whether the message was longer than the scanned part. */
  readonly truncated: boolean;
}

/** What addressing needs to know about the bot and the conversation. */
export interface AddressingInput {
  /** Command prefix, e.g. `!`; `''` disables prefix addressing. */
  prefix: string;
  /** The bot's fleep address (without `@`), for `@bot command`. */
  botAddress: string;
  /** Evaluated only when neither prefix nor mention matched. */
  isDirect: () => boolean;
}

const NAME = /^[\p{L}\p{N}][\p{L}\p{N}_.-]*$/u;

/** Finds the command a message addresses to the bot, or `undefined` when it addresses none. */
export function parseAddressing(text: string, input: AddressingInput): ParsedCommand | undefined {
  if (typeof text !== 'string' || text.length === 0) return undefined;
  const truncated = text.length > MAX_SCAN_CHARS;
  let s = (truncated ? text.slice(0, MAX_SCAN_CHARS) : text).trimStart();
  let by: AddressedBy;
  if (input.prefix && s.startsWith(input.prefix)) {
    by = 'prefix';
    s = s.slice(input.prefix.length);
    // "! deploy" is not a command: the word must follow the prefix directly.
    if (s.length === 0 || isSpace(s.charCodeAt(0))) return undefined;
  } else if (input.botAddress && startsWithMention(s, input.botAddress)) {
    by = 'mention';
    s = s.slice(input.botAddress.length + 1).replace(/^[:,]?\s*/, '');
    if (input.prefix && s.startsWith(input.prefix)) s = s.slice(input.prefix.length);
  } else if (input.isDirect()) {
    by = 'direct';
  } else {
    return undefined;
  }
  let end = 0;
  while (end < s.length && end <= MAX_NAME_LENGTH && !isSpace(s.charCodeAt(end))) end++;
  const word = s.slice(0, end);
  if (word.length === 0 || word.length > MAX_NAME_LENGTH || !NAME.test(word)) return undefined;
  return { name: word.toLowerCase(), argText: s.slice(end).trim(), addressedBy: by, truncated };
}

function startsWithMention(s: string, address: string): boolean {
  const len = address.length + 1;
  if (s.charCodeAt(0) !== 64 /* @ */ || s.length < len) return false;
  if (s.slice(1, len).toLowerCase() !== address.toLowerCase()) return false;
  if (s.length === len) return true;
  const after = s.charCodeAt(len);
  return isSpace(after) || after === 58 /* : */ || after === 44 /* , */;
}

/** One argument token. */
export interface Token {
  /** The token's text, quotes removed. */
  readonly value: string;
  /** Offset of the token (its opening quote, if any) in the tokenised text. */
  readonly start: number;
  readonly quoted: boolean;
}

/**
 * Splits on whitespace; `"two words"` (or “two words”) is one token. An unterminated quote runs
 * to the end. Stops after `maxTokens` tokens. Linear in the input.
 */
export function tokenize(text: string, maxTokens: number = MAX_TOKENS): Token[] {
  const tokens: Token[] = [];
  const n = Math.min(text.length, MAX_SCAN_CHARS);
  let i = 0;
  while (i < n && tokens.length < maxTokens) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    const c = text.charCodeAt(i);
    if (c === 34 /* " */ || c === 0x201c /* “ */) {
      const close = c === 34 ? 34 : 0x201d;
      i++;
      const from = i;
      while (i < n && text.charCodeAt(i) !== close) i++;
      tokens.push({ value: text.slice(from, i), start, quoted: true });
      i++;
    } else {
      while (i < n && !isSpace(text.charCodeAt(i))) i++;
      tokens.push({ value: text.slice(start, i), start, quoted: false });
    }
  }
  return tokens;
}

/** The rest of `text` from a token on, trimmed; a single quoted token is unquoted. */
export function restFrom(text: string, token: Token): string {
  const rest = text.slice(token.start, MAX_SCAN_CHARS).trim();
  if (token.quoted && token.start + token.value.length + 2 >= Math.min(text.length, MAX_SCAN_CHARS)) return token.value;
  return rest;
}

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0x2028 || code === 0x2029 || code === 0x3000;
}
