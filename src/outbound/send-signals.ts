/**
 * Abort signals for the queue's sends. Transports (client, axios) add an abort listener per call;
 * on one signal shared for the queue's whole life that trips `MaxListenersExceededWarning` and,
 * with a transport that never removes its listener, piles listeners up without bound. A signal per
 * send avoids both but costs ~3 µs on Node 20 (an AbortSignal is an EventTarget), a third of the
 * per-message budget, so sends share a signal for at most `sendsPerSignal` sends: listeners per
 * signal stay bounded, and a signal (with whatever listeners were left on it) is dropped once its
 * last send settles.
 */
import { setMaxListeners } from 'node:events';

/** One abort signal handed to up to `sendsPerSignal` sends. */
export interface SendSignal {
  readonly signal: AbortSignal;
  /** Sends handed this signal. */
  uses: number;
  /** Of those, still in flight. */
  live: number;
  readonly controller: AbortController;
}

/** Hands out and releases send signals; aborts all live ones on stop. */
export class SendSignals {
  private current: SendSignal | undefined;
  /** Signals with sends in flight, plus the current one. */
  private readonly live = new Set<SendSignal>();
  private reason: Error | undefined;

  /** @param sendsPerSignal sends that share one signal. */
  constructor(private readonly sendsPerSignal = 256) {}

  /** A signal for one send; pair with {@link release} when the send settles. */
  acquire(): SendSignal {
    let s = this.current;
    if (!s || s.uses >= this.sendsPerSignal) {
      const controller = new AbortController();
      // Bounded by construction (uses × listeners per call), so the leak heuristic does not apply.
      setMaxListeners(0, controller.signal);
      if (this.reason) controller.abort(this.reason);
      if (s && s.live === 0) this.live.delete(s);
      s = this.current = { signal: controller.signal, uses: 0, live: 0, controller };
      this.live.add(s);
    }
    s.uses++;
    s.live++;
    return s;
  }

  /** The send that got `s` settled. */
  release(s: SendSignal): void {
    if (--s.live === 0 && s !== this.current) this.live.delete(s);
  }

  /** Aborts every send in flight, and any later one, with `reason`. */
  abortAll(reason: Error): void {
    this.reason = reason;
    for (const s of this.live) s.controller.abort(reason);
  }
}
