/**
 * Inbound message bodies: Fleep's XML (`<msg><p>…</p></msg>`, PROTOCOL.md §9.1) to text, with
 * a real XML tokenizer (htmlparser2), never regular expressions over markup. Outbound escaping
 * lives in `escape.ts` and is re-exported here.
 */
import { Parser } from 'htmlparser2';
import { WORD_JOINER } from './escape.js';

export { escapeText, isMarkup, markup, toWireText, WORD_JOINER } from './escape.js';
export type { Markup } from './escape.js';

/** A link found in a message body. */
export interface MessageLink {
  href: string;
  /** The visible text (the URL itself for plain links). */
  label: string;
}

/** A file attachment referenced from a message body (`<file key="…">name</file>`). */
export interface MessageFile {
  /** The attachment id. */
  key: string;
  name: string;
}

/**
 * A message body as text.
 * @example xmlToText('<msg><p>hi <b flp="*" fls="*">bot</b></p></msg>')
 * // { text: 'hi bot', typedText: 'hi *bot*', mentions: [], links: [], files: [] }
 */
export interface ParsedMessage {
  /**
   * The plain words: tags dropped, entities decoded, `<br/>` → `\n`, paragraphs (`<p>`)
   * separated by a blank line (`\n\n`, the way they were typed), `<hr/>` → `\n`, `<pre>` and
   * `<q>` content kept as is (a typed quote keeps its `>` in the XML), file names left out
   * (see `files`), U+2060 WORD JOINER removed.
   */
  text: string;
  /** Like `text`, but with the typed markup restored from `flp`/`fls` (`*bold*`, `url<<label>>`). */
  typedText: string;
  /** Fleep addresses written as `@address`, in order of appearance, without duplicates. */
  mentions: string[];
  links: MessageLink[];
  files: MessageFile[];
}

interface Frame {
  name: string;
  fls: string;
  /** Offset into the buffer the element's text goes to (for link labels and file names). */
  start: number;
  inFile: boolean;
  attr: string;
}

/** Link labels and file names longer than this are cut (bounds work on hostile input). */
const MAX_LABEL = 4096;

const MENTION = /(?<![\p{L}\p{N}_.@-])@([\p{L}\p{N}](?:[\p{L}\p{N}._-]*[\p{L}\p{N}_])?)/gu;

/** Finds `@address` mentions (not e-mail addresses, not escaped ones). */
export function findMentions(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(MENTION)) {
    const address = match[1];
    if (address !== undefined && !found.includes(address)) found.push(address);
  }
  return found;
}

/**
 * Converts a Fleep message body to text. Never throws: truncated or hostile XML, plain text,
 * JSON system-message text and the empty string all give a best-effort result.
 */
export function xmlToText(xml: string): ParsedMessage {
  const source = typeof xml === 'string' ? xml : '';
  try {
    return parseBody(source);
  } catch {
    // htmlparser2 is lenient and should not throw; this is the never-throw guarantee.
    const text = source.split(WORD_JOINER).join('');
    return { text, typedText: text, mentions: [], links: [], files: [] };
  }
}

function parseBody(source: string): ParsedMessage {
  let text = '';
  let typed = '';
  // Text inside <file> is the file name, not message text.
  let fileText = '';
  let fileDepth = 0;
  let paragraphs = 0;
  const links: MessageLink[] = [];
  const files: MessageFile[] = [];
  const stack: Frame[] = [];
  const open = new Map<string, number>();
  const emit = (plain: string, asTyped: string = plain): void => {
    if (fileDepth > 0) {
      fileText += plain;
      return;
    }
    text += plain;
    typed += asTyped;
  };
  const close = (): void => {
    const frame = stack.pop() as Frame;
    open.set(frame.name, (open.get(frame.name) ?? 1) - 1);
    const own = (frame.inFile ? fileText : text).slice(frame.start, frame.start + MAX_LABEL);
    if (frame.name === 'file') {
      fileDepth--;
      files.push({ key: frame.attr, name: strip(own) });
    } else if (frame.name === 'a') {
      links.push({ href: frame.attr, label: strip(own) });
    }
    if (frame.fls !== '') emit('', frame.fls);
  };

  const parser = new Parser(
    {
      onopentag(rawName, attributes) {
        const name = rawName.toLowerCase();
        if (name === 'p') {
          if (paragraphs > 0) emit('\n\n');
          paragraphs++;
        } else if (name === 'br' || name === 'hr') {
          emit('\n');
        }
        const flp = attributes['flp'];
        if (flp !== undefined) emit('', flp);
        const inFile = fileDepth > 0 || name === 'file';
        if (name === 'file') fileDepth++;
        const attr = name === 'a' ? (attributes['href'] ?? '') : name === 'file' ? (attributes['key'] ?? '') : '';
        stack.push({ name, fls: attributes['fls'] ?? '', start: inFile ? fileText.length : text.length, inFile, attr });
        open.set(name, (open.get(name) ?? 0) + 1);
      },
      ontext(data) {
        emit(data);
      },
      onclosetag(rawName) {
        const name = rawName.toLowerCase();
        // Stray closing tags are ignored; a closing tag closes everything opened after its match.
        if ((open.get(name) ?? 0) === 0) return;
        while (stack.length > 0) {
          const top = (stack[stack.length - 1] as Frame).name;
          close();
          if (top === name) break;
        }
      },
    },
    { xmlMode: true, decodeEntities: true, recognizeSelfClosing: true },
  );
  parser.write(source);
  parser.end();
  while (stack.length > 0) close();
  return { text: strip(text), typedText: strip(typed), mentions: findMentions(text), links, files };
}

function strip(text: string): string {
  return text.includes(WORD_JOINER) ? text.split(WORD_JOINER).join('') : text;
}
