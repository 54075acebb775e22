/**
 * The missed-run policy as a pure function: given a job and "now", which due slots fire, which
 * are missed, which are too old to matter, and where the job goes next.
 */
import type { Logger } from '../util/logger.js';
import type { JobData } from './job.js';
import { firstPendingSlot, slotAfter } from './job.js';
import type { SchedulerMetricsRecorder } from './metrics.js';

/** A slot chosen to fire. */
export interface PlannedFire {
  scheduledAt: number;
  lateByMs: number;
}

/** The outcome of {@link planDue}. */
export interface DuePlan {
  /** Slots to fire, in order. */
  fire: PlannedFire[];
  /** Late slots (beyond the grace period, within `maxLateness`) that will not fire: the newest few. */
  missed: number[];
  /** How many late slots will not fire (all of them, not only those in {@link DuePlan.missed}). */
  missedTotal: number;
  /** Missed slots among {@link DuePlan.fire} (fired late because of the policy). */
  caughtUp: number;
  /** Slots older than `maxLateness`: dropped whatever the policy. Counting stops at the cap. */
  expired: number;
  /** The oldest expired slot, for the log. */
  firstExpired: number | null;
  /** Late slots beyond `maxCatchUp` that `all` could not run. */
  overCap: number;
  /** The latest slot dealt with by this plan, or `null` when nothing was due. */
  handledThrough: number | null;
  /** Next slot after now, `null` when the job is finished. */
  next: number | null;
}

/** Tuning of {@link planDue}. */
export interface PlanOptions {
  /** A slot this late or less fires as "current", whatever the policy. @default 1000 */
  graceMs: number;
  /** At most this many missed slots run under `all`. @default 100 */
  maxCatchUp: number;
}

/** Enumeration bound: a per-second cron that was down for a day stops counting here. */
const MAX_ENUMERATED = 100_000;

/**
 * Decides what a due job does at `now`. The latest due slot is the *current* slot when it is at
 * most `graceMs` late (event-loop lag still fires); every other due slot is *missed*:
 * `skip` drops them, `once` runs the latest of them unless a current slot runs anyway, `all`
 * runs them in order (at most `maxCatchUp`, the latest ones). Slots older than `maxLateness`
 * never fire. A job never fires for a slot at or before its creation (`activeFrom`).
 */
export function planDue(job: JobData, now: number, options: PlanOptions): DuePlan {
  const plan: DuePlan = { fire: [], missed: [], missedTotal: 0, caughtUp: 0, expired: 0, firstExpired: null, overCap: 0, handledThrough: null, next: null };
  const oldestAllowed = now - job.maxLatenessMs;
  const due: number[] = [];
  let dueCount = 0;
  let slot = firstPendingSlot(job);
  for (let steps = 0; slot !== null && slot <= now; steps++) {
    if (steps >= MAX_ENUMERATED) {
      // Give up counting one by one; the rest of the window still counts as handled.
      plan.handledThrough = now;
      break;
    }
    if (slot < oldestAllowed) {
      plan.expired++;
      plan.firstExpired ??= slot;
    } else {
      dueCount++;
      due.push(slot);
      // Keep memory bounded: only the newest maxCatchUp + 1 slots can ever fire.
      if (due.length > options.maxCatchUp + 1) due.shift();
    }
    plan.handledThrough = slot;
    slot = slotAfter(job, slot);
  }

  const last = due.at(-1);
  const current = last !== undefined && now - last <= options.graceMs ? last : undefined;
  const missed = current === undefined ? due : due.slice(0, -1);
  const missedCount = current === undefined ? dueCount : dueCount - 1;
  const late = (s: number): PlannedFire => ({ scheduledAt: s, lateByMs: now - s });

  if (job.missed === 'all') {
    const run = missed.slice(-options.maxCatchUp);
    plan.overCap = missedCount - run.length;
    plan.fire.push(...run.map(late));
    plan.caughtUp = run.length;
  } else if (job.missed === 'once' && current === undefined && missed.length > 0) {
    plan.fire.push(late(missed[missed.length - 1] as number));
    plan.caughtUp = 1;
  }
  const fired = new Set(plan.fire.map((f) => f.scheduledAt));
  plan.missed = missed.filter((s) => !fired.has(s));
  plan.missedTotal = missedCount - plan.caughtUp - plan.overCap;
  if (current !== undefined) plan.fire.push(late(current));
  plan.next = slotAfter(job, Math.max(now, plan.handledThrough ?? Number.NEGATIVE_INFINITY, job.activeFrom));
  return plan;
}

/** Logs (warn) and counts what a plan does not run: missed runs are never silent. */
export function logPlan(logger: Logger, recorder: SchedulerMetricsRecorder, id: string, job: JobData, plan: DuePlan, now: number): void {
  const base = { jobId: id, policy: job.missed };
  if (plan.expired > 0) {
    recorder.missed(plan.expired);
    logger.warn(
      { ...base, expired: plan.expired, firstExpired: iso(plan.firstExpired), maxLatenessMs: job.maxLatenessMs },
      `job ${id}: ${plan.expired} slot(s) older than maxLateness (${job.maxLatenessMs} ms) dropped`,
    );
  }
  const missedTotal = plan.missedTotal + plan.caughtUp + plan.overCap;
  if (missedTotal === 0) return;
  recorder.missed(plan.missedTotal + plan.overCap);
  const what =
    job.missed === 'skip' ? 'skipped'
    : job.missed === 'once' ? (plan.caughtUp > 0 ? 'running the latest once' : 'coalesced into the current run')
    : `running ${plan.caughtUp}` + (plan.overCap > 0 ? `, ${plan.overCap} beyond maxCatchUp dropped` : '');
  logger.warn(
    { ...base, missed: missedTotal, caughtUp: plan.caughtUp, lastMissed: iso(plan.missed.at(-1) ?? null), now: iso(now) },
    `job ${id} missed ${missedTotal} slot(s) (policy ${job.missed}): ${what}`,
  );
}

function iso(ms: number | null): string | undefined {
  return ms === null ? undefined : new Date(ms).toISOString();
}
