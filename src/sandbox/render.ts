/**
 * Plain text → Fleep message XML, the subset of PROTOCOL.md §9.2 the sandbox implements:
 * paragraphs and line breaks, `*bold*` / `_italic_` (with `flp`/`fls`), `:::` pre blocks,
 * `>` quotes, links (http, https, ftp, mailto, skype, `www.`, `url<<label>>`) and `@address`
 * mentions kept as text. Control characters U+0000–U+0008 and U+000B–U+001F are dropped.
 *
 * Trigger rules (the outbound escaper in src/api/markup.ts defeats them with U+2060):
 * - a `*`/`_` marker opens only at a word start (line start, whitespace, punctuation or symbol
 *   before it), the content neither starts nor ends with whitespace, and the closing marker is
 *   followed by the end of the line, whitespace or one of `.,!?;`;
 * - `@address` is a mention only at a word start and when `@` is directly followed by an
 *   address character `[a-z0-9._-]`;
 * - links only at a word start; `>` quotes only at a line start; `:::` only as a whole line.
 */

/** Result of {@link renderMessage}. */
export interface RenderedMessage {
  /** The `<msg>…</msg>` body. */
  xml: string;
  /** Account ids of resolved `@address` mentions, de-duplicated, in order of appearance. */
  mentionIds: string[];
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F]/g;
const WORD_BOUNDARY = /^[\s\p{P}\p{S}]$/u;
const CLOSE_FOLLOW = /^[\s.,!?;]$/u;
const URL_AT = /(?:(?:https?|ftp):\/\/|mailto:|skype:|www\.)[^\s<>"]+/iy;
const LABEL_AT = /<<([^<>\n]+)>>/y;
const ADDRESS_AT = /[a-z0-9._-]+/iy;
const ADDRESS_CHAR = /^[a-z0-9._-]$/i;

/** Escapes text for an XML text node or attribute value. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/**
 * Converts what a user typed into Fleep's XML body.
 * @param text the plain text as sent in `message/send`.
 * @param resolveAddress maps a lower-cased fleep address to an account id, or undefined.
 * @example renderMessage('hi *bob*', () => undefined).xml // '<msg><p>hi <b flp="*" fls="*">bob</b></p></msg>'
 */
export function renderMessage(text: string, resolveAddress: (address: string) => string | undefined): RenderedMessage {
  const ctx: InlineContext = { resolveAddress, mentionIds: [] };
  const lines = text.replace(CONTROL, '').split('\n');
  const blocks: string[] = [];
  let paragraph: ParagraphLine[] = [];
  const flush = (): void => {
    if (paragraph.length > 0) blocks.push(`<p>${renderParagraph(paragraph)}</p>`);
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (isFence(line)) {
      const close = findFence(lines, i + 1);
      if (close !== -1) {
        flush();
        blocks.push(`<pre>${escapeXml(lines.slice(i + 1, close).join('\n'))}</pre>`);
        i = close;
        continue;
      }
    }
    if (line === '') {
      flush();
      continue;
    }
    paragraph.push({ quote: line.startsWith('>'), html: renderInline(line, ctx) });
  }
  flush();
  const xml = blocks.length === 0 ? '<msg><p/></msg>' : `<msg>${blocks.join('')}</msg>`;
  return { xml, mentionIds: ctx.mentionIds };
}

interface ParagraphLine {
  quote: boolean;
  html: string;
}

interface InlineContext {
  resolveAddress: (address: string) => string | undefined;
  mentionIds: string[];
}

function isFence(line: string): boolean {
  return line.trim() === ':::';
}

function findFence(lines: string[], from: number): number {
  for (let j = from; j < lines.length; j++) if (isFence(lines[j] ?? '')) return j;
  return -1;
}

/** Joins lines with `<br/>`; runs of quote lines become one `<q>`. */
function renderParagraph(lines: ParagraphLine[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const first = lines[i] as ParagraphLine;
    if (!first.quote) {
      parts.push(first.html);
      i++;
      continue;
    }
    const quoted: string[] = [];
    while (i < lines.length && (lines[i] as ParagraphLine).quote) quoted.push((lines[i++] as ParagraphLine).html);
    parts.push(`<q>${quoted.join('<br/>')}</q>`);
  }
  return parts.join('<br/>');
}

/** The character (whole code point) just before index `i`, or '' at the start. */
function charBefore(s: string, i: number): string {
  if (i <= 0) return '';
  const low = s.charCodeAt(i - 1);
  if (low >= 0xdc00 && low <= 0xdfff && i >= 2) return s.slice(i - 2, i);
  return s.charAt(i - 1);
}

function atWordStart(s: string, i: number): boolean {
  const before = charBefore(s, i);
  return before === '' || WORD_BOUNDARY.test(before);
}

/** Positions where a `marker` may close: not after whitespace, before end/space/`.,!?;`. */
function closingCandidates(line: string, marker: string): number[] {
  const out: number[] = [];
  for (let j = 1; j < line.length; j++) {
    if (line[j] !== marker || /\s/u.test(line[j - 1] as string)) continue;
    const after = line[j + 1];
    if (after === undefined || CLOSE_FOLLOW.test(after)) out.push(j);
  }
  return out;
}

/** The first candidate ≥ `from` (binary search), or -1. */
function firstFrom(sorted: number[], from: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < from) lo = mid + 1;
    else hi = mid;
  }
  return sorted[lo] ?? -1;
}

/** Bold/italic nest at most this deep (keeps rendering linear and the stack shallow). */
const MAX_EMPHASIS_DEPTH = 2;

function renderInline(line: string, ctx: InlineContext, depth = 0): string {
  let out = '';
  let literalFrom = 0;
  let i = 0;
  let closers: Record<string, number[]> | undefined;
  const emit = (upTo: number, html: string, next: number): void => {
    out += escapeXml(line.slice(literalFrom, upTo)) + html;
    literalFrom = next;
    i = next;
  };
  while (i < line.length) {
    const c = line[i] as string;
    if (!'*_@hHfFmMsSwW'.includes(c) || !atWordStart(line, i)) {
      i++;
      continue;
    }
    const link = matchLink(line, i);
    if (link) {
      emit(i, link.html, link.end);
      continue;
    }
    if (c === '@') {
      const mention = matchMention(line, i, ctx);
      if (mention !== undefined) {
        emit(i, escapeXml(line.slice(i, mention)), mention);
        continue;
      }
    }
    if ((c === '*' || c === '_') && depth < MAX_EMPHASIS_DEPTH) {
      const first = line[i + 1];
      closers ??= { '*': closingCandidates(line, '*'), _: closingCandidates(line, '_') };
      const close = first === undefined || /\s/u.test(first) ? -1 : firstFrom(closers[c] as number[], i + 2);
      if (close !== -1) {
        const tag = c === '*' ? 'b' : 'i';
        const inner = renderInline(line.slice(i + 1, close), ctx, depth + 1);
        emit(i, `<${tag} flp="${c}" fls="${c}">${inner}</${tag}>`, close + 1);
        continue;
      }
    }
    i++;
  }
  return out + escapeXml(line.slice(literalFrom));
}

function matchMention(line: string, at: number, ctx: InlineContext): number | undefined {
  const next = line[at + 1];
  if (next === undefined || !ADDRESS_CHAR.test(next)) return undefined;
  ADDRESS_AT.lastIndex = at + 1;
  const m = ADDRESS_AT.exec(line);
  if (!m) return undefined;
  const address = m[0].replace(/[._-]+$/, '');
  if (address === '') return undefined;
  const id = ctx.resolveAddress(address.toLowerCase());
  if (id !== undefined && !ctx.mentionIds.includes(id)) ctx.mentionIds.push(id);
  return at + 1 + address.length;
}

function matchLink(line: string, at: number): { html: string; end: number } | undefined {
  URL_AT.lastIndex = at;
  const m = URL_AT.exec(line);
  if (!m) return undefined;
  let url = m[0];
  LABEL_AT.lastIndex = at + url.length;
  const label = LABEL_AT.exec(line);
  if (label) {
    const href = hrefOf(url);
    const attrs = `href="${escapeXml(href)}" flp="${escapeXml(url)}&lt;&lt;" fls="&gt;&gt;"`;
    return { html: `<a ${attrs}>${escapeXml(label[1] as string)}</a>`, end: at + url.length + label[0].length };
  }
  url = trimUrl(url);
  if (/^(?:(?:https?|ftp):\/\/|mailto:|skype:|www\.)$/i.test(url)) return undefined;
  return { html: `<a href="${escapeXml(hrefOf(url))}">${escapeXml(url)}</a>`, end: at + url.length };
}

/** Drops sentence punctuation that ends a URL; a `)` stays when the URL opened one. */
function trimUrl(url: string): string {
  let end = url.length;
  for (;;) {
    const c = url[end - 1];
    if (c === undefined) break;
    const body = url.slice(0, end);
    if ('.,!?;:\'"'.includes(c) || (c === ')' && count(body, ')') > count(body, '('))) end--;
    else break;
  }
  return url.slice(0, end);
}

function count(s: string, ch: string): number {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}

function hrefOf(url: string): string {
  return /^www\./i.test(url) ? `http://${url}` : url;
}

/** True when `c` could start a mention address (exported for tests of the trigger rules). */
export function isAddressChar(c: string): boolean {
  return ADDRESS_CHAR.test(c);
}
