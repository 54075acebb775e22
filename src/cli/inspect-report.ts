/**
 * What `fleepkit inspect` shows and does, against a store (and, inside a running bot, its live
 * queue and scheduler): the cursor and poll lag, the outbox per conversation, dead letters,
 * jobs and the poller lease; `retry`, `drop` and `cancel`. The same code serves the CLI on a
 * store file and the bot's `/inspect` endpoint, so both answer with the same facts.
 */
import { LEASE_NAMESPACE } from '../runtime/lease.js';
import type { LeaseValue } from '../runtime/lease.js';
import { readJobData, toJobInfo } from '../scheduler/job.js';
import type { Firing } from '../scheduler/job.js';
import { rerunLeaseWrite } from '../scheduler/leases.js';
import type { DeadLetter, Store } from '../store/store.js';

/** Outbox entries read per store call while counting. */
const PAGE = 1000;

/** The inspection of one bot: every field is plain JSON (times are epoch ms, UTC). */
export interface InspectReport {
  /** What answered: `bot <url>` or `store <description>`. */
  source: string;
  /** When the facts were read, epoch ms. */
  at: number;
  cursor: {
    /** The persisted low-water mark, `null` before the first start. */
    stored: number | null;
    /** The running bot's cursor (`null` when read from the store alone). */
    live: number | null;
  };
  /** Polling as the running bot sees it; `null` when read from the store alone. */
  poll: {
    /** Time since the server last answered or a poll started, ms (0 while a poll is held). */
    lagMs: number;
    /** When `account/poll` last answered, epoch ms. */
    lastAnswerAt: number | null;
    /** Whether a poll is in flight now. */
    polling: boolean;
    running: boolean;
  } | null;
  /** Poller leases (one per bot account) held in the store (R-08). */
  leases: Array<{ account: string; owner: string; expiresAt: number; live: boolean }>;
  outbox: {
    pending: number;
    /** Age of the oldest pending entry, ms. */
    oldestAgeMs: number | null;
    conversations: OutboxLane[];
  };
  deadLetters: DeadLetterView[];
  jobs: JobView[];
}

/** Pending outbox entries of one conversation. */
export interface OutboxLane {
  /** The conversation id, or `~global` for effects that name none. */
  conversationId: string;
  pending: number;
  oldestAgeMs: number;
  /** Most failed attempts of one entry. */
  attempts: number;
  /** When the head entry may be tried again after a failure, epoch ms; `null` when it may go now. */
  retryAt: number | null;
}

/** A dead letter as inspect lists it; `id` is what `--retry` / `--drop` take. */
export interface DeadLetterView {
  /** The effect's `client_req_id`, the event key, or the slot's fire key. */
  id: string;
  kind: DeadLetter['kind'];
  reason: string;
  at: number;
  /** One line saying what it is (method, conversation, text; event type; job slot). */
  summary: string;
  /** Whether `--retry` can act on it (event dead letters cannot; see {@link retry}). */
  retryable: boolean;
}

/** A job or reminder; `id` is what `--cancel` takes. */
export interface JobView {
  id: string;
  kind: 'cron' | 'at' | 'every';
  name?: string;
  /** The cron expression, the interval (`every 10m`), or `once` for `at` reminders. */
  schedule: string;
  tz: string;
  /** Next fire instant, epoch ms; `null` when finished. */
  nextFireAt: number | null;
  lastFiredAt: number | null;
  conversationId?: string;
  /** Cron jobs declared in code come back at the next start, so they are not cancellable here. */
  cancellable: boolean;
}

/** The live parts of a running bot that inspect reads and drives. */
export interface LiveBot {
  readonly cursor: number;
  readonly isRunning: boolean;
  poll(): { lagMs: number; lastAnswerAt: number | null; polling: boolean };
  /** Starts sending what was put back in the outbox; resolves when `id` is sent, rejects when dead-lettered again. */
  send(id: string): Promise<unknown>;
  /** Runs put-back job slots now; resolves when they finished. */
  rerunSlots(): Promise<void>;
  /** Cancels a job through the running scheduler. */
  cancelJob(id: string): Promise<boolean>;
}

/** What inspect reads from and acts on. */
export interface InspectTarget {
  /** `bot <url>` or `store <description>`. */
  source: string;
  store: Store;
  now(): number;
  live?: LiveBot;
}

/** An operator's action. */
export type InspectAction = { action: 'retry' | 'drop' | 'cancel'; id: string };

/** The outcome of an action, as printed and as JSON. */
export interface ActionResult {
  action: InspectAction['action'];
  id: string;
  kind: DeadLetter['kind'] | 'job';
  /** `delivered`, `queued`, `re-run`, `dropped`, `cancelled`. */
  outcome: string;
  /** One sentence for people. */
  message: string;
}

/** Why an action cannot be done; `code` is machine-readable, `status` the HTTP status for the endpoint. */
export class InspectActionError extends Error {
  readonly code: 'NOT_FOUND' | 'NOT_RETRYABLE' | 'NOT_CANCELLABLE' | 'AMBIGUOUS' | 'FAILED';
  readonly status: number;
  constructor(code: InspectActionError['code'], message: string) {
    super(message);
    this.name = 'InspectActionError';
    this.code = code;
    this.status = code === 'NOT_FOUND' ? 404 : code === 'FAILED' ? 502 : 409;
  }
}

/** Reads every fact of the report. */
export async function collectReport(t: InspectTarget): Promise<InspectReport> {
  const { store } = t;
  const now = t.now();
  const stored = await store.getCursor();
  const leases = (await store.list<LeaseValue>(LEASE_NAMESPACE)).map(({ key, value }) => ({
    account: key,
    owner: value.owner,
    expiresAt: value.expiresAt,
    live: value.expiresAt > now,
  }));
  return {
    source: t.source,
    at: now,
    cursor: { stored: stored ?? null, live: t.live ? t.live.cursor : null },
    poll: t.live ? { ...t.live.poll(), running: t.live.isRunning } : null,
    leases,
    outbox: await outboxSummary(store, now),
    deadLetters: (await store.deadLetters()).map(viewDeadLetter),
    jobs: await jobViews(store),
  };
}

async function outboxSummary(store: Store, now: number): Promise<InspectReport['outbox']> {
  const lanes = new Map<string, OutboxLane>();
  let pending = 0;
  let oldest: number | null = null;
  for (let after = 0; ; ) {
    const page = await store.outboxPending({ limit: PAGE, afterSeq: after });
    for (const e of page) {
      pending++;
      const age = Math.max(0, now - e.createdAt);
      oldest = Math.max(oldest ?? 0, age);
      const lane = lanes.get(e.lane);
      if (lane) {
        lane.pending++;
        lane.oldestAgeMs = Math.max(lane.oldestAgeMs, age);
        lane.attempts = Math.max(lane.attempts, e.attempts);
      } else {
        // Entries come in seq order: the first of a lane is its head, the one sent next.
        lanes.set(e.lane, { conversationId: e.lane, pending: 1, oldestAgeMs: age, attempts: e.attempts, retryAt: e.notBefore > now ? e.notBefore : null });
      }
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.seq;
  }
  const conversations = [...lanes.values()].sort((a, b) => b.pending - a.pending || b.oldestAgeMs - a.oldestAgeMs);
  return { pending, oldestAgeMs: oldest, conversations };
}

function viewDeadLetter(d: DeadLetter): DeadLetterView {
  return { id: d.key, kind: d.kind, reason: d.reason, at: d.at, summary: summarise(d), retryable: d.kind !== 'event' };
}

function summarise(d: DeadLetter): string {
  const p = d.payload as Record<string, unknown> | null;
  if (d.kind === 'effect') {
    const effect = asEffect(p);
    if (!effect) return 'malformed: no effect to send';
    const conv = typeof effect.conversationId === 'string' ? ` in ${effect.conversationId}` : '';
    const text = typeof effect.body.message === 'string' ? ` "${clip(effect.body.message)}"` : '';
    return `${effect.method}${conv}${text}`;
  }
  if (d.kind === 'job') {
    const f = asFiring(p);
    return f ? `job ${f.jobId}, slot ${new Date(f.scheduledAt).toISOString()}${f.conversationId ? ` in ${f.conversationId}` : ''}` : 'malformed: no slot to run';
  }
  const events = Array.isArray(p) ? (p as Array<{ type?: unknown; conversationId?: unknown }>) : [];
  const first = events[0];
  if (!first) return 'event';
  const where = typeof first.conversationId === 'string' ? ` in ${first.conversationId}` : '';
  return `${String(first.type)}${where}${events.length > 1 ? ` (+${events.length - 1} more)` : ''}`;
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 59)}…` : flat;
}

interface StoredEffect {
  method: string;
  conversationId?: string;
  body: Record<string, unknown>;
}

function asEffect(payload: Record<string, unknown> | null): StoredEffect | undefined {
  const e = payload?.effect as Partial<StoredEffect> | undefined;
  if (!e || typeof e.method !== 'string' || typeof e.body !== 'object' || e.body === null) return undefined;
  return e as StoredEffect;
}

function asFiring(payload: Record<string, unknown> | null): Firing | undefined {
  if (!payload || typeof payload.fireKey !== 'string' || typeof payload.jobId !== 'string' || typeof payload.scheduledAt !== 'number') return undefined;
  return payload as unknown as Firing;
}

async function jobViews(store: Store): Promise<JobView[]> {
  const out: JobView[] = [];
  for (const row of await store.listJobs()) {
    const read = readJobData(row.data);
    if (!read.ok) continue;
    const info = toJobInfo(row.id, read.job, row.nextFireAt);
    const schedule = info.expression ?? (info.intervalMs !== undefined ? `every ${formatMs(info.intervalMs)}` : 'once');
    const view: JobView = { id: info.id, kind: info.kind, schedule, tz: info.tz, nextFireAt: info.nextFireAt, lastFiredAt: info.lastFiredAt, cancellable: info.kind !== 'cron' };
    if (info.name !== undefined) view.name = info.name;
    if (info.conversationId !== undefined) view.conversationId = info.conversationId;
    out.push(view);
  }
  return out.sort((a, b) => (a.nextFireAt ?? Infinity) - (b.nextFireAt ?? Infinity) || a.id.localeCompare(b.id));
}

/** An interval in the largest unit that divides it: `600000` → `10m`, `5400000` → `90m`, `1500` → `1500ms`. */
function formatMs(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** Runs an operator's action. @throws InspectActionError saying what to do instead. */
export function runAction(t: InspectTarget, a: InspectAction): Promise<ActionResult> {
  switch (a.action) {
    case 'retry':
      return retry(t, a.id);
    case 'drop':
      return drop(t, a.id);
    case 'cancel':
      return cancel(t, a.id);
  }
}

async function findDeadLetter(store: Store, id: string): Promise<DeadLetter> {
  const found = (await store.deadLetters()).filter((d) => d.key === id);
  const kinds = new Set(found.map((d) => d.kind));
  if (found.length === 0) throw new InspectActionError('NOT_FOUND', `No dead letter with id ${JSON.stringify(id)}; \`fleepkit inspect\` lists them (column ID).`);
  if (kinds.size > 1) throw new InspectActionError('AMBIGUOUS', `The id ${JSON.stringify(id)} names dead letters of several kinds (${[...kinds].join(', ')}); drop them with the store tools.`);
  // The newest one: a key dead-lettered again after a retry is listed twice.
  return found[found.length - 1]!;
}

/**
 * Retries a dead letter through the normal path:
 * - an **effect** goes back into the outbox with its own `client_req_id`, so the queue sends
 *   it at its rate and Fleep de-duplicates it should it have arrived after all;
 * - a **job** slot gets an expired run lease, so the scheduler re-runs it once as a `schedule`
 *   event under the same fire key (a run that had in fact committed is skipped by the ledger);
 * - an **event** is refused: it was marked handled together with everything the plugins that did
 *   not fail did, so handling it again would repeat their replies and state changes.
 */
async function retry(t: InspectTarget, id: string): Promise<ActionResult> {
  const d = await findDeadLetter(t.store, id);
  if (d.kind === 'event') {
    throw new InspectActionError(
      'NOT_RETRYABLE',
      `Event ${id} cannot be retried: it was marked handled together with the replies and state changes of the plugins that did not fail, ` +
        'so handling it again would repeat them. Fix the failing plugin, ask the sender to repeat the message (or do by hand what it asked), ' +
        `then clear it with --drop ${id}.`,
    );
  }
  const payload = d.payload as Record<string, unknown> | null;
  if (d.kind === 'effect') {
    const effect = asEffect(payload);
    const lane = payload?.lane;
    if (!effect || typeof lane !== 'string') throw new InspectActionError('NOT_RETRYABLE', `Dead letter ${id} holds no effect to send; clear it with --drop ${id}.`);
    const createdAt = typeof payload?.createdAt === 'number' ? payload.createdAt : t.now();
    if (!(await t.store.resolveDeadLetter('effect', id, { outbox: [{ id, lane, effect, createdAt }] }))) throw gone(id);
    if (!t.live) {
      return done('retry', id, 'effect', 'queued', `Effect ${id} is back in the outbox with its client_req_id; the bot sends it after its next start (or with its next reply).`);
    }
    try {
      await t.live.send(id);
    } catch (error) {
      throw new InspectActionError('FAILED', `Effect ${id} was sent again and failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    return done('retry', id, 'effect', 'delivered', `Effect ${id} was delivered (client_req_id ${id}).`);
  }
  const firing = asFiring(payload);
  if (!firing) throw new InspectActionError('NOT_RETRYABLE', `Dead letter ${id} holds no job slot to run; clear it with --drop ${id}.`);
  if (!(await t.store.resolveDeadLetter('job', id, { kv: [rerunLeaseWrite(firing)] }))) throw gone(id);
  if (!t.live) return done('retry', id, 'job', 'queued', `Slot ${id} will run once more when the bot next looks for crashed runs (at its start, then every minute).`);
  await t.live.rerunSlots();
  return done('retry', id, 'job', 're-run', `Slot ${id} ran once more.`);
}

async function drop(t: InspectTarget, id: string): Promise<ActionResult> {
  const d = await findDeadLetter(t.store, id);
  if (!(await t.store.resolveDeadLetter(d.kind, id))) throw gone(id);
  return done('drop', id, d.kind, 'dropped', `Dead letter ${id} (${d.kind}) dropped; nothing was sent.`);
}

async function cancel(t: InspectTarget, id: string): Promise<ActionResult> {
  const row = await t.store.getJob(id);
  if (!row) throw new InspectActionError('NOT_FOUND', `No job or reminder with id ${JSON.stringify(id)}; \`fleepkit inspect\` lists them (column ID).`);
  if (id.startsWith('cron:')) {
    throw new InspectActionError(
      'NOT_CANCELLABLE',
      `Job ${id} is declared in code (a plugin's cron or bot.cron) and would come back at the next start; remove it from the plugin or its config instead.`,
    );
  }
  const existed = t.live ? await t.live.cancelJob(id) : await t.store.deleteJob(id);
  if (!existed) throw new InspectActionError('NOT_FOUND', `Job ${id} was removed meanwhile.`);
  return done('cancel', id, 'job', 'cancelled', `Job ${id} cancelled; it will not fire again.`);
}

function gone(id: string): InspectActionError {
  return new InspectActionError('NOT_FOUND', `Dead letter ${id} was resolved meanwhile (by another retry or drop).`);
}

function done(action: ActionResult['action'], id: string, kind: ActionResult['kind'], outcome: string, message: string): ActionResult {
  return { action, id, kind, outcome, message };
}
