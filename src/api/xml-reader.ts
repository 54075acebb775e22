/**
 * A linear-time XML event reader on htmlparser2's Tokenizer. htmlparser2's Parser keeps its
 * open-element stack with `unshift`/`indexOf`, which is quadratic on deeply nested hostile
 * bodies; this reader leaves nesting to the caller and only turns tokens into events.
 */
import { Tokenizer } from 'htmlparser2';
import type { TokenizerCallbacks } from 'htmlparser2';

/** Receives the events of {@link readXml}. Tag and attribute names arrive lower-cased. */
export interface XmlSink {
  open(name: string, attributes: Record<string, string>): void;
  close(name: string): void;
  text(data: string): void;
}

function codePoint(cp: number): string {
  try {
    return String.fromCodePoint(cp);
  } catch {
    return '\uFFFD';
  }
}

class Reader implements TokenizerCallbacks {
  private tag = '';
  private attributes: Record<string, string> = {};
  private attribute = '';
  private value = '';

  constructor(
    private readonly source: string,
    private readonly sink: XmlSink,
  ) {}

  onopentagname(start: number, end: number): void {
    this.tag = this.source.slice(start, end).toLowerCase();
    this.attributes = {};
  }

  onattribname(start: number, end: number): void {
    this.attribute = this.source.slice(start, end).toLowerCase();
    this.value = '';
  }

  onattribdata(start: number, end: number): void {
    this.value += this.source.slice(start, end);
  }

  onattribentity(cp: number): void {
    this.value += codePoint(cp);
  }

  onattribend(): void {
    if (!Object.prototype.hasOwnProperty.call(this.attributes, this.attribute)) this.attributes[this.attribute] = this.value;
    this.value = '';
  }

  onopentagend(): void {
    this.sink.open(this.tag, this.attributes);
  }

  onselfclosingtag(): void {
    this.sink.open(this.tag, this.attributes);
    this.sink.close(this.tag);
  }

  onclosetag(start: number, end: number): void {
    this.sink.close(this.source.slice(start, end).toLowerCase());
  }

  ontext(start: number, end: number): void {
    this.sink.text(this.source.slice(start, end));
  }

  ontextentity(cp: number): void {
    this.sink.text(codePoint(cp));
  }

  oncdata(start: number, end: number, offset: number): void {
    this.sink.text(this.source.slice(start, end - offset));
  }

  oncomment(): void {}
  ondeclaration(): void {}
  onprocessinginstruction(): void {}
  onend(): void {}
}

/** Tokenizes `source` as XML (entities decoded) and feeds the events to `sink`. */
export function readXml(source: string, sink: XmlSink): void {
  const tokenizer = new Tokenizer({ xmlMode: true, decodeEntities: true }, new Reader(source, sink));
  tokenizer.write(source);
  tokenizer.end();
}
