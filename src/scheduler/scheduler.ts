/**
 * The scheduler service: cron jobs declared in code and reminders created at run time, all
 * persisted in the store with their next fire instant. The in-process timer is only a wake-up;
 * every wake re-reads the store, so a restart (or another instance) loses nothing (R-16…R-20).
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import type { JobRow, Store } from '../store/store.js';
import { MAX_TIMER_MS, systemClock } from '../util/clock.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Firing, JobData, JobInfo } from './job.js';
import { fireKeyOf, firstPendingSlot, readJobData, toJobInfo } from './job.js';
import { LeaseKeeper, MAX_ATTEMPTS, abandon, deadLeases, hasLiveLease, releaseLease, takeLease, takeOver, tryLease } from './leases.js';
import type { Executor, RunLease } from './leases.js';
import { SchedulerMetricsRecorder } from './metrics.js';
import type { SchedulerMetrics } from './metrics.js';
import type { CronOptions, JobFilter, ReminderOptions, ResolvedSchedulerOptions, SchedulerOptions } from './options.js';
import { resolveSchedulerOptions } from './options.js';
import { logPlan, planDue } from './plan.js';
import type { DuePlan } from './plan.js';
import { buildCronJob, buildReminder, rescheduled, sameDefinition } from './job-builders.js';
import { assertTimeZone } from '../util/time-zone.js';

/**
 * Persisted cron jobs and reminders with missed-run policies, DST-correct time zones and
 * exactly-once firing per slot across instances sharing a store.
 * @example
 * const scheduler = new Scheduler({ store, clock, logger, defaultTimezone: 'Europe/Tallinn', onFire });
 * scheduler.cron('standup:daily', '0 9 * * 1-5', { missed: 'skip' });
 * await scheduler.start();
 * const job = await scheduler.at(Date.now() + 3_600_000, { ownerId, conversationId, payload: { text: 'Stretch' } });
 */
export class Scheduler {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly onFire: SchedulerOptions['onFire'];
  private readonly defaultTimezone: string;
  private readonly opts: ResolvedSchedulerOptions;
  /** This instance's name in leases. */
  readonly instanceId: string;
  /** This instance and this process's run of it, as leases name their executor. */
  private readonly self: Executor;
  private readonly declared = new Map<string, JobData>();
  private readonly running = new Map<string, number>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly badRows = new Set<string>();
  private readonly recorder = new SchedulerMetricsRecorder();
  private timer: TimerHandle | undefined;
  private ticking: Promise<void> | undefined;
  private tickAgain = false;
  private nextRescanAt = 0;
  private started = false;
  private stopped = false;

  /** @throws TypeError / RangeError naming the bad option. */
  constructor(options: SchedulerOptions) {
    this.opts = resolveSchedulerOptions(options);
    this.store = options.store;
    this.onFire = options.onFire;
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? pino({ enabled: false })).child({ component: 'scheduler' });
    this.defaultTimezone = assertTimeZone(options.defaultTimezone ?? 'UTC');
    this.instanceId = options.instanceId ?? randomUUID().slice(0, 8);
    this.self = { owner: this.instanceId, run: randomUUID() };
  }

  /** Counters and recent drift values (ms late of each firing), as a plain snapshot. */
  get metrics(): SchedulerMetrics {
    return this.recorder.snapshot();
  }

  /**
   * Declares a cron job in code. Its id is `cron:<name>`, stable across restarts, so the stored
   * state (last fired slot) is found again and the missed-run policy applies to the downtime.
   * @throws CronExpressionError / TimeZoneError / RangeError for bad input, Error for a duplicate name.
   */
  cron(name: string, expression: string, options: CronOptions = {}): JobInfo {
    if (this.stopped) throw new Error(`scheduler.cron('${name}'): the scheduler is stopped.`);
    const id = `cron:${name}`;
    if (this.declared.has(id)) throw new Error(`scheduler.cron('${name}'): a job with this name is already declared; give each cron job its own name.`);
    const job = buildCronJob(name, expression, options, this.defaultTimezone, this.clock.now());
    this.declared.set(id, job);
    if (this.started) this.track(this.persistDeclared(id, job).then(() => this.wake()));
    return toJobInfo(id, job, firstPendingSlot(job));
  }

  /**
   * Creates a one-off reminder at `when`; a late firing carries `lateByMs`.
   * @throws RangeError when `when` is not a date or lies in the past.
   */
  async at(when: Date | number, options: ReminderOptions = {}): Promise<JobInfo> {
    const job = buildReminder('at', when, options, this.defaultTimezone, this.clock.now(), this.opts.graceMs);
    return this.create(job, options.id);
  }

  /**
   * Creates a repeating reminder: a cron expression (`'0 9 * * 1'`) in `tz`, or a fixed interval
   * (`'10m'`, `'2h'`, ms) counted from now.
   * @throws CronExpressionError / RangeError for bad input.
   */
  async every(expression: string | number, options: ReminderOptions = {}): Promise<JobInfo> {
    const job = buildReminder('every', expression, options, this.defaultTimezone, this.clock.now(), this.opts.graceMs);
    return this.create(job, options.id);
  }

  /**
   * The stored form of a new reminder, without storing it: for a caller that writes it in its
   * own transaction (a handler's `ctx.jobs`, committed with its event), then calls {@link notify}.
   * @throws CronExpressionError / RangeError for bad input, like {@link at} and {@link every}.
   */
  plan(kind: 'at' | 'every', when: Date | number | string, options: ReminderOptions = {}): { nextFireAt: number | null; data: JobData } {
    const job = buildReminder(kind, when, options, this.defaultTimezone, this.clock.now(), this.opts.graceMs);
    return { nextFireAt: firstPendingSlot(job), data: job };
  }

  /** Looks at the stored jobs again now: another writer created or cancelled some. */
  notify(): void {
    this.wake();
  }

  /** Stored jobs (declared and run-time), soonest first; finished and unreadable rows are left out. */
  async list(filter: JobFilter = {}): Promise<JobInfo[]> {
    const out: JobInfo[] = [];
    for (const row of await this.store.listJobs()) {
      const read = readJobData(row.data);
      if (!read.ok) continue;
      const job = read.job;
      if (filter.ownerId !== undefined && job.ownerId !== filter.ownerId) continue;
      if (filter.conversationId !== undefined && job.conversationId !== filter.conversationId) continue;
      if (filter.kind !== undefined && job.kind !== filter.kind) continue;
      out.push(toJobInfo(row.id, job, row.nextFireAt));
    }
    return out.sort((a, b) => (a.nextFireAt ?? Infinity) - (b.nextFireAt ?? Infinity) || a.id.localeCompare(b.id));
  }

  /** One job, or `undefined`. */
  async get(id: string): Promise<JobInfo | undefined> {
    const row = await this.store.getJob(id);
    const read = row ? readJobData(row.data) : undefined;
    return row && read?.ok ? toJobInfo(row.id, read.job, row.nextFireAt) : undefined;
  }

  /** Cancels a job; resolves whether it existed. A running firing finishes. */
  async cancel(id: string): Promise<boolean> {
    this.declared.delete(id);
    const existed = await this.store.deleteJob(id);
    if (existed) this.logger.info({ jobId: id }, `job ${id} cancelled`);
    this.wake();
    return existed;
  }

  /**
   * Moves a reminder: a date for `at` jobs, an expression or interval for `every` jobs. Slots
   * before now never fire afterwards.
   * @throws Error for an unknown id or a job declared in code (change the code instead).
   */
  async reschedule(id: string, when: Date | number | string): Promise<JobInfo> {
    const row = await this.store.getJob(id);
    const read = row ? readJobData(row.data) : undefined;
    if (!row || !read?.ok) throw new Error(`scheduler.reschedule('${id}'): no such job; list() shows the existing ones.`);
    const job = rescheduled(id, read.job, when, this.clock.now(), this.opts.graceMs);
    const next = firstPendingSlot(job);
    await this.store.saveJob({ id, nextFireAt: next, data: job });
    this.logger.info({ jobId: id, nextFireAt: next }, `job ${id} rescheduled`);
    this.wake();
    return toJobInfo(id, job, next);
  }

  /**
   * Looks for runs whose lease expired (crashed, or put back by `fleepkit inspect --retry`) now
   * rather than at the next rescan, and re-runs them; `idle()` waits for those runs.
   */
  async recoverNow(): Promise<void> {
    if (!this.started || this.stopped) return;
    await this.track(this.recoverCrashedRuns(this.clock.now()));
  }

  /** Stores declared jobs, applies missed-run policies to the downtime and arms the wake-up. */
  async start(): Promise<void> {
    if (this.stopped) throw new Error('scheduler.start(): a stopped scheduler cannot start again; create a new one.');
    if (this.started) return;
    this.started = true;
    for (const [id, job] of [...this.declared]) await this.persistDeclared(id, job);
    this.nextRescanAt = 0;
    await this.requestTick();
  }

  /** Disarms the wake-up and waits (up to `stopTimeout`) for running handlers. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const abort = new AbortController();
    const deadline = this.clock.sleep(this.opts.stopTimeoutMs, abort.signal).then(
      () => this.logger.warn({ timeoutMs: this.opts.stopTimeoutMs }, 'scheduler stopped with handlers still running; their leases let another run re-run them'),
      () => undefined,
    );
    await Promise.race([this.idle(), deadline]);
    abort.abort();
  }

  /** Resolves when no wake-up, store write or firing of this scheduler is in progress. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async create(job: JobData, requestedId: string | undefined): Promise<JobInfo> {
    const id = requestedId ?? `job:${randomUUID()}`;
    if (requestedId !== undefined) {
      if (requestedId.includes('@') || requestedId.startsWith('cron:')) {
        throw new RangeError(`Job id ${JSON.stringify(requestedId)} must not contain '@' or start with 'cron:'.`);
      }
      const existing = await this.get(requestedId);
      if (existing) return existing;
    }
    const next = firstPendingSlot(job);
    await this.store.saveJob({ id, nextFireAt: next, data: job });
    this.logger.info({ jobId: id, kind: job.kind, nextFireAt: next }, `job ${id} created`);
    this.wake();
    return toJobInfo(id, job, next);
  }

  private async persistDeclared(id: string, declared: JobData): Promise<void> {
    const row = await this.store.getJob(id);
    const stored = row ? readJobData(row.data) : undefined;
    let job = declared;
    if (stored?.ok && sameDefinition(stored.job, declared)) {
      // Same schedule: keep its history so the downtime is judged by the missed-run policy.
      const { createdAt, activeFrom, lastFiredAt, handledThrough } = stored.job;
      job = { ...declared, createdAt, activeFrom, lastFiredAt, handledThrough };
    } else if (stored?.ok) {
      job = { ...declared, createdAt: stored.job.createdAt, lastFiredAt: stored.job.lastFiredAt };
      this.logger.info({ jobId: id, was: stored.job.expression, now: declared.expression }, `job ${id} changed its schedule; slots before now will not fire`);
    }
    this.declared.set(id, job);
    await this.store.saveJob({ id, nextFireAt: firstPendingSlot(job), data: job });
  }

  private wake(): void {
    if (this.started && !this.stopped) void this.requestTick();
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise)).catch(() => undefined);
    return promise;
  }

  /** Serialises wake-ups: a request during a tick runs one more tick after it. */
  private requestTick(): Promise<void> {
    if (this.ticking) {
      this.tickAgain = true;
      return this.ticking;
    }
    const loop = async (): Promise<void> => {
      try {
        do {
          this.tickAgain = false;
          await this.tick();
        } while (this.tickAgain && !this.stopped);
      } finally {
        // Cleared in the same microtask as the last check, or a request in between is lost.
        this.ticking = undefined;
      }
    };
    // loop() always awaits before its finally, so `ticking` is set before it is cleared.
    const ticking = loop();
    this.ticking = ticking;
    this.track(ticking);
    return ticking;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const now = this.clock.now();
    let wakeAt = Number.POSITIVE_INFINITY;
    try {
      // Always on the first wake-up: an earlier run of this instance may have died mid-slot.
      if (this.nextRescanAt === 0 || (this.opts.rescanMs !== false && now >= this.nextRescanAt)) {
        this.nextRescanAt = this.opts.rescanMs === false ? Number.POSITIVE_INFINITY : now + this.opts.rescanMs;
        await this.recoverCrashedRuns(now);
      }
      for (const row of await this.store.listJobs()) {
        // One broken job must not stall the others: log it and look again in a minute.
        const next = await this.visit(row, now).catch((error: unknown) => {
          this.logger.error({ jobId: row.id, err: error }, `job ${row.id}: wake-up failed; retrying in 1 min`);
          return now + 60_000;
        });
        if (next !== null) wakeAt = Math.min(wakeAt, next);
      }
    } catch (error) {
      this.logger.error({ err: error }, 'scheduler wake-up failed; retrying in 5s');
      wakeAt = now + 5000;
    }
    wakeAt = Math.min(wakeAt, this.nextRescanAt);
    this.arm(wakeAt);
  }

  /** Handles one stored job; resolves when this scheduler should next look at it (or `null`). */
  private async visit(row: JobRow, now: number): Promise<number | null> {
    const read = readJobData(row.data);
    if (!read.ok) {
      if (!this.badRows.has(row.id)) this.logger.error({ jobId: row.id, reason: read.reason }, `job ${row.id} is unreadable and will not fire`);
      this.badRows.add(row.id);
      return null;
    }
    const job = read.job;
    // A code job this process does not declare has no handler here: leave it to its owner.
    if (job.source === 'code' && !this.declared.has(row.id)) return null;
    if (row.nextFireAt === null) return null;
    if (row.nextFireAt > now) return row.nextFireAt;
    if (!job.overlap) {
      if ((this.running.get(row.id) ?? 0) > 0) return null; // its run's end wakes us
      const lease = await hasLiveLease(this.store, row.id, now, this.self);
      if (lease.live) return lease.until ?? null;
    }
    const plan = planDue(job, now, this.opts);
    logPlan(this.logger, this.recorder, row.id, job, plan, now);
    const updated: JobData = {
      ...job,
      handledThrough: plan.handledThrough ?? job.handledThrough,
      lastFiredAt: plan.fire.at(-1)?.scheduledAt ?? job.lastFiredAt,
    };
    const finished = plan.next === null && job.kind !== 'cron';
    if (!finished) {
      const current = await this.store.getJob(row.id);
      const fresh = current ? readJobData(current.data) : undefined;
      // Cancelled or rescheduled meanwhile: leave it to the next wake-up.
      if (!fresh?.ok || fresh.job.activeFrom !== job.activeFrom || fresh.job.expression !== job.expression) return now;
    }
    // Each slot to run is leased and claimed before the row moves on, so the firing is never
    // lost: a crash before this leaves the row due; after it, the lease makes recovery re-run it.
    const leases = await this.claimSlots(row.id, job, plan);
    if (finished) {
      // Finished reminder: whoever deletes the row runs it, so a concurrent cancel wins too.
      if (!(await this.store.deleteJob(row.id))) {
        for (const lease of leases) await releaseLease(this.store, lease);
        return null;
      }
    } else {
      await this.store.saveJob({ id: row.id, nextFireAt: plan.next, data: updated });
    }
    if (leases.length > 0) this.launch(row.id, job, leases);
    return plan.next;
  }

  /** Leases and claims the slots `plan` fires; resolves the leases of those this instance claimed. */
  private async claimSlots(id: string, job: JobData, plan: DuePlan): Promise<RunLease[]> {
    const leases: RunLease[] = [];
    for (const { scheduledAt } of plan.fire) {
      const fireKey = fireKeyOf(id, scheduledAt);
      const now = this.clock.now();
      const firing: Firing = { jobId: id, fireKey, scheduledAt, lateByMs: Math.max(0, now - scheduledAt), payload: job.payload, attempt: 1 };
      if (job.ownerId !== undefined) firing.ownerId = job.ownerId;
      if (job.conversationId !== undefined) firing.conversationId = job.conversationId;
      if (job.name !== undefined) firing.name = job.name;
      const lease: RunLease = { firing, owner: this.instanceId, run: this.self.run, leaseUntil: now + this.opts.leaseMs, attempt: 1 };
      if (!(await tryLease(this.store, lease))) {
        this.logger.debug({ jobId: id, fireKey }, 'slot already leased by another run');
        continue;
      }
      if (await this.store.claimFire(fireKey, now)) {
        leases.push(lease);
      } else {
        this.logger.debug({ jobId: id, fireKey }, 'slot already fired by another instance');
        await releaseLease(this.store, lease);
      }
    }
    return leases;
  }

  private launch(id: string, job: JobData, leases: RunLease[]): void {
    this.running.set(id, (this.running.get(id) ?? 0) + 1);
    const run = async (): Promise<void> => {
      for (const lease of leases) await this.execute({ ...lease, leaseUntil: this.clock.now() + this.opts.leaseMs });
    };
    this.track(
      run()
        .catch((error: unknown) => this.logger.error({ jobId: id, err: error }, `job ${id}: firing failed in the store`))
        .finally(() => {
          this.running.set(id, (this.running.get(id) ?? 1) - 1);
          if (!job.overlap) this.wake(); // slots that came due meanwhile get the missed policy now
        }),
    );
  }

  /** Runs one claimed slot under its lease, renewed while the handler runs. */
  private async execute(lease: RunLease): Promise<void> {
    const { firing } = lease;
    await takeLease(this.store, lease);
    const keeper = new LeaseKeeper(this.store, this.clock, lease, this.opts.leaseMs);
    if (firing.lateByMs > this.opts.graceMs) {
      this.logger.info({ jobId: firing.jobId, fireKey: firing.fireKey, lateByMs: firing.lateByMs }, `job ${firing.jobId} fires late by ${firing.lateByMs} ms`);
    }
    try {
      await this.onFire(firing);
    } catch (error) {
      this.recorder.failed();
      this.logger.error({ jobId: firing.jobId, fireKey: firing.fireKey, err: error }, `job ${firing.jobId}: handler failed`);
    } finally {
      this.recorder.fired(firing.lateByMs, this.opts.graceMs);
      await keeper.release();
    }
  }

  /** Re-runs slots whose executor died mid-run (once), and dead-letters those that crashed twice. */
  private async recoverCrashedRuns(now: number): Promise<void> {
    for (const expired of await deadLeases(this.store, now, this.self)) {
      const fireKey = expired.firing.fireKey;
      if (expired.owner === this.instanceId && expired.run === this.self.run && (this.running.get(expired.firing.jobId) ?? 0) > 0) continue;
      if (expired.attempt >= MAX_ATTEMPTS) {
        if (await abandon(this.store, expired)) {
          this.recorder.abandoned();
          await this.store.addDeadLetter({ kind: 'job', key: fireKey, payload: expired.firing, reason: `run crashed ${expired.attempt} times` });
          this.logger.error({ jobId: expired.firing.jobId, fireKey }, `slot ${fireKey} crashed ${expired.attempt} times; dead-lettered`);
        }
        continue;
      }
      const lease = await takeOver(this.store, expired, this.self, now + this.opts.leaseMs);
      if (!lease) continue;
      // A leased slot may have died before its claim: claim it now, so its row never runs it again.
      await this.store.claimFire(fireKey, now);
      lease.firing.lateByMs = Math.max(0, now - lease.firing.scheduledAt);
      this.logger.warn({ jobId: lease.firing.jobId, fireKey, previousOwner: expired.owner }, `slot ${fireKey} did not finish (executor gone); re-running it once`);
      this.recorder.recovered();
      const jobId = lease.firing.jobId;
      this.running.set(jobId, (this.running.get(jobId) ?? 0) + 1);
      this.track(this.execute(lease).finally(() => this.running.set(jobId, (this.running.get(jobId) ?? 1) - 1)));
    }
  }

  private arm(at: number): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped || !Number.isFinite(at)) return;
    // Chain long waits ourselves too, so every Clock implementation behaves the same.
    const delay = Math.min(Math.max(0, at - this.clock.now()), MAX_TIMER_MS);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.requestTick();
    }, delay);
  }
}
