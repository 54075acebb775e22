/**
 * Handler deadlines without a timer per event: one watchdog timer checks the attempts in
 * flight and expires those past their deadline. The abort signal a handler sees is made only if
 * the handler reads `ctx.signal`.
 */
import type { Clock, TimerHandle } from '../util/clock.js';

/** One handling attempt under a deadline. */
export class Deadline {
  private controller: AbortController | undefined;
  private done = false;
  private expired = false;
  private reason: Error | undefined;
  /** Settles the race in progress with `undefined` when the deadline passes. */
  private wake: ((value: undefined) => void) | undefined;
  /** @internal where this deadline sits in its watchdog's list; -1 when not watched. */
  slot = -1;

  constructor(readonly due: number) {}

  /** The signal handed to handlers; aborts when the deadline passes. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      // Read only after the deadline passed (a handler still running): already aborted.
      if (this.expired) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /**
   * `work`'s value, or `undefined` once the deadline passed (already, or before `work`
   * settles). Rejects when `work` does. One promise per call, no timer.
   */
  race<T>(work: Promise<T>): Promise<T | undefined> {
    if (this.expired) return Promise.resolve(undefined);
    return new Promise<T | undefined>((resolve, reject) => {
      this.wake = resolve;
      work.then(resolve, reject);
    });
  }

  /** @internal the watchdog calls this once the deadline passed. */
  expire(reason: Error): void {
    if (this.done) return;
    this.done = true;
    this.expired = true;
    this.reason = reason;
    this.controller?.abort(reason);
    const wake = this.wake;
    this.wake = undefined;
    wake?.(undefined);
  }

  /** The attempt finished in time. */
  finish(): void {
    this.done = true;
    this.wake = undefined;
  }

  get isDone(): boolean {
    return this.done;
  }
}

/** Watches every attempt in flight with one timer on the injected clock. */
export class Deadlines {
  /** Deadlines watched, in no order; each knows its slot (a swap-remove list: no allocation per attempt). */
  private readonly active: Deadline[] = [];
  private timer: TimerHandle | undefined;
  private timerDue = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  /** Starts a deadline `timeoutMs` from now. Call `finish()` on it when the attempt ends. */
  start(): Deadline {
    return this.watch(new Deadline(this.nextDue()));
  }

  /** When a deadline started now is due (for subclasses of {@link Deadline} made by the caller). */
  nextDue(): number {
    return this.clock.now() + this.timeoutMs;
  }

  /** Watches `d` (made with {@link nextDue}). Call {@link finish} with it when the attempt ends. */
  watch<D extends Deadline>(d: D): D {
    if (d.slot < 0) {
      d.slot = this.active.length;
      this.active.push(d);
    }
    if (d.due < this.timerDue) this.arm(d.due);
    return d;
  }

  /** Forgets a finished deadline. */
  finish(d: Deadline): void {
    d.finish();
    this.forget(d);
  }

  private forget(d: Deadline): void {
    const slot = d.slot;
    if (slot < 0) return;
    const last = this.active.pop()!;
    if (last !== d) {
      this.active[slot] = last;
      last.slot = slot;
    }
    d.slot = -1;
  }

  private arm(due: number): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = this.clock.setTimeout(() => this.check(), Math.max(0, due - this.clock.now()));
  }

  private check(): void {
    this.timer = undefined;
    this.timerDue = Infinity;
    const now = this.clock.now();
    let next = Infinity;
    // Walk backwards: forgetting swaps the last deadline into the freed slot, already visited.
    for (let i = this.active.length - 1; i >= 0; i--) {
      const d = this.active[i]!;
      if (d.due <= now) {
        this.forget(d);
        d.expire(new Error(`handler deadline of ${this.timeoutMs} ms passed`));
      } else if (d.due < next) {
        next = d.due;
      }
    }
    if (next !== Infinity) this.arm(next);
  }
}
