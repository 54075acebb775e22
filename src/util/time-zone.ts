/**
 * IANA time zones without a date library: validation with a "did you mean" hint, and UTC
 * offsets of an instant, both on top of `Intl.DateTimeFormat`.
 */

/** Thrown when a time zone name is not an IANA zone. */
export class TimeZoneError extends RangeError {
  readonly code = 'INVALID_TIME_ZONE' as const;
  constructor(
    readonly zone: string,
    readonly suggestion?: string,
  ) {
    super(
      `'${zone}' is not an IANA time zone` +
        (suggestion ? `; did you mean ${suggestion}?` : '; use a name such as Europe/Tallinn, America/New_York or UTC.'),
    );
    this.name = 'TimeZoneError';
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * Validates an IANA time zone and returns its canonical spelling (`europe/tallinn` →
 * `Europe/Tallinn`).
 * @throws TimeZoneError with the closest known zone as a suggestion.
 * @example
 * assertTimeZone('Europe/Talinn'); // TimeZoneError: 'Europe/Talinn' is not an IANA time zone; did you mean Europe/Tallinn?
 */
export function assertTimeZone(zone: string): string {
  if (typeof zone !== 'string' || zone.trim() === '') throw new TimeZoneError(String(zone));
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    throw new TimeZoneError(zone, suggestZone(zone));
  }
}

/** Whether `zone` is an IANA time zone name this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    assertTimeZone(zone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The zone's UTC offset at `instant` in milliseconds (wall clock minus UTC; +3 h = 10_800_000).
 * The zone must be valid (see {@link assertTimeZone}).
 */
export function zoneOffsetMs(zone: string, instant: number): number {
  // Offsets are whole seconds everywhere since 1972; drop the millisecond part first.
  const whole = Math.floor(instant / 1000) * 1000;
  const parts = formatterFor(zone).formatToParts(new Date(whole));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - whole;
}

function suggestZone(zone: string): string | undefined {
  const wanted = zone.toLowerCase();
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of [...Intl.supportedValuesOf('timeZone'), 'UTC']) {
    const score = editDistance(wanted, candidate.toLowerCase());
    if (score < bestScore) {
      bestScore = score;
      best = candidate;
    }
  }
  // Beyond a few edits the "closest" zone is a guess, not a typo fix.
  return bestScore <= Math.max(2, Math.floor(zone.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
