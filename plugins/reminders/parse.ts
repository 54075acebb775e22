/**
 * Reading `!remind <who> <when> to <what>` in words: the target (`me`, `here`, `@bob`), a
 * one-off instant (chrono-node, in the asker's zone) or a repetition (`every monday at 10:00`,
 * `every weekday at 9`, `every 2 hours`) that becomes a cron expression or an interval.
 */
import * as chrono from 'chrono-node';
import { offsetMinutes, wallTime, zonedInstant } from './time.js';

/** Who gets reminded. */
export type ReminderTarget = { kind: 'me' } | { kind: 'here' } | { kind: 'person'; accountId: string };

/** When a reminder fires. */
export type ReminderWhen =
  | { kind: 'at'; at: number }
  | { kind: 'every'; cron: string; description: string }
  | { kind: 'every'; interval: string; description: string };

/** A reminder request, understood. */
export interface ParsedReminder {
  target: ReminderTarget;
  when: ReminderWhen;
  what: string;
}

/** What the parser needs from its surroundings. */
export interface ParseEnv {
  /** Now, epoch ms. */
  now: number;
  /** The asker's IANA zone. */
  zone: string;
  /** `[hour, minute]` for a day given without a time. */
  defaultTime: readonly [number, number];
  /** Resolves `@address` or an e-mail to an account id. */
  resolvePerson(text: string): string | undefined;
}

/** Why the text could not be read; `message` is written for the person who typed it. */
export class ReminderParseError extends Error {
  readonly code = 'REMINDER_PARSE' as const;
  constructor(message: string) {
    super(message);
    this.name = 'ReminderParseError';
  }
}

const MAX_TEXT = 1000;
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const DAY_WORD = '(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day)?s?';
const TIME = '(\\d{1,2})(?:[:.](\\d{2}))?\\s*(am|pm)?|noon|midnight';
const EVERY_DAYS = new RegExp(
  `\\bevery\\s+(day|morning|weekday|workday|weekend|(?:${DAY_WORD})(?:\\s*(?:,|and|&)\\s*(?:${DAY_WORD}))*)(?:\\s+at\\s+(${TIME}))?\\b`,
  'i',
);
const EVERY_INTERVAL = /\bevery\s+(?:(\d{1,4})\s+)?(minute|min|hour|hr|day)s?\b/i;

/**
 * Reads a reminder request such as `me in 10 minutes to check the build`.
 * @throws ReminderParseError with a message that says what was not understood.
 */
export function parseReminder(text: string, env: ParseEnv): ParsedReminder {
  const input = text.trim().replace(/\s+/g, ' ');
  if (input.length > MAX_TEXT) throw new ReminderParseError(`That is too long for a reminder (at most ${MAX_TEXT} characters).`);
  const [first = '', ...restWords] = input.split(' ');
  const target = parseTarget(first, env);
  const rest = restWords.join(' ');
  const when = parseEvery(rest, env) ?? parseOnce(rest, env);
  const what = cleanWhat(rest.slice(0, when.start) + ' ' + rest.slice(when.end));
  if (what === '') throw new ReminderParseError('What should I remind about? Add it after "to", e.g. "… to check the build".');
  return { target, when: when.when, what };
}

function parseTarget(word: string, env: ParseEnv): ReminderTarget {
  const w = word.toLowerCase();
  if (w === 'me' || w === 'myself') return { kind: 'me' };
  if (w === 'here' || w === 'us' || w === 'everyone') return { kind: 'here' };
  if (word.startsWith('@') || word.includes('@')) {
    const id = env.resolvePerson(word.replace(/[,:;.]+$/, ''));
    if (id === undefined) throw new ReminderParseError(`I don't know who ${word} is.`);
    return { kind: 'person', accountId: id };
  }
  throw new ReminderParseError(`Start with who to remind: "me", "here" or "@someone" (got "${word.slice(0, 40)}").`);
}

interface Found {
  when: ReminderWhen;
  start: number;
  end: number;
}

function parseEvery(text: string, env: ParseEnv): Found | undefined {
  const days = EVERY_DAYS.exec(text);
  if (days) {
    const [hour, minute] = days[2] ? parseTime(days[2]) : env.defaultTime;
    const { dow, label } = dayField(days[1] ?? '');
    const cron = `${minute} ${hour} * * ${dow}`;
    return { when: { kind: 'every', cron, description: `every ${label} at ${pad(hour)}:${pad(minute)}` }, start: days.index, end: days.index + days[0].length };
  }
  const interval = EVERY_INTERVAL.exec(text);
  if (interval) {
    const n = Number(interval[1] ?? '1');
    const unit = (interval[2] ?? '').toLowerCase().startsWith('h') ? 'h' : (interval[2] ?? '').toLowerCase() === 'day' ? 'd' : 'm';
    if (n < 1 || (unit === 'm' && n < 5)) throw new ReminderParseError('Repeating reminders can be at most every 5 minutes.');
    const word = { m: 'minute', h: 'hour', d: 'day' }[unit];
    const description = n === 1 ? `every ${word}` : `every ${n} ${word}s`;
    return { when: { kind: 'every', interval: `${n}${unit}`, description }, start: interval.index, end: interval.index + interval[0].length };
  }
  if (/\bevery\b/i.test(text)) {
    throw new ReminderParseError('I could not read that repetition. Try "every monday at 10:00", "every weekday at 9" or "every 2 hours".');
  }
  return undefined;
}

function dayField(spec: string): { dow: string; label: string } {
  const s = spec.toLowerCase();
  if (s === 'day' || s === 'morning') return { dow: '*', label: 'day' };
  if (s === 'weekday' || s === 'workday') return { dow: '1-5', label: 'weekday' };
  if (s === 'weekend') return { dow: '0,6', label: 'weekend day' };
  const found = new Set<number>();
  for (const word of s.split(/\s*(?:,|and|&)\s*/)) {
    const i = DAYS.findIndex((d) => d.startsWith(word.replace(/s$/, '').slice(0, 3)));
    if (i >= 0) found.add(i);
  }
  const list = [...found].sort((a, b) => a - b);
  const names = list.map((i) => capital(DAYS[i] ?? ''));
  const label = names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
  return { dow: list.join(','), label };
}

function parseTime(text: string): [number, number] {
  const t = text.toLowerCase();
  if (t === 'noon') return [12, 0];
  if (t === 'midnight') return [0, 0];
  const m = /^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$/.exec(t);
  let hour = Number(m?.[1] ?? Number.NaN);
  const minute = Number(m?.[2] ?? '0');
  if (m?.[3] === 'pm' && hour < 12) hour += 12;
  if (m?.[3] === 'am' && hour === 12) hour = 0;
  if (!Number.isInteger(hour) || hour > 23 || minute > 59) throw new ReminderParseError(`"${text}" is not a time of day; write e.g. 9:30 or 5pm.`);
  return [hour, minute];
}

function parseOnce(text: string, env: ParseEnv): Found {
  const reference = { instant: new Date(env.now), timezone: offsetMinutes(env.zone, env.now) };
  const results = chrono.parse(text, reference, { forwardDate: true });
  const r = results[0];
  if (!r) throw new ReminderParseError('I could not tell when.');
  let at = r.start.date().getTime();
  // chrono reads the wall clock with the offset of *now*; redo it when the date lies across a DST change.
  const offsetThen = offsetMinutes(env.zone, at);
  if (offsetThen !== reference.timezone) {
    const again = chrono.parse(text, { instant: new Date(env.now), timezone: offsetThen }, { forwardDate: true })[0];
    if (again) at = again.start.date().getTime();
  }
  if (!r.start.isCertain('hour')) {
    const w = wallTime(at, env.zone);
    at = zonedInstant(env.zone, w.year, w.month, w.day, env.defaultTime[0], env.defaultTime[1]);
  }
  if (at <= env.now) throw new ReminderParseError('That time has already passed.');
  return { when: { kind: 'at', at }, start: r.index, end: r.index + r.text.length };
}

function cleanWhat(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^(?:to|that|about|of)\s+/i, '')
    .replace(/\s+(?:to|at|on)$/i, '')
    .replace(/^[,:;-]\s*/, '')
    .trim();
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
