import { describe, expect, it } from 'vitest';
import { OutboundStoppedError } from '../../src/outbound/errors.js';
import { Settlements } from '../../src/outbound/settlements.js';

describe('Settlements', () => {
  it('answers late callers from the last `remember` outcomes and forgets older ones, oldest first', async () => {
    const s = new Settlements(3);
    for (let i = 1; i <= 5; i++) s.resolve(`id-${i}`, i);
    s.reject('id-6', new Error('refused'));
    // Kept: 4, 5, 6 (three); 1..3 were forgotten in the order they came.
    await expect(s.waitFor('id-4', true)).resolves.toBe(4);
    await expect(s.waitFor('id-5', true)).resolves.toBe(5);
    await expect(s.waitFor('id-6', true)).rejects.toThrow('refused');
    for (const old of ['id-1', 'id-2', 'id-3']) await expect(s.waitFor(old, true)).rejects.toBeInstanceOf(OutboundStoppedError);
    // Settling a kept id again updates it without evicting another.
    s.resolve('id-5', 'again');
    await expect(s.waitFor('id-5', true)).resolves.toBe('again');
    await expect(s.waitFor('id-4', true)).resolves.toBe(4);
  });

  it('forgets an outcome for an entry sent again, and never evicts it while it is pending', async () => {
    const s = new Settlements(2);
    s.reject('dead', new Error('refused'));
    s.forget('dead');
    const again = s.waitFor('dead', false);
    // Two more outcomes push the old 'dead' out of the memory ring; the pending slot must stay.
    s.resolve('a', 1);
    s.resolve('b', 2);
    s.resolve('dead', 'delivered');
    await expect(again).resolves.toBe('delivered');
  });

  it('holds one slot per waited-for or remembered entry, however many entries passed', async () => {
    const s = new Settlements(3);
    const slots = (s as unknown as { slots: Map<string, unknown> }).slots;
    const waiting = [s.waitFor('open-1', false), s.waitFor('open-1', false), s.waitFor('open-2', false)];
    for (let i = 0; i < 1000; i++) {
      const sent = s.waitFor(`id-${i}`, false);
      s.resolve(`id-${i}`, i);
      await expect(sent).resolves.toBe(i);
    }
    expect(slots.size).toBe(3 + 2);
    s.resolve('open-1', 'a');
    s.reject('open-2', new Error('b'));
    await expect(Promise.allSettled(waiting)).resolves.toEqual([
      { status: 'fulfilled', value: 'a' },
      { status: 'fulfilled', value: 'a' },
      { status: 'rejected', reason: new Error('b') },
    ]);
    expect(slots.size).toBe(3);
  });

  it('settles open waiters and rejects the rest on close', async () => {
    const s = new Settlements();
    const a = s.waitFor('a', false);
    const b = s.waitFor('b', false);
    s.resolve('a', { ok: 1 });
    s.close();
    await expect(a).resolves.toEqual({ ok: 1 });
    await expect(b).rejects.toBeInstanceOf(OutboundStoppedError);
  });
});
