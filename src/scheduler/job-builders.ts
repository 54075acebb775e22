/**
 * Building and changing job documents from user input: every check happens here, once, with a
 * message that names the bad value and says what to pass instead.
 */
import type { JobData } from './job.js';
import { slotAfter } from './job.js';
import { CronExpressionError, parseCron } from './next-fire.js';
import type { CronOptions, ReminderOptions } from './options.js';
import { duration, resolvePolicy } from './options.js';
import { assertTimeZone } from '../util/time-zone.js';

const CRON_LATENESS = '1h';
const REMINDER_LATENESS = '24h';

/** A code-declared cron job, active from `now`. */
export function buildCronJob(name: string, expression: string, options: CronOptions, defaultTz: string, now: number): JobData {
  const what = `scheduler.cron('${String(name)}')`;
  if (typeof name !== 'string' || name === '' || name.includes('@')) {
    throw new TypeError(`${what}: the name must be a non-empty string without '@', e.g. 'standup:daily'.`);
  }
  const spec = parseCron(expression);
  const tz = assertTimeZone(options.tz ?? defaultTz);
  const job: JobData = {
    v: 1,
    kind: 'cron',
    source: 'code',
    name,
    expression: spec.expression,
    tz,
    payload: options.payload ?? null,
    ...resolvePolicy(options, CRON_LATENESS, what),
    createdAt: now,
    activeFrom: now,
    lastFiredAt: null,
    handledThrough: null,
  };
  if (options.conversationId !== undefined) job.conversationId = options.conversationId;
  assertFires(job, now);
  return job;
}

/** A run-time reminder: `at` a date, or `every` cron expression / interval. */
export function buildReminder(kind: 'at' | 'every', when: Date | number | string, options: ReminderOptions, defaultTz: string, now: number, graceMs: number): JobData {
  const what = `scheduler.${kind}()`;
  if (options.ownerId !== undefined && (typeof options.ownerId !== 'string' || options.ownerId === '')) {
    throw new TypeError(`${what}: ownerId must be a non-empty string, got ${JSON.stringify(options.ownerId)}.`);
  }
  if (options.name !== undefined && typeof options.name !== 'string') {
    throw new TypeError(`${what}: name must be a string, got ${JSON.stringify(options.name)}.`);
  }
  const job: JobData = {
    v: 1,
    kind,
    source: 'runtime',
    tz: assertTimeZone(options.tz ?? defaultTz),
    payload: options.payload ?? null,
    ...resolvePolicy(options, REMINDER_LATENESS, what),
    createdAt: now,
    activeFrom: now,
    lastFiredAt: null,
    handledThrough: null,
  };
  for (const key of ['name', 'ownerId', 'conversationId'] as const) {
    const value = options[key];
    if (value !== undefined) job[key] = value;
  }
  return applyWhen(job, when, now, graceMs, what);
}

/** The job moved to `when`; slots up to now are treated as handled. */
export function rescheduled(id: string, job: JobData, when: Date | number | string, now: number, graceMs: number): JobData {
  const what = `scheduler.reschedule('${id}')`;
  if (job.source === 'code') {
    throw new Error(`${what}: this job is declared in code (scheduler.cron); change its expression there.`);
  }
  const base: JobData = { ...job, activeFrom: now, handledThrough: null };
  delete base.at;
  delete base.expression;
  delete base.intervalMs;
  return applyWhen(base, when, now, graceMs, what);
}

/** Whether a stored code job has the same schedule as its declaration. */
export function sameDefinition(a: JobData, b: JobData): boolean {
  return a.kind === b.kind && a.expression === b.expression && a.tz === b.tz && a.intervalMs === b.intervalMs;
}

function applyWhen(job: JobData, when: Date | number | string, now: number, graceMs: number, what: string): JobData {
  if (job.kind === 'at') {
    const at = when instanceof Date ? when.getTime() : when;
    if (typeof at !== 'number' || !Number.isFinite(at)) {
      throw new RangeError(`${what}: expected a Date or epoch milliseconds, got ${describe(when)}.`);
    }
    if (at < now - graceMs) {
      throw new RangeError(`${what}: ${new Date(at).toISOString()} is in the past (now is ${new Date(now).toISOString()}); pass a future date.`);
    }
    job.at = at;
    return job;
  }
  if (typeof when === 'string' && looksLikeCron(when)) {
    job.expression = parseCron(when).expression;
  } else if (typeof when === 'string' || typeof when === 'number') {
    const ms = duration(when, `${what}: interval`);
    if (ms < 1000) throw new RangeError(`${what}: the interval must be at least 1s, got ${JSON.stringify(when)}.`);
    job.intervalMs = Math.round(ms);
  } else {
    throw new RangeError(`${what}: expected a cron expression such as '0 9 * * 1' or an interval such as '10m', got ${describe(when)}.`);
  }
  assertFires(job, now);
  return job;
}

function looksLikeCron(value: string): boolean {
  const trimmed = value.trim();
  return trimmed.startsWith('@') || trimmed.split(/\s+/).length >= 5;
}

function assertFires(job: JobData, now: number): void {
  if (slotAfter(job, now) === null && job.expression !== undefined) {
    throw new CronExpressionError(job.expression, 'it has no slot in the next 8 years (e.g. 30 February)');
  }
}

function describe(value: unknown): string {
  if (value instanceof Date) return 'an invalid Date';
  return JSON.stringify(value) ?? String(value);
}
