/**
 * The per-message fast paths give the same results as the general code they bypass: the
 * one-paragraph body shortcut, escapeText's no-trigger shortcut, the one-shot client_req_id
 * hash, the deadline race, dispatcher lane reuse and the normalised event shapes.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeText, xmlToPlainText, xmlToText, WORD_JOINER } from '../../src/api/markup.js';
import type { MessageRecord } from '../../src/api/records.js';
import { clientReqId } from '../../src/outbound/client-req-id.js';
import { Deadlines } from '../../src/runtime/deadlines.js';
import { Dispatcher } from '../../src/runtime/dispatcher.js';
import { normalise } from '../../src/runtime/normalise.js';
import { ManualClock } from '../../src/util/clock.js';

/** The id function as first written (createHash); ids must never change across versions. */
function referenceId(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const pieces = fc.constantFrom('a', 'B', ' ', '*', '_', '@', 'x.y', ':', '<', '>', '\n', '&', '&amp;', '&lt;', 'www.', 'WWW.', 'https', ':::', WORD_JOINER, 'é', '😀', '\r', '\t', '</p>', '<b>');
const text = fc.oneof(fc.array(fc.oneof(pieces, fc.string({ maxLength: 4 })), { maxLength: 16 }).map((a) => a.join('')), fc.string());

describe('clientReqId', () => {
  it('gives the same ids as the original createHash version', () => {
    expect(clientReqId('conv-1:42:0:0')).toBe('bfa41b1f-a326-4abe-8d6b-4c4e887a87b0');
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (key) => clientReqId(key) === referenceId(key)), { numRuns: 2000 });
  });
});

describe('one-paragraph bodies', () => {
  it('parse exactly like the tokenizer path', () => {
    fc.assert(
      fc.property(text, (inner) => {
        const simple = `<msg><p>${inner}</p></msg>`;
        // A comment changes nothing in the result but keeps the body off the shortcut.
        const general = `<msg><p>${inner}</p><!----></msg>`;
        expect(xmlToText(simple)).toEqual(xmlToText(general));
        expect(xmlToPlainText(simple)).toBe(xmlToText(general).text);
      }),
      { numRuns: 3000 },
    );
  });

  it('xmlToPlainText is xmlToText(...).text for any input', () => {
    fc.assert(fc.property(text, (body) => xmlToPlainText(body) === xmlToText(body).text), { numRuns: 3000 });
    expect(xmlToPlainText('<msg><p>hi <b>@bob</b> &amp; you\u2060</p></msg>')).toBe('hi @bob & you');
  });
});

describe('escapeText without trigger characters', () => {
  it('returns such text unchanged and still escapes triggers', () => {
    const plain = fc.array(fc.constantFrom('a', 'Z', ' ', '9', '?', '!', ',', '.', 'é', 'ww.', '-', "'"), { maxLength: 30 }).map((a) => a.join(''));
    fc.assert(fc.property(plain, (s) => escapeText(s) === s), { numRuns: 2000 });
    expect(escapeText("you're welcome")).toBe("you're welcome");
    expect(escapeText('see Www.x')).toBe(`see Www${WORD_JOINER}.x`);
    expect(escapeText('a\n\n\nb')).toBe(`a\n${WORD_JOINER}\n\nb`);
  });
});

describe('Deadline.race', () => {
  it('gives the work value in time and undefined once the deadline passed', async () => {
    const clock = new ManualClock();
    const deadlines = new Deadlines(clock, 1000);
    const first = deadlines.start();
    await expect(first.race(Promise.resolve(7))).resolves.toBe(7);
    deadlines.finish(first);

    const second = deadlines.start();
    const never = new Promise<number>(() => {});
    const raced = second.race(never);
    const aborted = new Promise((resolve) => second.signal.addEventListener('abort', resolve));
    clock.advance(1000);
    await expect(raced).resolves.toBeUndefined();
    await aborted;
    expect(second.isDone).toBe(true);
    // Raced again after expiry: undefined at once, even for work that never ends.
    await expect(second.race(never)).resolves.toBeUndefined();
  });

  it('expires exactly the overdue ones among many overlapping deadlines, finished in any order', async () => {
    const clock = new ManualClock();
    const deadlines = new Deadlines(clock, 1000);
    const started: Array<{ d: ReturnType<Deadlines['start']>; at: number; finished: boolean }> = [];
    // 60 attempts 50 ms apart; every third finishes early, in reverse order of start.
    for (let i = 0; i < 60; i++) {
      started.push({ d: deadlines.start(), at: clock.now(), finished: false });
      await clock.advance(50);
    }
    // Now 3000 ms after the first start: those started up to 2000 ms have expired. Every third of
    // the rest (and of the expired ones, which changes nothing for them) finishes, newest first.
    const now = clock.now();
    const overdue = started.flatMap((s, i) => (s.at + 1000 <= now ? [i] : []));
    expect(overdue).toHaveLength(41);
    expect(started.flatMap((s, i) => (s.d.isDone ? [i] : []))).toEqual(overdue);
    for (let i = 59; i >= 0; i -= 3) {
      if (!started[i]!.d.isDone) started[i]!.finished = true;
      deadlines.finish(started[i]!.d);
    }
    await clock.advance(1000);
    expect(started.every((s) => s.d.isDone)).toBe(true);
    expect(started.filter((s) => !s.finished).every((s) => s.d.signal.aborted)).toBe(true);
    expect(started.filter((s) => s.finished).some((s) => s.d.signal.aborted)).toBe(false);
  });

  it('passes a rejection of the work on', async () => {
    const deadlines = new Deadlines(new ManualClock(), 1000);
    const d = deadlines.start();
    await expect(d.race(Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});

describe('Dispatcher idle lanes', () => {
  it('keeps every lane in order when emptied lanes get work again', async () => {
    const seen = new Map<string, number[]>();
    const dispatcher = new Dispatcher<{ lane: string; n: number }>({
      concurrency: 3,
      run: async (item) => {
        await Promise.resolve();
        seen.set(item.lane, [...(seen.get(item.lane) ?? []), item.n]);
      },
    });
    for (let round = 0; round < 5; round++) {
      for (let n = 0; n < 200; n++) dispatcher.push({ lane: `c${(n * 7 + round) % 90}`, n: round * 1000 + n });
      await dispatcher.idle();
    }
    let total = 0;
    for (const [, ns] of seen) {
      total += ns.length;
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
    }
    expect(total).toBe(1000);
  });

  it('keeps a bounded number of emptied lanes: memory stays flat over many conversations', async () => {
    let handled = 0;
    const dispatcher = new Dispatcher<{ lane: string }>({ concurrency: 4, run: async () => void handled++ });
    const lanes = (dispatcher as unknown as { lanes: Map<string, unknown> }).lanes;
    let most = 0;
    for (let n = 0; n < 20_000; n++) {
      dispatcher.push({ lane: `c${n % 5000}` });
      if (n % 100 === 99) {
        await dispatcher.idle();
        most = Math.max(most, lanes.size);
      }
    }
    await dispatcher.idle();
    expect(handled).toBe(20_000);
    expect(most).toBeLessThanOrEqual(1025 + 100);
  });
});

describe('normalise', () => {
  const record = (extra: Partial<MessageRecord> = {}): MessageRecord =>
    ({
      mk_rec_type: 'message',
      conversation_id: 'conv-1',
      message_nr: 5,
      account_id: 'acc-alice',
      message: '<msg><p>hello *there*</p></msg>',
      posted_time: 1_700_000_000,
      tags: [],
      ...extra,
    }) as MessageRecord;

  it('builds a new message with the same fields as before', () => {
    const unit = normalise(record(), 9, { botAccountId: 'acc-bot', previous: () => undefined })!;
    expect(unit.key).toBe('conv-1:5:0');
    expect(unit.snapshotKey).toBe('conv-1:5');
    expect(unit.flowNr).toBe(5);
    expect(unit.events).toHaveLength(1);
    const event = unit.events[0]!;
    expect(Object.keys(event)).toEqual(['type', 'id', 'actorId', 'horizon', 'conversationId', 'record', 'message']);
    expect(event).toMatchObject({ type: 'message.new', id: 'conv-1:5:0', actorId: 'acc-alice', horizon: 9, conversationId: 'conv-1' });
    expect(Object.isFrozen(event.record)).toBe(true);
    expect((event as { message: unknown }).message).toEqual({
      conversationId: 'conv-1',
      messageNr: 5,
      authorId: 'acc-alice',
      text: 'hello *there*',
      xml: '<msg><p>hello *there*</p></msg>',
      type: 'text',
      state: expect.any(String),
      tags: [],
      assigneeIds: [],
      reactions: [],
      mentionIds: [],
      postedAt: 1_700_000_000_000,
      editedAt: undefined,
      revision: 0,
      isPinned: false,
      isTask: false,
      isDone: false,
      isDeleted: false,
    });
  });

  it('numbers further events of one record and adds their extra fields', () => {
    const prev = normalise(record(), 9, { botAccountId: 'acc-bot', previous: () => undefined })!.snapshot!;
    const changed = record({ flow_message_nr: 8, reactions: [{ reaction: '👍', account_ids: ['acc-bob'] }], tags: ['pin'], edit_account_id: 'acc-bob' } as Partial<MessageRecord>);
    const unit = normalise(changed, 10, { botAccountId: 'acc-bot', previous: (key) => (key === 'conv-1:5' ? prev : undefined) })!;
    expect(unit.events.map((e) => [e.type, e.id])).toEqual([
      ['message.pinned', 'conv-1:5:8'],
      ['reaction.added', 'conv-1:5:8#1'],
    ]);
    expect(unit.events[1]).toMatchObject({ emoji: '👍', reactorId: 'acc-bob', actorId: 'acc-bob' });
    expect(unit.flowNr).toBe(8);
  });
});

describe('SnapshotCache', () => {
  it('keeps recently used snapshots, drops the oldest generation, and stays bounded', async () => {
    const { SnapshotCache } = await import('../../src/runtime/message-snapshot.js');
    const cache = new SnapshotCache(4); // two generations of 2
    const snap = (n: number) => ({ xml: String(n), state: 'plain', tags: [], assigneeIds: [], reactions: [], revision: 0 });
    cache.set('a', snap(1));
    cache.set('b', snap(2)); // the current generation is full: {a, b} becomes the old one
    cache.set('c', snap(3));
    expect(cache.get('a')?.xml).toBe('1'); // re-used: moved to the current generation {c, a}, which rotates
    expect(cache.get('b')).toBeUndefined(); // never re-used: dropped with its generation
    expect(cache.get('c')?.xml).toBe('3');
    for (let i = 0; i < 1_000; i++) cache.set(`k${i}`, snap(i));
    expect(cache.size).toBeLessThanOrEqual(4);
    expect(cache.get('k999')?.xml).toBe('999');
    expect(cache.get('k0')).toBeUndefined();
  });
});
