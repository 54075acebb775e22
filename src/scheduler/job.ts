/**
 * Scheduled jobs: the persisted shape (validated with zod on every load), the public views
 * ({@link JobInfo}, {@link Firing}) and slot arithmetic shared by the planner and the scheduler.
 */
import { z } from 'zod';
import { nextFireOf, parseCron } from './next-fire.js';

/** What happens to slots that were due while the process was down or the job was still running. */
export type MissedPolicy = 'skip' | 'once' | 'all';

/** `cron`: declared in code; `at`: one-off reminder; `every`: repeating reminder (cron or interval). */
export type JobKind = 'cron' | 'at' | 'every';

/** The persisted job document (the `data` of a store `JobRow`). */
export const JobDataSchema = z.object({
  v: z.literal(1),
  kind: z.enum(['cron', 'at', 'every']),
  source: z.enum(['code', 'runtime']),
  name: z.string().optional(),
  expression: z.string().optional(),
  intervalMs: z.number().int().positive().optional(),
  at: z.number().optional(),
  tz: z.string().min(1),
  payload: z.unknown(),
  ownerId: z.string().optional(),
  conversationId: z.string().optional(),
  missed: z.enum(['skip', 'once', 'all']),
  maxLatenessMs: z.number().nonnegative(),
  overlap: z.boolean(),
  createdAt: z.number(),
  /** Slots at or before this instant never fire (creation, or the last reschedule). */
  activeFrom: z.number(),
  /** Scheduled instant of the last slot that fired. */
  lastFiredAt: z.number().nullable(),
  /** Latest slot already dealt with (fired, skipped or dropped); later slots are pending. */
  handledThrough: z.number().nullable(),
});

/** The persisted job document. */
export type JobData = z.infer<typeof JobDataSchema>;

/**
 * A job as `list()` and the creating calls return it.
 * @example
 * const job = await scheduler.at(Date.parse('2026-06-01T09:00:00Z'), { payload: { text: 'Pay rent' } });
 * job.id; // 'job:5f0c…'
 */
export interface JobInfo {
  id: string;
  kind: JobKind;
  /** Name of a code-declared job. */
  name?: string;
  /** Cron expression of `cron` and cron-based `every` jobs. */
  expression?: string;
  /** Interval of duration-based `every` jobs, ms. */
  intervalMs?: number;
  /** IANA time zone of the expression. */
  tz: string;
  /** Next fire instant, epoch ms UTC; `null` when the job is finished. */
  nextFireAt: number | null;
  /** Scheduled instant of the last fired slot. */
  lastFiredAt: number | null;
  createdAt: number;
  payload: unknown;
  ownerId?: string;
  conversationId?: string;
  missed: MissedPolicy;
  maxLatenessMs: number;
  overlap: boolean;
}

/** One slot firing, handed to `onFire` (the runtime turns it into a `schedule` event). */
export interface Firing {
  jobId: string;
  /** `${jobId}@${ISO instant}`: the idempotency base of the firing's effects. */
  fireKey: string;
  /** The slot's instant, epoch ms. */
  scheduledAt: number;
  /** How late it fires, ms (0 when on time). */
  lateByMs: number;
  payload: unknown;
  ownerId?: string;
  conversationId?: string;
  /** Name of a code-declared job. */
  name?: string;
  /** 1, or 2 when a crashed run of this slot is re-run after its lease expired. */
  attempt: number;
}

/** The fire key of a slot: job id + scheduled instant (ISO 8601, UTC). */
export function fireKeyOf(jobId: string, scheduledAt: number): string {
  return `${jobId}@${new Date(scheduledAt).toISOString()}`;
}

/** The first slot of `job` strictly after `after`, or `null` when there is none. */
export function slotAfter(job: JobData, after: number): number | null {
  if (job.kind === 'at') return job.at !== undefined && job.at > after ? job.at : null;
  if (job.intervalMs !== undefined) {
    // Interval slots are anchored at activeFrom: activeFrom + k·interval, k ≥ 1 (pure UTC, DST-free).
    const k = Math.max(1, Math.floor((after - job.activeFrom) / job.intervalMs) + 1);
    return job.activeFrom + k * job.intervalMs;
  }
  if (job.expression === undefined) return null;
  return nextFireOf(parseCron(job.expression), job.tz, after);
}

/** The first pending slot: after both the activation instant and the last handled slot. */
export function firstPendingSlot(job: JobData): number | null {
  if (job.kind === 'at') return job.handledThrough === null ? (job.at ?? null) : null;
  return slotAfter(job, Math.max(job.activeFrom, job.handledThrough ?? Number.NEGATIVE_INFINITY));
}

/** The public view of a stored job. */
export function toJobInfo(id: string, job: JobData, nextFireAt: number | null): JobInfo {
  const info: JobInfo = {
    id,
    kind: job.kind,
    tz: job.tz,
    nextFireAt,
    lastFiredAt: job.lastFiredAt,
    createdAt: job.createdAt,
    payload: job.payload,
    missed: job.missed,
    maxLatenessMs: job.maxLatenessMs,
    overlap: job.overlap,
  };
  if (job.name !== undefined) info.name = job.name;
  if (job.expression !== undefined) info.expression = job.expression;
  if (job.intervalMs !== undefined) info.intervalMs = job.intervalMs;
  if (job.ownerId !== undefined) info.ownerId = job.ownerId;
  if (job.conversationId !== undefined) info.conversationId = job.conversationId;
  return info;
}

/** Parses stored job data; resolves `undefined` (with the reason) for rows it cannot read. */
export function readJobData(data: unknown): { ok: true; job: JobData } | { ok: false; reason: string } {
  const parsed = JobDataSchema.safeParse(data);
  if (parsed.success) return { ok: true, job: parsed.data };
  return { ok: false, reason: z.prettifyError(parsed.error) };
}
