/**
 * The unit of work of one attempt at handling a unit (an event, or a schedule firing): every
 * change a handler makes besides its effects — key/value writes, jobs created or cancelled,
 * command cooldown hits — and every key it read. Nothing reaches the store until the runtime
 * commits the unit: in one transaction with the ledger entry, and only if every key read still
 * holds what was read (optimistic concurrency, see `EventCommit.expect`). A failed attempt
 * leaves none of it behind; a conflicting one is run again on fresh reads.
 */
import { createHash } from 'node:crypto';
import type { JobRow, KvRead, KvWrite, Store } from '../store/store.js';

/** A job created or cancelled by the unit. */
export class JobChange {
  private constructor(
    /** The job to create, or `undefined` for a cancel. */
    readonly create: JobRow | undefined,
    /** The job id to cancel, or `undefined` for a create. */
    readonly cancel: string | undefined,
  ) {}

  static create(row: JobRow): JobChange {
    return new JobChange(row, undefined);
  }

  static cancel(id: string): JobChange {
    return new JobChange(undefined, id);
  }
}

/** One change, in the order the handlers made them. */
export type Change = KvWrite | JobChange;

/** What a unit commits besides its ledger entry, cursor and effects. */
export interface UnitChanges {
  kv: KvWrite[];
  expect: KvRead[];
  jobs: JobRow[];
  cancelJobs: string[];
}

/** The changes and reads of one attempt. */
export class UnitOfWork {
  private readonly log: Change[] = [];
  private readonly reads: KvRead[] = [];
  /** Jobs created so far per plugin: the ordinal in each job's deterministic id. */
  private readonly jobOrdinals = new Map<string, number>();

  constructor(
    /** The unit's ledger key: the base of the ids of the jobs it creates. */
    readonly unitKey: string,
    private readonly store: Pick<Store, 'getJson'>,
  ) {}

  /** Number of changes so far: a mark to roll back to. */
  get size(): number {
    return this.log.length;
  }

  /** Whether any key was read from the store (then the commit is conditional). */
  get hasReads(): boolean {
    return this.reads.length > 0;
  }

  /** Drops the changes made after `mark` (a failed plugin's, R-38). Its reads stay: that only makes conflicts likelier, never wrong. */
  rollback(mark: number): void {
    if (this.log.length > mark) this.log.length = mark;
  }

  /**
   * Reads a key: the unit's own newest write of it, else the store — and then remembers the
   * text read, which the commit expects to be unchanged.
   */
  async read<T>(namespace: string, key: string): Promise<T | undefined> {
    const log = this.log;
    for (let i = log.length - 1; i >= 0; i--) {
      const c = log[i] as Change;
      if (!(c instanceof JobChange) && c.namespace === namespace && c.key === key) return c.value as T | undefined;
    }
    const json = await this.store.getJson(namespace, key);
    if (!this.reads.some((r) => r.namespace === namespace && r.key === key)) this.reads.push({ namespace, key, json });
    return json === undefined ? undefined : (JSON.parse(json) as T);
  }

  /** Buffers a write (`value: undefined` deletes). */
  write(write: KvWrite): void {
    this.log.push(write);
  }

  /**
   * The id of the next job `plugin` creates in this unit: the same on every attempt and after
   * a crash, so a unit handled twice creates its jobs once.
   */
  nextJobId(plugin: string): string {
    const ordinal = this.jobOrdinals.get(plugin) ?? 0;
    this.jobOrdinals.set(plugin, ordinal + 1);
    const hash = createHash('sha256').update(`${this.unitKey}\n${plugin}\n${ordinal}`).digest('base64url').slice(0, 22);
    return `job:${plugin}:${hash}`;
  }

  /** Buffers a job creation. */
  createJob(row: JobRow): void {
    this.log.push(JobChange.create(row));
  }

  /** Buffers a job cancel; resolves whether the job exists (created in this unit, or stored). */
  async cancelJob(id: string, exists: (id: string) => Promise<boolean>): Promise<boolean> {
    let created = false;
    let cancelled = false;
    for (const c of this.log) {
      if (!(c instanceof JobChange)) continue;
      if (c.create?.id === id) created = true;
      if (c.cancel === id) cancelled = true;
    }
    const existed = !cancelled && (created || (await exists(id)));
    this.log.push(JobChange.cancel(id));
    return existed;
  }

  /** Everything to commit, split by kind. */
  changes(): UnitChanges {
    const out: UnitChanges = { kv: [], expect: this.reads, jobs: [], cancelJobs: [] };
    for (const c of this.log) {
      if (!(c instanceof JobChange)) out.kv.push(c);
      else if (c.create) out.jobs.push(c.create);
      else if (c.cancel !== undefined) out.cancelJobs.push(c.cancel);
    }
    return out;
  }
}
