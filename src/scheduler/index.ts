/**
 * The scheduler layer: persisted cron jobs and reminders (see {@link Scheduler}).
 */
export { Scheduler } from './scheduler.js';
export type { CronOptions, JobFilter, JobOptions, ReminderOptions, SchedulerOptions } from './options.js';
export type { Firing, JobInfo, JobKind, MissedPolicy } from './job.js';
export { fireKeyOf } from './job.js';
export { CronExpressionError, cronProblem, nextFire, parseCron } from './next-fire.js';
export { TimeZoneError, assertTimeZone, isTimeZone } from '../util/time-zone.js';
export type { SchedulerMetrics } from './metrics.js';
