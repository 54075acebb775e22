import { describe, expect, it } from 'vitest';
import { ManualClock, parseDuration } from '../../src/util/clock.js';
import { fullJitter, seededRandom } from '../../src/util/backoff.js';

describe('ManualClock', () => {
  it('fires timers in due order only when advanced', async () => {
    const clock = new ManualClock(1_000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 200);
    clock.setTimeout(() => fired.push('a'), 100);
    const c = clock.setTimeout(() => fired.push('c'), 300);
    clock.clearTimeout(c);
    await clock.advance(150);
    expect(fired).toEqual(['a']);
    await clock.advance('1s');
    expect(fired).toEqual(['a', 'b']);
    expect(clock.now()).toBe(2_150);
  });

  it('lets a sleep started by a timer finish within the same advance', async () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    void (async () => {
      await clock.sleep(10);
      seen.push(clock.now());
      await clock.sleep(10);
      seen.push(clock.now());
    })();
    await clock.advance(25);
    expect(seen).toEqual([10, 20]);
  });

  it('rejects a sleep when its signal aborts', async () => {
    const clock = new ManualClock(0);
    const ac = new AbortController();
    const p = clock.sleep(1_000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('parseDuration', () => {
  it('reads ms strings and rejects nonsense with the value named', () => {
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration(5)).toBe(5);
    expect(() => parseDuration('soon')).toThrow(/"soon"/);
  });
});

describe('fullJitter', () => {
  it('stays within [0, min(cap, base*2^n))', () => {
    const rnd = seededRandom(7);
    for (let n = 0; n < 20; n++) {
      const d = fullJitter(n, { baseMs: 100, capMs: 5_000 }, rnd);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(Math.min(5_000, 100 * 2 ** n));
    }
  });
});
