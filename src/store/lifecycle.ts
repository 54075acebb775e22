/**
 * The open/close state machine both backends share: it enforces "no read or write before
 * open() resolved, none after close()" and makes open() and close() idempotent.
 */
import type { Clock } from '../util/clock.js';
import { StoreStateError } from './store-errors.js';

/** Where a store is in its life. */
export type StoreState = 'new' | 'opening' | 'open' | 'closed';

/** Tracks a store's state; backends call {@link StoreLifecycle.assertOpen} at the top of every method. */
export class StoreLifecycle {
  /** Current state. */
  state: StoreState = 'new';
  private opening: Promise<void> | undefined;

  /** @param description the store's description, used in error messages. */
  constructor(private readonly description: string) {}

  /** @throws StoreStateError unless the store is open. */
  assertOpen(operation: string): void {
    if (this.state === 'open') return;
    throw new StoreStateError(this.state === 'closed' ? 'STORE_CLOSED' : 'STORE_NOT_OPEN', operation, this.description);
  }

  /**
   * Runs `load` once: later calls share its promise. The state stays `opening` until `load`
   * (and the optional test latency) has finished, so writes racing the load are refused.
   */
  open(load: () => void | Promise<void>, clock: Clock, loadDelayMs: number): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new StoreStateError('STORE_CLOSED', 'open', this.description));
    if (this.opening) return this.opening;
    this.state = 'opening';
    this.opening = (async () => {
      // Always yield at least once: open() is asynchronous even for a tiny file.
      if (loadDelayMs > 0) await clock.sleep(loadDelayMs);
      else await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.state !== 'opening') throw new StoreStateError('STORE_CLOSED', 'open', this.description);
      await load();
      this.state = 'open';
    })();
    this.opening.catch(() => {
      // A failed open may be retried with a new store; this one stays unusable.
      if (this.state === 'opening') this.state = 'new';
      this.opening = undefined;
    });
    return this.opening;
  }

  /** Marks the store closed; resolves `true` the first time (the caller then releases resources). */
  close(): boolean {
    if (this.state === 'closed') return false;
    this.state = 'closed';
    return true;
  }
}
