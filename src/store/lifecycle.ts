/**
 * The open/close state machine both backends share: it enforces "no read or write before
 * open() resolved, none after close()" and makes open() and close() idempotent.
 */
import type { Clock } from '../util/clock.js';
import { StoreStateError } from './store-errors.js';

/** Where a store is in its life. */
export type StoreState = 'new' | 'opening' | 'open' | 'failed' | 'closed';

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
    const code = this.state === 'closed' ? 'STORE_CLOSED' : this.state === 'failed' ? 'STORE_OPEN_FAILED' : 'STORE_NOT_OPEN';
    throw new StoreStateError(code, operation, this.description);
  }

  /**
   * Runs `load` once: later calls share its promise (also when it failed). The state stays `opening` until `load`
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
      // Sticky: retrying open() on the same object could silently create a fresh file where
      // a corrupt one was just moved aside. Later open() calls get the same rejection.
      if (this.state === 'opening') this.state = 'failed';
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
