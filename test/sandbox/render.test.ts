/** Plain text → Fleep XML (PROTOCOL.md §9.2) and its trigger rules. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeText } from '../../src/api/index.js';
import { renderMessage } from '../../src/sandbox/render.js';
import { workOf } from '../helpers/work-counter.js';

const ids: Record<string, string> = { bob: 'id-bob', 'a.b-c_d': 'id-abc' };
const xml = (text: string): string => renderMessage(text, (a) => ids[a]).xml;
const mentions = (text: string): string[] => renderMessage(text, (a) => ids[a]).mentionIds;

describe('renderMessage', () => {
  it('paragraphs and line breaks; runs of blank lines fold; empty text', () => {
    expect(xml('message1')).toBe('<msg><p>message1</p></msg>');
    expect(xml('a\nb\n\n\nc')).toBe('<msg><p>a<br/>b</p><p>c</p></msg>');
    expect(xml('\n\na\n\n')).toBe('<msg><p>a</p></msg>');
    expect(xml('')).toBe('<msg><p/></msg>');
  });

  it('escapes XML and drops control characters (keeps tab and newline)', () => {
    expect(xml('<a href="x"> & \'')).toBe('<msg><p>&lt;a href=&quot;x&quot;&gt; &amp; \'</p></msg>');
    expect(xml('a\u0000b\u0007c\td\u001Fe\r')).toBe('<msg><p>abc\tde</p></msg>');
  });

  it('bold and italic with flp/fls, only at word starts, closing before end/space/.,!?;', () => {
    expect(xml('*b* _i_')).toBe('<msg><p><b flp="*" fls="*">b</b> <i flp="_" fls="_">i</i></p></msg>');
    expect(xml('(*b* ), *c*!')).toBe('<msg><p>(<b flp="*" fls="*">b</b> ), <b flp="*" fls="*">c</b>!</p></msg>');
    expect(xml('(*b*)')).toBe('<msg><p>(*b*)</p></msg>');
    expect(xml('*two words*.')).toBe('<msg><p><b flp="*" fls="*">two words</b>.</p></msg>');
    expect(xml('2*3*4')).toBe('<msg><p>2*3*4</p></msg>');
    expect(xml('snake_case_name')).toBe('<msg><p>snake_case_name</p></msg>');
    expect(xml('* not * bold')).toBe('<msg><p>* not * bold</p></msg>');
    expect(xml('*x*y')).toBe('<msg><p>*x*y</p></msg>');
    expect(xml('*x*:')).toBe('<msg><p>*x*:</p></msg>');
    expect(xml('*_both_*')).toBe('<msg><p><b flp="*" fls="*"><i flp="_" fls="_">both</i></b></p></msg>');
    expect(xml('\u2060*no*')).toBe('<msg><p>\u2060*no*</p></msg>');
    expect(xml('*no*\u2060')).toBe('<msg><p>*no*\u2060</p></msg>');
  });

  it('::: blocks only as whole lines; unclosed fences stay literal', () => {
    expect(xml('before\n:::\n  *code* <x>\n:::\nafter')).toBe('<msg><p>before</p><pre>  *code* &lt;x&gt;</pre><p>after</p></msg>');
    expect(xml('::: not a fence\n:::')).toBe('<msg><p>::: not a fence<br/>:::</p></msg>');
  });

  it('> quotes only at line start, kept with their marker', () => {
    expect(xml('> Quote')).toBe('<msg><p><q>&gt; Quote</q></p></msg>');
    expect(xml('hi\n> a\n> b\nbye')).toBe('<msg><p>hi<br/><q>&gt; a<br/>&gt; b</q><br/>bye</p></msg>');
    expect(xml('a > b')).toBe('<msg><p>a &gt; b</p></msg>');
  });

  it('links: schemes, www., trailing punctuation, url<<label>>', () => {
    expect(xml('see https://x.io/a?b=1&c=2.')).toBe('<msg><p>see <a href="https://x.io/a?b=1&amp;c=2">https://x.io/a?b=1&amp;c=2</a>.</p></msg>');
    expect(xml('www.example.com')).toBe('<msg><p><a href="http://www.example.com">www.example.com</a></p></msg>');
    expect(xml('mailto:a@b.c ftp://f skype:me')).toContain('<a href="mailto:a@b.c">');
    expect(xml('https://ci/1<<Build 1>>')).toBe('<msg><p><a href="https://ci/1" flp="https://ci/1&lt;&lt;" fls="&gt;&gt;">Build 1</a></p></msg>');
    expect(xml('xhttp://no')).toBe('<msg><p>xhttp://no</p></msg>');
    expect(xml('(https://x.io/a_(b))')).toContain('href="https://x.io/a_(b)"');
    expect(xml('https://x.io/*a*')).toBe('<msg><p><a href="https://x.io/*a*">https://x.io/*a*</a></p></msg>');
  });

  it('mentions stay text; ids only for known addresses at word starts', () => {
    expect(xml('hi @bob')).toBe('<msg><p>hi @bob</p></msg>');
    expect(mentions('hi @bob, @bob and @a.b-c_d.')).toEqual(['id-bob', 'id-abc']);
    expect(mentions('mail bob@bob.com')).toEqual([]);
    expect(mentions('@ghost @ bob @\u2060bob')).toEqual([]);
    expect(mentions('@BOB')).toEqual(['id-bob']);
  });

  it('escaped text never produces markup and keeps its characters (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('*', '_', '@', 'b', 'o', ' ', '\n', '>', ':', '.', 'w', 'h', 't', 'p', 's', '/', '<') }), (text) => {
        const out = renderMessage(escapeText(text), (a) => ids[a]);
        expect(out.xml).not.toMatch(/<(b|i|a|q|pre)[ >]/);
        expect(out.mentionIds).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('is linear: four times the markers cost at most ~four times the work (counted, not timed)', () => {
    const inputs: Array<(k: number) => string> = [
      (k) => '*_'.repeat(k),
      (k) => 'a '.repeat(k),
      (k) => '*a '.repeat(k),
      (k) => 'http://x '.repeat(k),
      (k) => '@bob '.repeat(k),
      // Deeply nested emphasis: without the depth cap every level would rescan its slice.
      (k) => `${'*_'.repeat(k)}x${'_*'.repeat(k)}`,
    ];
    for (const input of inputs) {
      const small = input(3_000);
      const large = input(12_000);
      let out = renderMessage('', () => undefined);
      const smallWork = workOf(() => void renderMessage(small, (a) => ids[a]));
      const largeWork = workOf(() => void (out = renderMessage(large, (a) => ids[a])));
      expect(smallWork).toBeGreaterThan(0);
      expect(largeWork / smallWork, `work ratio for ${JSON.stringify(large.slice(0, 12))}…`).toBeLessThan(4.5);
      expect(out.xml.startsWith('<msg><p>')).toBe(true);
    }
    expect(renderMessage('http://x '.repeat(11_000), () => undefined).xml.split('<a href=').length - 1).toBe(11_000);
    expect(renderMessage('@bob '.repeat(10_000), (a) => ids[a]).mentionIds).toEqual(['id-bob']);
  });
});

