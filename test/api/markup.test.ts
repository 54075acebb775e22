import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeText, findMentions, isMarkup, markup, toWireText, WORD_JOINER, xmlToText } from '../../src/api/markup.js';
import { renderMessage } from '../../src/sandbox/render.js';

const WJ = WORD_JOINER;
const render = (text: string): string => renderMessage(text, (address) => (address === 'alice' ? 'acc-alice' : undefined)).xml;

describe('xmlToText', () => {
  it('decodes a simple body', () => {
    expect(xmlToText('<msg><p>simple message</p></msg>')).toEqual({ text: 'simple message', typedText: 'simple message', mentions: [], links: [], files: [] });
  });

  it('returns plain words in text and the typed markup in typedText', () => {
    const parsed = xmlToText('<msg><p>hi <b flp="*" fls="*">bot</b> and <i flp="_" fls="_">you</i></p></msg>');
    expect(parsed.text).toBe('hi bot and you');
    expect(parsed.typedText).toBe('hi *bot* and _you_');
  });

  it('decodes entities, keeps the > of a quote, maps <br/> and joins paragraphs with a blank line', () => {
    const parsed = xmlToText('<msg><p>message via email &amp; &lt;tags&gt; &quot;q&quot;</p><p><q>&gt; Quote<br/>-- <br/>Helmo</q></p></msg>');
    expect(parsed.text).toBe('message via email & <tags> "q"\n\n> Quote\n-- \nHelmo');
  });

  it('collects links with labels and restores url<<label>> in typedText', () => {
    const parsed = xmlToText(
      '<msg><p>see <a href="https://x.io/a?b=1&amp;c=2" flp="https://x.io/a?b=1&amp;c=2&lt;&lt;" fls="&gt;&gt;">the docs</a> or <a href="http://www.y.com">www.y.com</a></p></msg>',
    );
    expect(parsed.text).toBe('see the docs or www.y.com');
    expect(parsed.typedText).toBe('see https://x.io/a?b=1&c=2<<the docs>> or www.y.com');
    expect(parsed.links).toEqual([
      { href: 'https://x.io/a?b=1&c=2', label: 'the docs' },
      { href: 'http://www.y.com', label: 'www.y.com' },
    ]);
  });

  it('lists files and leaves their names out of the text', () => {
    const parsed = xmlToText('<msg><p>report<br/><file key="Zk3xQ1bW">avatar1.jpg</file></p></msg>');
    expect(parsed.files).toEqual([{ key: 'Zk3xQ1bW', name: 'avatar1.jpg' }]);
    expect(parsed.text).toBe('report\n');
  });

  it('keeps pre text verbatim and emoticon text, drops mark tags', () => {
    const parsed = xmlToText('<msg><pre>  code *x*\n  y</pre><p>ok <emo kind="esmile">:)</emo> <mark>found</mark></p><hr/></msg>');
    expect(parsed.text).toBe('  code *x*\n  y\nok :) found\n');
    expect(parsed.typedText).toBe(':::\n  code *x*\n  y\n:::\nok :) found\n');
  });

  it('finds @mentions but not e-mail addresses or escaped ones', () => {
    const parsed = xmlToText(`<msg><p>@alice and @bob.smith. mail bob@example.com, not @${WJ}carol</p></msg>`);
    expect(parsed.mentions).toEqual(['alice', 'bob.smith']);
    expect(parsed.text).toBe('@alice and @bob.smith. mail bob@example.com, not @carol');
    expect(findMentions('(@x_y) @@z a@b')).toEqual(['x_y', 'z']);
  });

  it('handles deleted, empty, system and non-XML bodies', () => {
    expect(xmlToText('').text).toBe('');
    expect(xmlToText('<msg><p/></msg>').text).toBe('');
    expect(xmlToText('{"members":["a"],"topic":"Ops"}').text).toBe('{"members":["a"],"topic":"Ops"}');
    expect(xmlToText('a < b && c > d').text).toContain('a');
    expect(xmlToText(undefined as unknown as string).text).toBe('');
  });

  it('survives truncated and unbalanced XML', () => {
    expect(xmlToText('<msg><p>hello <b flp="*" fls="*">wor').text).toBe('hello wor');
    expect(xmlToText('<msg><p>a</i></b></p><p>b</msg>').text).toBe('a\n\nb');
    expect(xmlToText('<msg><p><a href="x">unterminated').links).toEqual([{ href: 'x', label: 'unterminated' }]);
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (input) => {
        const parsed = xmlToText(input);
        expect(typeof parsed.text).toBe('string');
        expect(parsed.text.includes(WJ)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on random XML-ish input', () => {
    const token = fc.oneof(
      fc.constantFrom('<msg>', '</msg>', '<p>', '</p>', '<p/>', '<br/>', '<b flp="*" fls="*">', '</b>', '<i>', '</i>', '<a href="h">', '</a>', '<file key="k">', '</file>', '<pre>', '</pre>', '<q>', '</q>', '<hr/>', '<emo kind="x">', '</emo>', '&amp;', '&lt;', '&#x1F600;', '&bogus;', '<!--', '-->', '<![CDATA[', ']]>', '<?xml ?>', '<', '>', '"', "'", '='),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), (tokens) => {
        const parsed = xmlToText(tokens.join(''));
        expect(Array.isArray(parsed.links)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on every truncation of real bodies', () => {
    const bodies = [
      '<msg><p>hi <b flp="*" fls="*">bot</b></p></msg>',
      '<msg><p>message via email</p><p><q>-- <br/>Helmo</q></p></msg>',
      '<msg><p><a href="https://a.b/c" flp="https://a.b/c&lt;&lt;" fls="&gt;&gt;">label</a> <file key="k1">f.png</file></p></msg>',
    ];
    for (const body of bodies) for (let n = 0; n <= body.length; n++) expect(() => xmlToText(body.slice(0, n))).not.toThrow();
  });

  it('completes on 1 MB bodies, including hostile nesting', () => {
    const big = `<msg><p>${'word &amp; <b flp="*" fls="*">bold</b> '.repeat(30_000)}</p></msg>`;
    expect(big.length).toBeGreaterThan(1_000_000);
    expect(xmlToText(big).text.length).toBeGreaterThan(300_000);
    const nested = `<msg>${'<a href="x"><file key="k">'.repeat(40_000)}x</msg>`;
    expect(xmlToText(nested).links.length).toBe(40_000);
    const stray = `<msg>${'<b>'.repeat(100_000)}${'</i>'.repeat(100_000)}</msg>`;
    expect(xmlToText(stray).text).toBe('');
    const deep = `<msg>${'<b>x'.repeat(250_000)}</msg>`;
    expect(xmlToText(deep).text.length).toBe(250_000);
  });
});

describe('escapeText', () => {
  it('breaks each markup trigger with a word joiner', () => {
    expect(escapeText('*bold* _it_')).toBe(`*${WJ}bold*${WJ} _${WJ}it_${WJ}`);
    expect(escapeText('ping @alice')).toBe(`ping @${WJ}alice`);
    expect(escapeText('https://x.io www.y.com mailto:a@b.c')).toBe(`https${WJ}://x.io www${WJ}.y.com mailto${WJ}:a@${WJ}b.c`);
    expect(escapeText('u<<l>>')).toBe(`u<${WJ}<l>>`);
    expect(escapeText('> not a quote\n:::\ncode\n:::')).toBe(`${WJ}> not a quote\n:${WJ}::\ncode\n:${WJ}::`);
  });

  it('leaves ordinary text and snake_case alone', () => {
    expect(escapeText('plain words, my_var_name and 2*3=6')).toBe('plain words, my_var_name and 2*3=6');
    expect(escapeText('')).toBe('');
  });

  it('keeps blank-line structure that Fleep would fold away', () => {
    expect(escapeText('a\n\nb')).toBe('a\n\nb');
    expect(escapeText('a\n\n\nb\n')).toBe(`a\n${WJ}\n\nb\n${WJ}`);
  });

  it('renders literally: the sandbox renderer produces no markup from escaped text', () => {
    const xml = render(escapeText('*b* _i_ @alice https://x.io www.y.com mailto:a@b.c skype:me ftp://f u<<l>>\n> q\n:::\nc\n:::'));
    expect(xml).not.toMatch(/<(b|i|a|q|pre)[ >]/);
    expect(renderMessage(escapeText('hi @alice'), () => 'acc-alice').mentionIds).toEqual([]);
  });

  it('round-trips through the sandbox renderer for arbitrary text without control characters', () => {
    const alphabet = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('*', '_', '@', ':', '/', '<', '>', '.', 'w', 'W', 'h', 't', 'p', 's', 'm', 'a', 'i', 'l', 'o', ' ', '\n', '\t', '&', '"', '!', ',', ';', '-', 'x', 'é', '😀') },
      { weight: 1, arbitrary: fc.constantFrom('https://', 'www.', 'mailto:', 'skype:', 'ftp://', ':::', '<<', '>>', '@alice', '*bold*', '_it_', '\n\n', '\n\n\n', '> ') },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 3 }) },
    );
    const text = fc
      .array(alphabet, { maxLength: 40 })
      // eslint-disable-next-line no-control-regex
      .map((parts) => parts.join('').replace(/[\u0000-\u0008\u000B-\u001F\u2060]/g, ''));
    fc.assert(
      fc.property(text, (s) => {
        expect(xmlToText(render(escapeText(s))).text).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips arbitrary unicode strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (raw) => {
        // eslint-disable-next-line no-control-regex
        const s = raw.replace(/[\u0000-\u0008\u000B-\u001F\u2060]/g, '');
        expect(xmlToText(render(escapeText(s))).text).toBe(s);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('markup() and toWireText()', () => {
  it('sends markup as typed and escapes plain strings', () => {
    const m = markup('*Deploy* by @alice');
    expect(isMarkup(m)).toBe(true);
    expect(isMarkup('*Deploy*')).toBe(false);
    expect(toWireText(m)).toBe('*Deploy* by @alice');
    expect(toWireText('*Deploy*')).toBe(`*${WJ}Deploy*${WJ}`);
    expect(xmlToText(render(toWireText(m))).typedText).toBe('*Deploy* by @alice');
  });

  it('rejects non-strings with a message saying what to pass', () => {
    expect(() => markup(42 as unknown as string)).toThrow(/markup\(text\) needs a string, got number/);
    expect(() => toWireText({ text: 'x' } as never)).toThrow(/string or markup\(text\)/);
  });
});
