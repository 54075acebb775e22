import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitMessage, splitText } from '../../src/outbound/split-text.js';
import type { TextPart } from '../../src/outbound/split-text.js';
import { workOf } from '../helpers/work-counter.js';

/** A generated text plus the spans a cut must never enter. */
interface Sample {
  text: string;
  atoms: Array<[number, number]>;
  /** Small code blocks: never cut inside. */
  blocks: Array<[number, number]>;
}

const word = fc.string({ unit: fc.constantFrom('a', 'b', 'é', 'z', '*', '_', '.', ','), minLength: 1, maxLength: 12 });
const longWord = fc.string({ unit: fc.constantFrom('x', 'y'), minLength: 30, maxLength: 200 });
const sep = fc.constantFrom(' ', ' ', ' ', '\n', '\n\n', '. ', '! ', '\n\n\n', '  ');
const emoji = fc.constantFrom('😀', '👍🏽', '🧪', '𝒳');
const mention = fc.constantFrom('@jane', '@bob@example.com', '@a.b-c');
const url = fc.constantFrom('https://example.com/a?b=c', 'www.fleep.io/x', 'mailto:x@y.z', 'http://' + 'p'.repeat(40));
const link = fc.constantFrom('https://e.com/r<<the release notes>>', 'http://x.y<<a b c d e>>');
const codeLine = fc.string({ unit: fc.constantFrom('c', 'd', ' ', '=', '(', ')'), minLength: 0, maxLength: 30 });
const code = fc.array(codeLine, { minLength: 1, maxLength: 12 }).map((lines) => ':::\n' + lines.join('\n') + '\n  ::: ');
const bigCode = fc.array(codeLine, { minLength: 20, maxLength: 80 }).map((lines) => ':::\n' + lines.join('\n') + '\n:::');

type Token = { kind: 'plain' | 'atom' | 'block'; text: string };
const token: fc.Arbitrary<Token> = fc.oneof(
  { weight: 20, arbitrary: word.map((text) => ({ kind: 'plain' as const, text })) },
  { weight: 12, arbitrary: sep.map((text) => ({ kind: 'plain' as const, text })) },
  { weight: 1, arbitrary: longWord.map((text) => ({ kind: 'plain' as const, text })) },
  { weight: 2, arbitrary: emoji.map((text) => ({ kind: 'atom' as const, text })) },
  { weight: 2, arbitrary: mention.map((text) => ({ kind: 'atom' as const, text })) },
  { weight: 2, arbitrary: url.map((text) => ({ kind: 'atom' as const, text })) },
  { weight: 2, arbitrary: link.map((text) => ({ kind: 'atom' as const, text })) },
  { weight: 1, arbitrary: code.map((text) => ({ kind: 'block' as const, text: '\n' + text + '\n' })) },
  { weight: 1, arbitrary: bigCode.map((text) => ({ kind: 'plain' as const, text: '\n' + text + '\n' })) },
);

/** Joins tokens; atoms get a space on both sides so they stay separate tokens for the parser too. */
const sample: fc.Arbitrary<Sample> = fc.array(token, { minLength: 1, maxLength: 400 }).map((tokens) => {
  let text = '';
  const atoms: Array<[number, number]> = [];
  const blocks: Array<[number, number]> = [];
  for (const t of tokens) {
    if (t.kind === 'atom') {
      text += ' ';
      atoms.push([text.length, text.length + t.text.length]);
      text += t.text + ' ';
    } else if (t.kind === 'block') {
      blocks.push([text.length + 1, text.length + t.text.length - 1]);
      text += t.text;
    } else {
      text += t.text;
    }
  }
  return { text, atoms, blocks };
});

/** Offsets in the input where each part's body starts and ends. */
function cuts(parts: TextPart[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let at = 0;
  for (const p of parts) {
    at += p.body.length;
    out.push([at, at + p.separator.length]);
    at += p.separator.length;
  }
  return out.slice(0, -1);
}

function fenceLines(s: string): number {
  return s.split('\n').filter((line) => line.trim() === ':::').length;
}

describe('splitText', () => {
  it('keeps every part within the limit and restores the input when separators are put back', () => {
    fc.assert(
      fc.property(sample, fc.integer({ min: 16, max: 600 }), ({ text }, limit) => {
        const parts = splitText(text, limit);
        for (const p of parts) {
          expect((p.prefix + p.body + p.suffix).length).toBeLessThanOrEqual(limit);
          expect(p.body.length).toBeGreaterThan(0);
        }
        expect(parts.map((p) => p.body + p.separator).join('')).toBe(text);
        for (const p of parts) expect(p.body.trim().length > 0 || p.prefix !== '' || p.suffix !== '' || parts.length === 1).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('never cuts inside a surrogate pair, mention, URL, link or a code block that fits', () => {
    fc.assert(
      fc.property(sample, fc.integer({ min: 120, max: 800 }), ({ text, atoms, blocks }, limit) => {
        const parts = splitText(text, limit);
        for (const [start, end] of cuts(parts)) {
          for (const at of [start, end]) {
            const code = text.charCodeAt(at);
            expect(code >= 0xdc00 && code <= 0xdfff, `cut at ${at} splits a surrogate pair`).toBe(false);
          }
          for (const [a, b] of atoms) expect(start >= b || end <= a, `cut ${start}-${end} enters ${text.slice(a, b)}`).toBe(true);
          for (const [a, b] of blocks) {
            if (b - a <= limit - 8) expect(start >= b || end <= a, `cut ${start}-${end} enters a code block`).toBe(true);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('closes and reopens a code block that is too long for one message', () => {
    fc.assert(
      fc.property(sample, fc.integer({ min: 40, max: 400 }), ({ text }, limit) => {
        fc.pre(fenceLines(text) % 2 === 0);
        for (const message of splitMessage(text, limit)) {
          expect(fenceLines(message) % 2, `unbalanced fences in ${JSON.stringify(message)}`).toBe(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('prefers paragraph, then line, then sentence boundaries', () => {
    const para = 'a'.repeat(60) + '\n\n' + 'b'.repeat(30) + '\n' + 'c'.repeat(20);
    expect(splitMessage(para, 100)).toEqual(['a'.repeat(60), 'b'.repeat(30) + '\n' + 'c'.repeat(20)]);
    const lines = 'a'.repeat(60) + '\n' + 'b b. c'.repeat(10);
    expect(splitMessage(lines, 100)[0]).toBe('a'.repeat(60));
    const sentences = 'Word word word. '.repeat(10);
    const parts = splitMessage(sentences, 100);
    expect(parts[0]!.endsWith('.')).toBe(true);
  });

  it('splits a code block too long for one message at line breaks with fences around the cut', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i}`);
    const text = 'intro\n:::\n' + lines.join('\n') + '\n:::\noutro';
    const parts = splitMessage(text, 120);
    expect(parts.length).toBeGreaterThan(2);
    expect(parts[0]!.startsWith('intro')).toBe(true);
    expect(parts[0]!.endsWith('\n:::')).toBe(true);
    expect(parts[1]!.startsWith(':::\nline')).toBe(true);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(120);
    const rebuilt = parts.map((p) => p.replace(/^:::\n(?=line)/u, '').replace(/\n:::$/u, '')).join('\n');
    expect(rebuilt.replace(/\n+/gu, '\n')).toContain(lines.join('\n'));
  });

  it('hard-cuts a word longer than the limit without splitting an emoji', () => {
    const text = '😀'.repeat(100);
    const parts = splitText(text, 51);
    expect(parts.every((p) => p.body.length <= 51 && p.body.length % 2 === 0)).toBe(true);
    expect(parts.map((p) => p.body).join('')).toBe(text);
  });

  it('leaves short texts alone and rejects a limit too small to work with', () => {
    expect(splitMessage('hello', 16)).toEqual(['hello']);
    expect(() => splitText('x', 3)).toThrow(/at least 16/u);
  });

  it('splits a 1 MB text and a 100 kB run of `<` losslessly, with work linear in the length (counted, not timed)', () => {
    const paragraphs = (k: number): string => ('word '.repeat(50) + '\n\n').repeat(k);
    const angled = (k: number): string => 'a<<'.repeat(k) + 'x'.repeat(k);
    const big = paragraphs(4000);
    expect(big.length).toBeGreaterThan(1_000_000);
    const parts = splitText(big, 10_000);
    expect(parts.map((p) => p.body + p.separator).join('')).toBe(big);
    expect(parts.every((p) => p.body.length <= 10_000)).toBe(true);
    const run = angled(40_000);
    const runParts = splitText(run, 10_000);
    expect(runParts.map((p) => p.body + p.separator).join('')).toBe(run);
    for (const [input, k] of [[paragraphs, 1_000], [angled, 10_000]] as const) {
      const small = workOf(() => void splitText(input(k), 10_000));
      const large = workOf(() => void splitText(input(4 * k), 10_000));
      expect(small).toBeGreaterThan(0);
      // Linear work grows ~4× (a bit more: the last, uncut part costs nothing); quadratic ~16×.
      expect(large / small, `work ratio for ${JSON.stringify(input(1).slice(0, 12))}…`).toBeLessThan(6);
    }
  });
});


describe('splitText around indented fences', () => {
  it('cuts at the line break before an indented fence line rather than hard-cutting', () => {
    const text = 'x'.repeat(50) + '\n  :::\n' + 'code\n'.repeat(5) + '  :::';
    const parts = splitText(text, 60);
    expect(parts[0]!.body).toBe('x'.repeat(50));
    expect(parts[1]!.body.startsWith('  :::')).toBe(true);
  });
});
