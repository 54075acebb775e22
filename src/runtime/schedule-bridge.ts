/**
 * Scheduler ↔ pipeline: a firing becomes a `schedule` event handled like any other unit (its
 * fire key is the ledger key and the base of its effects' ids), queued on its conversation's
 * lane so it is ordered with that conversation's messages.
 */
import type { JobPlanner } from '../pipeline/deps.js';
import { PluginError } from '../pipeline/errors.js';
import type { CronDeclaration, JobControl } from '../pipeline/plugin.js';
import type { Store } from '../store/store.js';
import type { ScheduleEvent } from '../pipeline/events.js';
import type { Firing } from '../scheduler/job.js';
import type { CronOptions as SchedulerCronOptions } from '../scheduler/options.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { Intake } from './intake.js';
import { NO_CURSOR, type UnitRunner } from './unit-runner.js';

/** Lane of firings that belong to no conversation. */
export const SCHEDULE_LANE = '~schedule';

/** Handles one firing through the pipeline; resolves when it is committed. */
export function scheduleUnit(intake: Intake | undefined, runner: UnitRunner, firing: Firing): Promise<void> {
  if (!intake) return Promise.reject(new Error('a schedule fired before the bot started'));
  const event: ScheduleEvent = {
    type: 'schedule',
    id: firing.fireKey,
    horizon: 0,
    conversationId: firing.conversationId,
    actorId: firing.ownerId,
    jobId: firing.jobId,
    fireKey: firing.fireKey,
    scheduledAt: firing.scheduledAt,
    lateByMs: firing.lateByMs,
    payload: firing.payload,
    ownerId: firing.ownerId,
    name: firing.name,
  };
  return new Promise<void>((resolve, reject) => {
    intake.enqueue(firing.conversationId ?? SCHEDULE_LANE, () =>
      runner.run({ key: firing.fireKey, events: [event] }, NO_CURSOR).then(() => resolve(), reject),
    );
  });
}

/**
 * The `bot.jobs` a plugin gets: run-time jobs named `<plugin>:<name>`, written straight to the
 * store — so only while no event is handled (`setup`, `onStart`): `direct()` says when. Once the
 * bot runs, creating or cancelling a job belongs to an event's unit of work (`ctx.jobs`), or a
 * retried handler would create it twice and a crash could leave a job its event never committed.
 */
export function jobControl(scheduler: Scheduler, plugin: string, direct: () => boolean): JobControl {
  const refuse = (method: string): never => {
    throw new PluginError(
      `Plugin "${plugin}" called bot.jobs.${method}() while the bot is running. Inside a handler use ctx.jobs.${method}(…): ` +
        "the job is then written with the event's commit, once, even when the event is handled again. bot.jobs is for setup() and onStart().",
      plugin,
    );
  };
  return {
    at: async (name, at, options = {}) => {
      if (!direct()) refuse('at');
      return (await scheduler.at(at, { name: `${plugin}:${name}`, payload: options.payload, conversationId: options.conversationId, ownerId: options.ownerId })).id;
    },
    every: async (name, every, options = {}) => {
      if (!direct()) refuse('every');
      const job = await scheduler.every(every, {
        name: `${plugin}:${name}`,
        tz: options.tz,
        payload: options.payload,
        conversationId: options.conversationId,
        ownerId: options.ownerId,
      });
      return job.id;
    },
    cancel: async (jobId) => {
      if (!direct()) refuse('cancel');
      return scheduler.cancel(jobId);
    },
  };
}

/** `ctx.jobs`' planner: the scheduler's validation and first-slot arithmetic, no store write. */
export function jobPlanner(scheduler: Scheduler, store: Store): JobPlanner {
  return {
    plan: (kind, when, options) => scheduler.plan(kind, when, options),
    exists: async (id) => (await store.getJob(id)) !== undefined,
  };
}

/** Hands the cron jobs plugins declared in `setup` to the scheduler. */
export function declareCrons(scheduler: Scheduler, crons: readonly CronDeclaration[]): void {
  for (const c of crons) scheduler.cron(c.name, c.expression, schedulerCronOptions(c));
}

/** A plugin's `bot.cron` options as the scheduler takes them. */
export function schedulerCronOptions(c: CronDeclaration): SchedulerCronOptions {
  return {
    tz: c.options.tz,
    conversationId: c.options.conversationId,
    missed: c.options.missed,
    maxLateness: c.options.maxLatenessMs,
    overlap: c.options.overlap,
    payload: c.options.payload,
  };
}
