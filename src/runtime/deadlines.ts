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
  /** Settles the race in progress with `undefined` when the deadline passes. */
  private wake: ((value: undefined) => void) | undefined;

  constructor(readonly due: number) {}

  /** The signal handed to handlers; aborts when the deadline passes. */
  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
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
  private readonly active = new Set<Deadline>();
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
    this.active.add(d);
    if (d.due < this.timerDue) this.arm(d.due);
    return d;
  }

  /** Forgets a finished deadline. */
  finish(d: Deadline): void {
    d.finish();
    this.active.delete(d);
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
    for (const d of this.active) {
      if (d.due <= now) {
        this.active.delete(d);
        d.expire(new Error(`handler deadline of ${this.timeoutMs} ms passed`));
      } else if (d.due < next) {
        next = d.due;
      }
    }
    if (next !== Infinity) this.arm(next);
  }
}
