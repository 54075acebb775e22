/**
 * Options of the scheduler and of its jobs, validated once with messages that name the bad value.
 */
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { parseDuration } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Firing, MissedPolicy } from './job.js';

/**
 * Options of `new Scheduler(...)`.
 * @example
 * new Scheduler({ store, clock, logger, defaultTimezone: 'Europe/Tallinn', onFire: (f) => runtime.fire(f) })
 */
export interface SchedulerOptions {
  /** Where jobs, fire keys and run leases live; share it between instances for exactly-once. */
  store: Store;
  /** Runs one firing (the runtime routes it through the pipeline as a `schedule` event); awaited. */
  onFire: (firing: Firing) => Promise<void> | void;
  /** @default systemClock */
  clock?: Clock;
  /** @default a silent pino logger */
  logger?: Logger;
  /** IANA zone of jobs that name none. @default 'UTC' */
  defaultTimezone?: string;
  /** Most missed slots one job runs under the `all` policy. @default 100 */
  maxCatchUp?: number;
  /** A slot at most this late (event-loop lag, a slow store) still fires as on time. @default '1s' */
  grace?: number | string;
  /** How often to look for jobs and crashed runs of other instances; `false` to only wake for own jobs. @default '1m' */
  rescanInterval?: number | string | false;
  /**
   * How long a run's lease lasts; a live run renews it every third of that, so this is how long
   * another instance waits before re-running (once) the slot of an executor that died. @default '30s'
   */
  lease?: number | string;
  /** How long `stop()` waits for running handlers. @default '10s' */
  stopTimeout?: number | string;
  /**
   * This instance's name in leases and logs. Give a restarted process the same name: it then
   * knows the slot leases of its dead predecessor at once instead of waiting for them to expire
   * (one process per name at a time). @default a random id
   */
  instanceId?: string;
}

/** Options shared by every job. */
export interface JobOptions {
  /** IANA zone of the expression. @default the scheduler's `defaultTimezone` */
  tz?: string;
  /** Conversation the firing belongs to (so `ctx.reply` works). */
  conversationId?: string;
  /** Missed-run policy. @default 'once' */
  missed?: MissedPolicy;
  /** Slots later than this never fire. @default '1h' for cron jobs, '24h' for reminders */
  maxLateness?: number | string;
  /** Let a slot start while the previous run of the job is still going. @default false */
  overlap?: boolean;
  /** Data handed to every firing. */
  payload?: unknown;
}

/**
 * Options of `scheduler.cron(name, expression, options)` (jobs declared in code).
 * @example scheduler.cron('standup:daily', '0 9 * * 1-5', { tz: 'Europe/Tallinn', missed: 'skip' })
 */
export type CronOptions = JobOptions;

/**
 * Options of `scheduler.at(...)` and `scheduler.every(...)` (jobs created at run time).
 * @example scheduler.at(Date.parse('2026-06-01T09:00:00Z'), { ownerId: 'acc-1', conversationId: 'c-1', payload: { text: 'Pay rent' } })
 */
export interface ReminderOptions extends JobOptions {
  /** Who created it (listed and filtered by). */
  ownerId?: string;
  /** A label for lists and logs. */
  name?: string;
  /** A stable id: creating a job whose id exists returns the existing one (safe when a handler re-runs). @default 'job:<random uuid>' */
  id?: string;
}

/** Filter of `scheduler.list(...)`. */
export interface JobFilter {
  ownerId?: string;
  conversationId?: string;
  kind?: 'cron' | 'at' | 'every';
}

/** Scheduler options with defaults applied. */
export interface ResolvedSchedulerOptions {
  maxCatchUp: number;
  graceMs: number;
  rescanMs: number | false;
  leaseMs: number;
  stopTimeoutMs: number;
}

/** Applies defaults and validates the numeric options of the scheduler. */
export function resolveSchedulerOptions(options: SchedulerOptions): ResolvedSchedulerOptions {
  if (!options || typeof options !== 'object') throw new TypeError('new Scheduler(options): pass { store, onFire, ... }.');
  if (!options.store) throw new TypeError('new Scheduler(options): `store` is required (a MemoryStore or SqliteStore, opened).');
  if (typeof options.onFire !== 'function') throw new TypeError('new Scheduler(options): `onFire` must be a function (firing) => Promise<void>.');
  const maxCatchUp = options.maxCatchUp ?? 100;
  if (!Number.isSafeInteger(maxCatchUp) || maxCatchUp < 1) {
    throw new RangeError(`Scheduler maxCatchUp must be a positive integer, got ${String(maxCatchUp)}.`);
  }
  const rescan = options.rescanInterval ?? '1m';
  const rescanMs = rescan === false ? false : duration(rescan, 'rescanInterval');
  if (rescanMs !== false && rescanMs < 1000) throw new RangeError(`Scheduler rescanInterval must be at least 1s, got ${String(rescan)}.`);
  return {
    maxCatchUp,
    graceMs: duration(options.grace ?? 1000, 'grace'),
    rescanMs,
    leaseMs: duration(options.lease ?? '30s', 'lease'),
    stopTimeoutMs: duration(options.stopTimeout ?? '10s', 'stopTimeout'),
  };
}

/** Validates the policy options of a job. */
export function resolvePolicy(options: JobOptions, defaultLateness: string, what: string): { missed: MissedPolicy; maxLatenessMs: number; overlap: boolean } {
  const missed = options.missed ?? 'once';
  if (missed !== 'skip' && missed !== 'once' && missed !== 'all') {
    throw new RangeError(`${what}: missed must be 'skip', 'once' or 'all', got ${JSON.stringify(missed)}.`);
  }
  if (options.overlap !== undefined && typeof options.overlap !== 'boolean') {
    throw new TypeError(`${what}: overlap must be true or false, got ${JSON.stringify(options.overlap)}.`);
  }
  for (const key of ['conversationId', 'tz'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new TypeError(`${what}: ${key} must be a non-empty string, got ${JSON.stringify(value)}.`);
    }
  }
  return { missed, maxLatenessMs: duration(options.maxLateness ?? defaultLateness, `${what}: maxLateness`), overlap: options.overlap ?? false };
}

/** Parses a duration option, naming it in the error. */
export function duration(value: number | string, what: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new RangeError(`${what}: ${(error as Error).message}`);
  }
}
