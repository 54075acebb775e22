/**
 * Run leases: while a claimed slot's handler runs, a lease in the store says who runs it and
 * until when. A lease that outlives its deadline means the executor died mid-action; the slot
 * is then re-run at most once more (its effects share the fire key, so replies de-duplicate,
 * Leases also tell other instances that a job is still running (no overlap).
 *
 * A lease names its executor twice: the instance (stable across restarts: the bot passes its
 * instance id, the host name by default) and the process run. A restarted instance therefore
 * knows the leases of its own earlier run are dead at once — that process cannot still be
 * running — and does not wait for them to expire: a SIGKILL mid-run does not block the job.
 * Another instance waits for expiry, which comes soon because a live run renews its lease
 * ({@link LeaseKeeper}).
 */
import type { KvWrite, Store } from '../store/store.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Firing } from './job.js';

/** Store namespace of the scheduler's own keys. */
export const SCHEDULER_NAMESPACE = 'scheduler';

/** A slot being run. */
export interface RunLease {
  firing: Firing;
  /** Instance id of the executor. */
  owner: string;
  /** The executor's process run (absent in leases written before runs were recorded). */
  run?: string;
  /** Epoch ms after which the run counts as crashed. */
  leaseUntil: number;
  /** 1 for the first run, 2 for the re-run after a crash. */
  attempt: number;
}

/** Who runs slots: the instance (the same after a restart) and this process's run of it. */
export interface Executor {
  owner: string;
  run: string;
}

/**
 * Whether the executor of `lease` is gone: its deadline passed, or it is an earlier run of this
 * very instance.
 */
export function isDead(lease: RunLease, now: number, self: Executor): boolean {
  return lease.leaseUntil <= now || (lease.owner === self.owner && lease.run !== self.run);
}

/** How many times one slot may run in total (first run + one re-run after a crash). */
export const MAX_ATTEMPTS = 2;

/** The key of a slot's lease; all of a job's leases share the prefix {@link jobLeasePrefix}. */
export function leaseKey(fireKey: string): string {
  return `run:${fireKey}`;
}

/** The key prefix of every lease of a job. */
export function jobLeasePrefix(jobId: string): string {
  return `run:${jobId}@`;
}

/** Writes the lease of a slot this instance just claimed. */
export async function takeLease(store: Store, lease: RunLease): Promise<void> {
  await store.set(SCHEDULER_NAMESPACE, leaseKey(lease.firing.fireKey), lease);
}

/**
 * Takes the lease of a slot about to be claimed, unless one exists (another executor, or a dead
 * one that recovery re-runs): resolves whether it was taken.
 */
export async function tryLease(store: Store, lease: RunLease): Promise<boolean> {
  return store.compareAndSet(SCHEDULER_NAMESPACE, leaseKey(lease.firing.fireKey), undefined, lease);
}

/** Removes a lease, but only while it is still ours (a taken-over lease stays). */
export async function releaseLease(store: Store, lease: RunLease): Promise<void> {
  await store.compareAndSet(SCHEDULER_NAMESPACE, leaseKey(lease.firing.fireKey), lease, undefined);
}

/** Whether some live executor holds a lease on one of the job's slots. */
export async function hasLiveLease(store: Store, jobId: string, now: number, self: Executor): Promise<{ live: boolean; until?: number }> {
  const leases = await store.list<RunLease>(SCHEDULER_NAMESPACE, jobLeasePrefix(jobId));
  let until: number | undefined;
  for (const { value } of leases) {
    if (!isDead(value, now, self)) until = Math.max(until ?? 0, value.leaseUntil);
  }
  return until === undefined ? { live: false } : { live: true, until };
}

/** Every lease whose executor is gone (see {@link isDead}). */
export async function deadLeases(store: Store, now: number, self: Executor): Promise<RunLease[]> {
  const leases = await store.list<RunLease>(SCHEDULER_NAMESPACE, 'run:');
  return leases.map((l) => l.value).filter((l) => isDead(l, now, self));
}

/**
 * Takes over a dead lease with compare-and-set, so one instance wins. Resolves the new lease, or
 * `undefined` when another instance was faster.
 */
export async function takeOver(store: Store, expired: RunLease, self: Executor, leaseUntil: number): Promise<RunLease | undefined> {
  const next: RunLease = { ...expired, owner: self.owner, run: self.run, leaseUntil, attempt: expired.attempt + 1, firing: { ...expired.firing, attempt: expired.attempt + 1 } };
  const won = await store.compareAndSet(SCHEDULER_NAMESPACE, leaseKey(expired.firing.fireKey), expired, next);
  return won ? next : undefined;
}

/** Drops an expired lease that has used up its attempts; resolves whether this caller dropped it. */
export async function abandon(store: Store, expired: RunLease): Promise<boolean> {
  return store.compareAndSet(SCHEDULER_NAMESPACE, leaseKey(expired.firing.fireKey), expired, undefined);
}

/**
 * The store write that has the scheduler re-run a dead-lettered slot once more: an expired
 * lease on the last attempt but one, which the next recovery pass takes over and runs (R-18:
 * the re-run shares the fire key, so a run that had in fact committed is skipped by the ledger).
 */
export function rerunLeaseWrite(firing: Firing): KvWrite {
  const lease: RunLease = { firing: { ...firing, attempt: MAX_ATTEMPTS - 1 }, owner: 'fleepkit inspect', leaseUntil: 0, attempt: MAX_ATTEMPTS - 1 };
  return { namespace: SCHEDULER_NAMESPACE, key: leaseKey(firing.fireKey), value: lease };
}

/**
 * Holds a run's lease while the run goes on: renews it every third of its length, so a short
 * lease never expires under a live run, and a dead executor's lease expires within that length.
 */
export class LeaseKeeper {
  private current: RunLease;
  private timer: TimerHandle | undefined;
  private renewing: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    lease: RunLease,
    private readonly leaseMs: number,
  ) {
    this.current = lease;
    this.arm();
  }

  /** Stops renewing and removes the lease (unless another instance took it over meanwhile). */
  async release(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.renewing;
    await releaseLease(this.store, this.current);
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.renewing = this.renew().finally(() => (this.renewing = undefined));
    }, Math.max(1, Math.floor(this.leaseMs / 3)));
  }

  private async renew(): Promise<void> {
    const next: RunLease = { ...this.current, leaseUntil: this.clock.now() + this.leaseMs };
    try {
      // Lost to a take-over (this run was presumed dead): stop renewing.
      if (!(await this.store.compareAndSet(SCHEDULER_NAMESPACE, leaseKey(next.firing.fireKey), this.current, next))) return;
      this.current = next;
    } catch {
      // A store hiccup: the lease still runs for a while; try again at the next renewal.
    }
    this.arm();
  }
}
