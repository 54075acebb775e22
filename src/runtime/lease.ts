/**
 * The poller lease: one Fleep session must be polled by exactly one instance. Instances
 * sharing a store take a lease with compare-and-set; the holder renews it every `renewMs`, the
 * others check as often and take over once it has expired (holder crashed) or was released.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { Clock, TimerHandle } from '../util/clock.js';

/** The stored poller lease (key: the bot's account id). */
export interface LeaseValue {
  /** Instance id of the holder (the host name unless `instanceId` is set). */
  owner: string;
  /** Epoch ms; past it, a standby may take over. */
  expiresAt: number;
}

/** Options of {@link PollerLease}. */
export interface PollerLeaseOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** This instance's id. */
  owner: string;
  /** Key of the lease (one per bot account). */
  key: string;
  /** @default 30000 */
  ttlMs?: number;
  /** @default 10000 */
  renewMs?: number;
}

/** Store namespace of poller leases. */
export const LEASE_NAMESPACE = 'fleepkit:lease';
const NAMESPACE = LEASE_NAMESPACE;

/** Holds (or waits for) the poller lease. */
export class PollerLease {
  private timer: TimerHandle | undefined;
  private held = false;
  private stopped = false;
  private readonly ttl: number;
  private readonly renew: number;

  constructor(private readonly o: PollerLeaseOptions) {
    this.ttl = o.ttlMs ?? 30_000;
    this.renew = o.renewMs ?? 10_000;
  }

  /** Whether this instance holds the lease. */
  get isHeld(): boolean {
    return this.held;
  }

  /**
   * Resolves once the lease is ours, checking every `renewMs`; keeps renewing it and calls
   * `onLost` if another instance takes it (this one must then stop polling).
   */
  acquire(signal: AbortSignal, onLost: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const attempt = async (): Promise<void> => {
        if (signal.aborted || this.stopped) return reject(signal.reason ?? new Error('stopped'));
        try {
          const ok = await this.tryTake();
          if (ok && !this.held) {
            this.held = true;
            this.o.logger.info({ owner: this.o.owner }, 'poller lease acquired');
            resolve();
          } else if (!ok && this.held) {
            this.held = false;
            this.o.logger.warn({ owner: this.o.owner }, 'poller lease lost to another instance');
            onLost();
            return;
          } else if (!ok) {
            this.o.logger.debug({ owner: this.o.owner }, 'another instance polls; standing by');
          }
        } catch (error) {
          this.o.logger.error({ err: error }, 'poller lease check failed');
        }
        if (!this.stopped) this.timer = this.o.clock.setTimeout(() => void attempt(), this.renew);
      };
      void attempt();
    });
  }

  /** Stops renewing and gives the lease up so a standby takes over at once. */
  async release(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    if (!this.held) return;
    this.held = false;
    const current = await this.o.store.get<LeaseValue>(NAMESPACE, this.o.key);
    if (current?.owner === this.o.owner) await this.o.store.compareAndSet(NAMESPACE, this.o.key, current, undefined);
  }

  private async tryTake(): Promise<boolean> {
    const now = this.o.clock.now();
    const current = await this.o.store.get<LeaseValue>(NAMESPACE, this.o.key);
    const next: LeaseValue = { owner: this.o.owner, expiresAt: now + this.ttl };
    if (current && current.owner !== this.o.owner && current.expiresAt > now) return false;
    return this.o.store.compareAndSet(NAMESPACE, this.o.key, current, next);
  }
}
