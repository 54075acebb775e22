/**
 * Splitting long outbound texts on safe boundaries. Fleep refuses over-long messages, so a
 * `message/send` longer than the configured limit becomes several messages.
 *
 * Cut preference: a blank line (paragraph), then a line break, then a space after a sentence end,
 * then any space, and only when none exists in the window a hard cut. A cut never lands inside a
 * mention (`@address`), a URL, a `url<<label>>` link, a `:::` fence line or a surrogate pair, and
 * never inside a `:::` code block unless that block alone is too long for one message; such a
 * block is cut at a line break and closed (`\n:::`) and reopened (`:::\n`) around the cut.
 */

/** One piece of a split text. Sent as `prefix + body + suffix`. */
export interface TextPart {
  /** A slice of the input. Never empty. */
  body: string;
  /** The whitespace removed after this part: between it and the next, or trailing after the last. */
  separator: string;
  /** `':::\n'` when this part reopens a code block cut before it, otherwise `''`. */
  prefix: string;
  /** `'\n:::'` when this part closes a code block that continues in the next part, otherwise `''`. */
  suffix: string;
}

/** Smallest limit {@link splitText} accepts: room for a reopened and closed code block. */
export const MIN_SPLIT_LIMIT = 16;

const OPEN = ':::\n';
const CLOSE = '\n:::';
const FENCE_RESERVE = OPEN.length + CLOSE.length;
const NL = 10;

/** Inline spans a cut must not enter: URLs and mentions (labelled links are found by `linkSpans`). */
const ATOM_RE = /(?:https?|ftp|skype|mailto|itms-services):\S+|www\.\S+|@\S+/giu;

interface Span {
  start: number;
  end: number;
}

/** A code block too long for one message, so it may be cut inside. */
interface BigBlock {
  /** Start of the opening fence line. */
  start: number;
  /** Index just after the opening fence line's text (its `\n`, or the text length). */
  openEnd: number;
  /** Start of the closing fence line, or `text.length + 1` when the block is never closed. */
  closeStart: number;
  /** End of the closing fence line's text, or the text length. */
  end: number;
}

interface Cut {
  start: number;
  end: number;
  block: BigBlock | undefined;
}

/**
 * Splits `text` into parts whose sent form (`prefix + body + suffix`) is at most `limit` UTF-16
 * code units. Joining every `body + separator` gives back `text` exactly.
 * @throws RangeError when `limit` is not an integer ≥ {@link MIN_SPLIT_LIMIT}.
 * @example splitText(longReport, 10_000).map((p) => p.prefix + p.body + p.suffix)
 */
export function splitText(text: string, limit: number): TextPart[] {
  if (!Number.isInteger(limit) || limit < MIN_SPLIT_LIMIT) {
    throw new RangeError(`The message length limit must be an integer of at least ${MIN_SPLIT_LIMIT}, got ${String(limit)}`);
  }
  if (text.length <= limit) return [{ body: text, separator: '', prefix: '', suffix: '' }];

  const { atoms, bigBlocks } = scan(text, limit);
  const parts: TextPart[] = [];
  let pos = 0;
  let prefix = '';
  for (;;) {
    if (text.length - pos + prefix.length <= limit) {
      parts.push({ body: text.slice(pos), separator: '', prefix, suffix: '' });
      return parts;
    }
    const reserve = blockInterior(bigBlocks, pos, pos + limit) ? CLOSE.length : 0;
    const maxEnd = pos + limit - prefix.length - reserve;
    const cut = findCut(text, pos, maxEnd, atoms, bigBlocks) ?? hardCut(text, pos, maxEnd, atoms, bigBlocks);
    const suffix = cut.block ? CLOSE : '';
    parts.push({ body: text.slice(pos, cut.start), separator: text.slice(cut.start, cut.end), prefix, suffix });
    if (cut.end >= text.length) return parts;
    prefix = cut.block ? OPEN : '';
    pos = cut.end;
  }
}

/**
 * Splits `text` and returns the messages to send, in order.
 * @example splitMessage('a'.repeat(25_000), 10_000).length // 3
 */
export function splitMessage(text: string, limit: number): string[] {
  return splitText(text, limit).map((p) => p.prefix + p.body + p.suffix);
}

/** Finds atoms and code blocks; small blocks and fence lines become atoms too. */
function scan(text: string, limit: number): { atoms: Span[]; bigBlocks: BigBlock[] } {
  const spans: Span[] = [];
  for (const m of text.matchAll(ATOM_RE)) spans.push({ start: m.index, end: m.index + m[0].length });
  linkSpans(text, spans);

  const bigBlocks: BigBlock[] = [];
  let open: { start: number; openEnd: number } | undefined;
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    let first = lineStart;
    while (first < lineEnd && isSpace(text.charCodeAt(first))) first++;
    // Same rule as Fleep's SYNTAX and the sandbox: a line that is `:::` once trimmed.
    if (lineEnd - first >= 3 && text.charCodeAt(first) === 58 && text.slice(first, lineEnd).trim() === ':::') {
      spans.push({ start: lineStart, end: lineEnd });
      if (!open) {
        open = { start: lineStart, openEnd: lineEnd };
      } else {
        addBlock(open.start, open.openEnd, lineStart, lineEnd);
        open = undefined;
      }
    }
    lineStart = lineEnd + 1;
  }
  if (open) addBlock(open.start, open.openEnd, text.length + 1, text.length);

  function addBlock(start: number, openEnd: number, closeStart: number, end: number): void {
    // A block that fits in one message (with room for fences added around other cuts) is atomic.
    if (end - start <= limit - FENCE_RESERVE) spans.push({ start, end });
    else bigBlocks.push({ start, openEnd, closeStart, end });
  }

  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const atoms: Span[] = [];
  for (const s of spans) {
    const last = atoms[atoms.length - 1];
    if (last && s.start < last.end) last.end = Math.max(last.end, s.end);
    else atoms.push({ ...s });
  }
  return { atoms, bigBlocks };
}

/**
 * Adds `url<<label>>` spans (the label may hold spaces). Hand-written rather than a regex, which
 * would backtrack quadratically over a long run without `<<`; positions only move forward.
 */
function linkSpans(text: string, spans: Span[]): void {
  let close = -1;
  let eol = -1;
  for (let i = text.indexOf('<<'); i >= 0; i = text.indexOf('<<', i + 2)) {
    if (close < i + 2) close = text.indexOf('>>', i + 2);
    if (close < 0) return;
    if (eol < i) {
      eol = text.indexOf('\n', i);
      if (eol < 0) eol = text.length;
    }
    if (close > eol) continue;
    let start = i;
    while (start > 0) {
      const code = text.charCodeAt(start - 1);
      if (isSpace(code) || code === 60 || code === 62) break;
      start--;
    }
    if (start === i) continue;
    spans.push({ start, end: close + 2 });
    i = close;
  }
}

/** The last span whose start is before `at`, by binary search. */
function spanBefore<T extends { start: number }>(spans: readonly T[], at: number): T | undefined {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (spans[mid]!.start < at) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? spans[lo - 1] : undefined;
}

/** The big block containing index `i`, if any. */
function bigBlockAt(blocks: readonly BigBlock[], i: number): BigBlock | undefined {
  const b = spanBefore(blocks, i + 1);
  return b && i < b.end ? b : undefined;
}

/** Whether [from, to) overlaps the cuttable inside of a big block. */
function blockInterior(blocks: readonly BigBlock[], from: number, to: number): boolean {
  for (const b of blocks) if (b.openEnd < to && from < b.closeStart) return true;
  return false;
}

/** Whether the cut [start, end) enters an atom. */
function hitsAtom(atoms: readonly Span[], start: number, end: number): boolean {
  const a = spanBefore(atoms, end);
  return a !== undefined && a.end > start;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === NL || code === 13 || code === 12 || code === 11 || code === 0xa0;
}

/**
 * The best whitespace cut with its start in (pos, maxEnd]: the highest-priority kind among cuts
 * in the window's second half, else the latest cut anywhere (short parts beat hard cuts).
 */
function findCut(text: string, pos: number, maxEnd: number, atoms: readonly Span[], blocks: readonly BigBlock[]): Cut | undefined {
  const best: Array<Cut | undefined> = [undefined, undefined, undefined, undefined];
  const half = pos + ((maxEnd - pos) >> 1);
  let latest: Cut | undefined;
  for (let i = Math.min(maxEnd, text.length - 1); i > pos; i--) {
    if (i < half && latest) break;
    const code = text.charCodeAt(i);
    if (!isSpace(code)) continue;
    const block = bigBlockAt(blocks, i);
    if (block) {
      // Inside a too-long code block only a single line break is a cut; never next to a fence.
      if (code === NL && i > block.openEnd && i < block.closeStart - 1) {
        const cut = { start: i, end: i + 1, block };
        latest ??= cut;
        best[1] ??= cut;
      }
      continue;
    }
    let start = i;
    while (start > pos && isSpace(text.charCodeAt(start - 1)) && !bigBlockAt(blocks, start - 1)) start--;
    let end = i + 1;
    while (end < text.length && isSpace(text.charCodeAt(end))) end++;
    i = start;
    // Clip the run to the gap between atoms (an indented fence line owns its leading spaces).
    let from = start;
    const before = spanBefore(atoms, from + 1);
    if (before && before.end > from) from = before.end;
    const after = spanBefore(atoms, end);
    if (after && after.start >= from && after.start < end) end = after.start;
    if (from <= pos || from > maxEnd || from >= end || hitsAtom(atoms, from, end)) continue;
    let newlines = 0;
    for (let k = from; k < end && newlines < 2; k++) if (text.charCodeAt(k) === NL) newlines++;
    const kind = newlines >= 2 ? 0 : newlines === 1 ? 1 : /[.!?]/u.test(text[from - 1] ?? '') ? 2 : 3;
    const cut = { start: from, end, block: undefined };
    latest ??= cut;
    best[kind] ??= cut;
  }
  for (const cut of best) if (cut && cut.start >= half) return cut;
  return latest;
}

/** A cut with nothing removed, at or before `maxEnd`, outside atoms and surrogate pairs when possible. */
function hardCut(text: string, pos: number, maxEnd: number, atoms: readonly Span[], blocks: readonly BigBlock[]): Cut {
  let at = maxEnd;
  const atom = spanBefore(atoms, at);
  // Step back to the atom's start unless that leaves only whitespace (or nothing) in this part.
  if (atom && atom.end > at && atom.start > pos && /\S/u.test(text.slice(pos, atom.start))) at = atom.start;
  if (isHigh(text.charCodeAt(at - 1)) && isLow(text.charCodeAt(at)) && at - 1 > pos) at--;
  const block = bigBlockAt(blocks, at);
  const open = block !== undefined && at >= block.openEnd && at <= block.closeStart;
  return { start: at, end: at, block: open ? block : undefined };
}

function isHigh(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLow(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
