/**
 * Inbound message bodies: Fleep's XML (`<msg><p>…</p></msg>`, PROTOCOL.md §9.1) to text, with
 * a real XML tokenizer (htmlparser2's, via `xml-reader.ts`), never regular expressions over markup. Outbound escaping
 * lives in `escape.ts` and is re-exported here.
 */
import { WORD_JOINER } from './escape.js';
import { readXml } from './xml-reader.js';

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
   * separated by a blank line (`\n\n`, the way they were typed), a `<pre>` block on its own
   * lines with its text verbatim, `<hr/>` → `\n`, `<q>` content kept as is (a typed quote keeps
   * its `>` in the XML), file names left out (see `files`), U+2060 WORD JOINER removed.
   */
  text: string;
  /**
   * Like `text`, but with the typed markup restored from the `flp`/`fls` attributes (`*bold*`,
   * `url<<label>>`) and `:::` fences around `<pre>` blocks.
   */
  typedText: string;
  /** Fleep addresses written as `@address`, in order of appearance, without duplicates. */
  mentions: string[];
  links: MessageLink[];
  files: MessageFile[];
}

interface Frame {
  name: string;
  fls: string;
  /** Chunk index in the buffer the element's text goes to (for link labels and file names). */
  mark: number;
  inFile: boolean;
  attr: string;
}

/** Link labels and file names longer than this are cut (bounds work on hostile input). */
const MAX_LABEL = 4096;

/** Text kept as chunks: joining once at the end stays linear on 1 MB bodies. */
class Chunks {
  private readonly parts: string[] = [];

  push(text: string): void {
    if (text !== '') this.parts.push(text);
  }

  get mark(): number {
    return this.parts.length;
  }

  /** Text pushed since `mark`, at most {@link MAX_LABEL} characters. */
  since(mark: number): string {
    let out = '';
    for (let i = mark; i < this.parts.length && out.length < MAX_LABEL; i++) out += this.parts[i];
    return out.slice(0, MAX_LABEL);
  }

  join(): string {
    return this.parts.join('');
  }
}

const MENTION = /(?<![\p{L}\p{N}\p{M}\u2060])@([a-z0-9._-]*[a-z0-9])/giu;

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

const SIMPLE_HEAD = '<msg><p>';
const SIMPLE_TAIL = '</p></msg>';

/**
 * The text of a one-paragraph body without tags or entities (`<msg><p>words</p></msg>`, what
 * Fleep sends for most typed lines), or `undefined` for any other body. Such a body means
 * exactly its characters, so the tokenizer has nothing to add.
 */
function simpleBody(source: string): string | undefined {
  if (!source.startsWith(SIMPLE_HEAD) || !source.endsWith(SIMPLE_TAIL) || source.length < SIMPLE_HEAD.length + SIMPLE_TAIL.length) return undefined;
  const inner = source.slice(SIMPLE_HEAD.length, source.length - SIMPLE_TAIL.length);
  return inner.includes('<') || inner.includes('&') ? undefined : inner;
}

/**
 * Just the `text` of {@link xmlToText} (same rules, never throws), without collecting mentions,
 * links and files: for callers that need only the words.
 */
export function xmlToPlainText(xml: string): string {
  const source = typeof xml === 'string' ? xml : '';
  const simple = simpleBody(source);
  return simple !== undefined ? strip(simple) : xmlToText(source).text;
}

function parseBody(source: string): ParsedMessage {
  const simple = simpleBody(source);
  if (simple !== undefined) {
    const text = strip(simple);
    return { text, typedText: text, mentions: simple.includes('@') ? findMentions(simple) : [], links: [], files: [] };
  }

  const text = new Chunks();
  const typed = new Chunks();
  // Text inside <file> is the file name, not message text.
  const fileText = new Chunks();
  let fileDepth = 0;
  let lastBlock: string | undefined;
  const links: MessageLink[] = [];
  const files: MessageFile[] = [];
  const stack: Frame[] = [];
  const open = new Map<string, number>();
  const emit = (plain: string, asTyped: string = plain): void => {
    if (fileDepth > 0) {
      fileText.push(plain);
      return;
    }
    text.push(plain);
    typed.push(asTyped);
  };
  const closeTop = (): void => {
    const frame = stack.pop() as Frame;
    open.set(frame.name, (open.get(frame.name) ?? 1) - 1);
    const own = (): string => strip((frame.inFile ? fileText : text).since(frame.mark));
    if (frame.name === 'file') {
      fileDepth--;
      files.push({ key: frame.attr, name: own() });
    } else if (frame.name === 'a') {
      links.push({ href: frame.attr, label: own() });
    }
    emit('', frame.fls);
  };

  readXml(source, {
    open(name, attributes) {
      if (name === 'p' || name === 'pre') {
        // Paragraphs were typed with a blank line between them; a code block on its own lines.
        if (lastBlock !== undefined) emit(lastBlock === 'p' && name === 'p' ? '\n\n' : '\n');
        lastBlock = name;
      } else if (name === 'br' || name === 'hr') {
        emit('\n');
      }
      const flp = attributes['flp'] ?? (name === 'pre' ? ':::\n' : '');
      const fls = attributes['fls'] ?? (name === 'pre' ? '\n:::' : '');
      emit('', flp);
      const inFile = fileDepth > 0 || name === 'file';
      if (name === 'file') fileDepth++;
      const attr = name === 'a' ? (attributes['href'] ?? '') : name === 'file' ? (attributes['key'] ?? '') : '';
      stack.push({ name, fls, mark: (inFile ? fileText : text).mark, inFile, attr });
      open.set(name, (open.get(name) ?? 0) + 1);
    },
    text(data) {
      emit(data);
    },
    close(name) {
      // Stray closing tags are ignored; a closing tag closes everything opened after its match.
      if ((open.get(name) ?? 0) === 0) return;
      while (stack.length > 0) {
        const top = (stack[stack.length - 1] as Frame).name;
        closeTop();
        if (top === name) break;
      }
    },
  });
  while (stack.length > 0) closeTop();
  const plain = text.join();
  return { text: strip(plain), typedText: strip(typed.join()), mentions: findMentions(plain), links, files };
}

function strip(text: string): string {
  return text.includes(WORD_JOINER) ? text.split(WORD_JOINER).join('') : text;
}
