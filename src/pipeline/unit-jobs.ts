/**
 * `ctx.jobs`: run-time jobs created or cancelled inside a handler. They join the event's unit of
 * work — written in its commit, with ids derived from the unit, the plugin and the creation's
 * ordinal — so an event handled twice (a failed attempt, a crash) creates each job once, and a
 * failed handler leaves no job behind.
 */
import type { JobPlanner } from './deps.js';
import type { JobControl } from './deps.js';
import type { UnitOfWork } from './unit-of-work.js';

/** The {@link JobControl} of one plugin within one unit of work. */
export class UnitJobs implements JobControl {
  constructor(
    private readonly plugin: string,
    private readonly work: UnitOfWork,
    private readonly planner: JobPlanner,
  ) {}

  async at(name: string, at: number | Date, options: { payload?: unknown; conversationId?: string; ownerId?: string } = {}): Promise<string> {
    return this.create('at', name, at, options);
  }

  async every(name: string, every: string, options: { tz?: string; payload?: unknown; conversationId?: string; ownerId?: string } = {}): Promise<string> {
    return this.create('every', name, every, options);
  }

  cancel(jobId: string): Promise<boolean> {
    if (typeof jobId !== 'string' || jobId === '') return Promise.reject(new TypeError(`ctx.jobs.cancel(jobId) needs the id that at()/every() resolved, got ${JSON.stringify(jobId)}.`));
    return this.work.cancelJob(jobId, (id) => this.planner.exists(id));
  }

  private create(kind: 'at' | 'every', name: string, when: number | Date | string, options: { tz?: string; payload?: unknown; conversationId?: string; ownerId?: string }): string {
    if (typeof name !== 'string' || name === '') throw new TypeError(`ctx.jobs.${kind}(name, …) needs the name of a bot.schedule(name, handler) of plugin "${this.plugin}".`);
    // Planned before the id is taken: a refused time does not shift the ids of later jobs.
    const row = this.planner.plan(kind, when, { ...options, name: `${this.plugin}:${name}` });
    const id = this.work.nextJobId(this.plugin);
    this.work.createJob({ ...row, id });
    return id;
  }
}
