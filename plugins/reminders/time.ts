/**
 * Wall-clock arithmetic in an IANA time zone with `Intl` only: offsets, local dates and
 * human-readable instants for reminder replies.
 */

import { zoneOffsetMs } from 'fleepkit';

export { isTimeZone } from 'fleepkit';

const partsCache = new Map<string, Intl.DateTimeFormat>();

function partsFormat(zone: string): Intl.DateTimeFormat {
  let f = partsCache.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsCache.set(zone, f);
  }
  return f;
}

/** The wall clock of `epochMs` in `zone`. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Wall-clock fields of an instant in a zone. */
export function wallTime(epochMs: number, zone: string): WallTime {
  const out: Record<string, number> = {};
  for (const p of partsFormat(zone).formatToParts(new Date(epochMs))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return { year: out.year ?? 0, month: out.month ?? 1, day: out.day ?? 1, hour: out.hour ?? 0, minute: out.minute ?? 0, second: out.second ?? 0 };
}

/** Minutes east of UTC of `zone` at `epochMs` (what chrono-node takes as its reference zone). */
export function offsetMinutes(zone: string, epochMs: number): number {
  return Math.round(zoneOffsetMs(zone, epochMs) / 60_000);
}

/** The instant a wall-clock time in `zone` names (the earlier one in a DST overlap). */
export function zonedInstant(zone: string, year: number, month: number, day: number, hour: number, minute: number): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  // Two passes settle the offset even when the guess lies on the other side of a transition.
  let at = guess - offsetMinutes(zone, guess) * 60_000;
  at = guess - offsetMinutes(zone, at) * 60_000;
  return at;
}

/** `2026-03-02` for the local date of `epochMs` in `zone`. */
export function localDate(epochMs: number, zone: string): string {
  const w = wallTime(epochMs, zone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/**
 * `Tue 3 Mar, 09:00 EET` (with the year when it is not this year's): with its zone, since people in
 * a conversation may be elsewhere.
 */
export function formatInstant(epochMs: number, zone: string, nowMs: number): string {
  const sameYear = wallTime(epochMs, zone).year === wallTime(nowMs, zone).year;
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    ...(sameYear ? {} : { year: 'numeric' }),
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  });
  return f.format(new Date(epochMs));
}

/** `2h 5m`, `3 days`, `40s`: a lateness or delay for humans. */
export function formatDelay(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  return `${Math.round(h / 24)} days`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
