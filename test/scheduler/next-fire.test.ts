import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CronExpressionError, nextFire } from '../../src/scheduler/next-fire.js';
import { TimeZoneError, assertTimeZone } from '../../src/util/time-zone.js';

/** The first `n` slots after `startIso`, as UTC ISO strings. */
function slots(expression: string, zone: string, startIso: string, n: number): string[] {
  const out: string[] = [];
  let at = Date.parse(startIso);
  for (let i = 0; i < n; i++) {
    const next = nextFire(expression, zone, at);
    if (next === null) break;
    out.push(new Date(next).toISOString().replace('.000Z', 'Z'));
    at = next;
  }
  return out;
}

// 2026 transitions. Europe/Tallinn: 29 Mar 03:00 EET → 04:00 EEST (01:00Z); 25 Oct 04:00 EEST →
// 03:00 EET (01:00Z), so 03:00–03:59 happens twice. America/New_York: 8 Mar 02:00 EST → 03:00 EDT
// (07:00Z); 1 Nov 02:00 EDT → 01:00 EST (06:00Z), so 01:00–01:59 happens twice.
describe('nextFire across DST transitions (2026)', () => {
  const table: Array<[string, string, string, string, string[]]> = [
    // [what, expression, zone, start, expected slots]
    ['Tallinn daily 03:30, spring-forward gap → once at 04:00 EEST', '30 3 * * *', 'Europe/Tallinn', '2026-03-27T12:00:00Z',
      ['2026-03-28T01:30:00Z', '2026-03-29T01:00:00Z', '2026-03-30T00:30:00Z']],
    ['Tallinn daily 02:30, spring-forward day (not in the gap)', '30 2 * * *', 'Europe/Tallinn', '2026-03-27T12:00:00Z',
      ['2026-03-28T00:30:00Z', '2026-03-29T00:30:00Z', '2026-03-29T23:30:00Z']],
    ['Tallinn daily 03:30, fall-back repeat → first occurrence only', '30 3 * * *', 'Europe/Tallinn', '2026-10-23T12:00:00Z',
      ['2026-10-24T00:30:00Z', '2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z']],
    ['Tallinn daily 02:30, fall-back day', '30 2 * * *', 'Europe/Tallinn', '2026-10-23T12:00:00Z',
      ['2026-10-23T23:30:00Z', '2026-10-24T23:30:00Z', '2026-10-26T00:30:00Z']],
    ['Tallinn hourly through the gap', '0 * * * *', 'Europe/Tallinn', '2026-03-28T22:30:00Z',
      ['2026-03-28T23:00:00Z', '2026-03-29T00:00:00Z', '2026-03-29T01:00:00Z', '2026-03-29T02:00:00Z']],
    ['Tallinn hourly through the repeated hour', '0 * * * *', 'Europe/Tallinn', '2026-10-24T23:30:00Z',
      ['2026-10-25T00:00:00Z', '2026-10-25T01:00:00Z', '2026-10-25T02:00:00Z', '2026-10-25T03:00:00Z']],
    ['Tallinn hourly at :30 skips the gap slot (keeps its interval)', '30 * * * *', 'Europe/Tallinn', '2026-03-29T00:00:00Z',
      ['2026-03-29T00:30:00Z', '2026-03-29T01:30:00Z', '2026-03-29T02:30:00Z']],
    ['Tallinn every 10 min through the gap', '*/10 * * * *', 'Europe/Tallinn', '2026-03-29T00:35:00Z',
      ['2026-03-29T00:40:00Z', '2026-03-29T00:50:00Z', '2026-03-29T01:00:00Z', '2026-03-29T01:10:00Z']],
    ['New York daily 02:30, spring-forward gap → once at 03:00 EDT', '30 2 * * *', 'America/New_York', '2026-03-06T12:00:00Z',
      ['2026-03-07T07:30:00Z', '2026-03-08T07:00:00Z', '2026-03-09T06:30:00Z']],
    ['New York daily 03:30, spring-forward day', '30 3 * * *', 'America/New_York', '2026-03-06T12:00:00Z',
      ['2026-03-07T08:30:00Z', '2026-03-08T07:30:00Z', '2026-03-09T07:30:00Z']],
    ['New York daily 02:30, fall-back day (02:30 happens once)', '30 2 * * *', 'America/New_York', '2026-10-30T12:00:00Z',
      ['2026-10-31T06:30:00Z', '2026-11-01T07:30:00Z', '2026-11-02T07:30:00Z']],
    ['New York daily 03:30, fall-back day', '30 3 * * *', 'America/New_York', '2026-10-30T12:00:00Z',
      ['2026-10-31T07:30:00Z', '2026-11-01T08:30:00Z', '2026-11-02T08:30:00Z']],
    ['New York daily 01:30, fall-back repeat → first occurrence only', '30 1 * * *', 'America/New_York', '2026-10-30T12:00:00Z',
      ['2026-10-31T05:30:00Z', '2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z']],
    ['New York 01:00 and 02:00, fall-back', '0 1,2 * * *', 'America/New_York', '2026-11-01T00:00:00Z',
      ['2026-11-01T05:00:00Z', '2026-11-01T07:00:00Z', '2026-11-02T06:00:00Z']],
    ['New York hourly through the gap', '0 * * * *', 'America/New_York', '2026-03-08T05:30:00Z',
      ['2026-03-08T06:00:00Z', '2026-03-08T07:00:00Z', '2026-03-08T08:00:00Z']],
    ['New York hourly through the repeated hour', '0 * * * *', 'America/New_York', '2026-11-01T03:30:00Z',
      ['2026-11-01T04:00:00Z', '2026-11-01T05:00:00Z', '2026-11-01T06:00:00Z', '2026-11-01T07:00:00Z']],
    ['New York every 10 min in the 1 am hour, both passes', '*/10 1 * * *', 'America/New_York', '2026-11-01T05:35:00Z',
      ['2026-11-01T05:40:00Z', '2026-11-01T05:50:00Z', '2026-11-01T06:00:00Z', '2026-11-01T06:10:00Z']],
    ['Sydney daily 02:30, spring-forward gap (4 Oct 2026) → 03:00 AEDT', '30 2 * * *', 'Australia/Sydney', '2026-10-02T12:00:00Z',
      ['2026-10-02T16:30:00Z', '2026-10-03T16:00:00Z', '2026-10-04T15:30:00Z']],
  ];

  it.each(table)('%s', (_what, expression, zone, start, expected) => {
    expect(slots(expression, zone, start, expected.length)).toEqual(expected);
  });

  it('every 10 minutes keeps a 10-minute interval through both transitions in both zones', () => {
    for (const [zone, start] of [
      ['Europe/Tallinn', '2026-03-28T22:00:00Z'],
      ['Europe/Tallinn', '2026-10-24T22:00:00Z'],
      ['America/New_York', '2026-03-08T04:00:00Z'],
      ['America/New_York', '2026-11-01T03:00:00Z'],
    ] as const) {
      const got = slots('*/10 * * * *', zone, start, 36).map((s) => Date.parse(s));
      for (let i = 1; i < got.length; i++) expect((got[i] ?? 0) - (got[i - 1] ?? 0)).toBe(600_000);
    }
  });
});

describe('nextFire input checks', () => {
  it('rejects a bad expression with a message naming it', () => {
    expect(() => nextFire('61 0 * * *', 'UTC', 0)).toThrow(CronExpressionError);
    expect(() => nextFire('61 0 * * *', 'UTC', 0)).toThrow(/"61 0 \* \* \*".*out of range.*5 fields/);
    expect(() => nextFire('', 'UTC', 0)).toThrow(/empty/);
  });

  it('rejects an unknown zone and suggests the closest one', () => {
    expect(() => nextFire('0 9 * * *', 'Europe/Talinn', 0)).toThrow(TimeZoneError);
    expect(() => assertTimeZone('Europe/Talinn')).toThrow("'Europe/Talinn' is not an IANA time zone; did you mean Europe/Tallinn?");
    expect(() => assertTimeZone('Mars/Olympus_Mons_Base')).toThrow(/use a name such as/);
    expect(assertTimeZone('europe/tallinn')).toBe('Europe/Tallinn');
  });

  it('returns null for an expression that never fires', () => {
    expect(nextFire('0 0 30 2 *', 'UTC', Date.parse('2026-01-01T00:00:00Z'))).toBeNull();
  });

  it('is strictly after its argument, also on a slot and with milliseconds', () => {
    const slot = Date.parse('2026-05-01T09:30:00Z');
    expect(nextFire('30 9 * * *', 'UTC', slot - 1)).toBe(slot);
    expect(nextFire('30 9 * * *', 'UTC', slot)).toBe(slot + 86_400_000);
    expect(nextFire('* * * * * *', 'UTC', slot + 500)).toBe(slot + 1000);
  });
});

describe('nextFire property', () => {
  const zones = ['UTC', 'Europe/Tallinn', 'America/New_York', 'Australia/Sydney', 'Australia/Lord_Howe',
    'Asia/Kolkata', 'America/Santiago', 'Pacific/Chatham', 'Europe/London', 'America/St_Johns', 'Africa/Casablanca'];
  const field = (min: number, max: number): fc.Arbitrary<string> =>
    fc.oneof(
      fc.constant('*'),
      fc.integer({ min, max }).map(String),
      fc.integer({ min: 1, max: Math.max(1, Math.floor((max - min) / 2)) }).map((n) => `*/${n}`),
      fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
      fc.uniqueArray(fc.integer({ min, max }), { minLength: 2, maxLength: 4 }).map((xs) => xs.join(',')),
    );
  const expression = fc
    .tuple(field(0, 59), field(0, 23), fc.oneof(fc.constant('*'), field(1, 28)), fc.oneof(fc.constant('*'), field(1, 12)), fc.oneof(fc.constant('*'), field(0, 6)))
    .map((f) => f.join(' '));

  it('is strictly increasing for random expressions, zones and instants, and never loops', () => {
    fc.assert(
      fc.property(
        expression,
        fc.constantFrom(...zones),
        // Stay within cron's 8-year search window, which it measures from the real current date.
        fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2028-01-01T00:00:00Z') }),
        (expr, zone, start) => {
          let at = start;
          for (let i = 0; i < 8; i++) {
            const next = nextFire(expr, zone, at);
            if (next === null) return;
            expect(next).toBeGreaterThan(at);
            at = next;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
