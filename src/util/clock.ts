/**
 * Time as a dependency. Everything in fleepkit that waits, times out or schedules takes a
 * `Clock`, so tests drive time with {@link ManualClock} instead of sleeping.
 */
import ms from 'ms';

/** An opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/**
 * The clock every component uses.
 * @example
 * const clock = systemClock;
 * await clock.sleep(1000, signal);
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `fn` once after `delayMs` (delays above Node's ~24.8-day maximum are chained). */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer; unknown handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
  /** Resolves after `delayMs`, or rejects with the signal's reason when it aborts first. */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void>;
}

/** Node's setTimeout overflows above 2^31-1 ms (about 24.8 days). */
export const MAX_TIMER_MS = 2_147_483_647;

class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    return this.arm(fn, delayMs, false);
  }

  /** A timer that keeps the process alive (`ref`) or not. */
  private arm(fn: () => void, delayMs: number, ref: boolean): TimerHandle {
    // Chain long delays: a single Node timer cannot wait more than MAX_TIMER_MS.
    const handle: { timer?: NodeJS.Timeout } = {};
    const due = Date.now() + Math.max(0, delayMs);
    const arm = (): void => {
      const left = due - Date.now();
      if (left > MAX_TIMER_MS) {
        handle.timer = setTimeout(arm, MAX_TIMER_MS);
      } else {
        handle.timer = setTimeout(fn, Math.max(0, left));
      }
      if (!ref) handle.timer.unref?.();
    };
    arm();
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = (handle as { timer?: NodeJS.Timeout }).timer;
    if (timer) clearTimeout(timer);
  }

  /**
   * Unlike a bare timer, a sleep keeps the process alive: whoever awaits it (a retry backoff
   * while Fleep is unreachable) is the only thing left to run, and Node would otherwise end the
   * process with exit code 13 in the middle of it.
   */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return sleepOn({ setTimeout: (fn, ms) => this.arm(fn, ms, true), clearTimeout: (h) => this.clearTimeout(h) }, delayMs, signal);
  }
}

/** The real clock. Its bare timers are unref'd so they never keep a process alive on their own; sleeps do. */
export const systemClock: Clock = new SystemClock();

function sleepOn(clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>, delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error('aborted'));
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      reject(signal?.reason ?? new Error('aborted'));
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface ManualTimer {
  id: number;
  due: number;
  fn: () => void;
}

/**
 * A clock that only moves when told to. `advance()` fires due timers in order, letting the
 * promises each timer starts settle before the next one fires.
 * @example
 * const clock = new ManualClock(Date.parse('2026-03-29T00:00:00Z'));
 * await clock.advance('1h');
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers: ManualTimer[] = [];

  /** @param start epoch milliseconds the clock starts at. @default Date.now() */
  constructor(start: number = Date.now()) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const timer: ManualTimer = { id: this.nextId++, due: this.current + Math.max(0, delayMs), fn };
    this.timers.push(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t !== handle);
  }

  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, delayMs, signal);
  }

  /** Number of timers waiting. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Epoch ms of the next timer, or undefined when none waits. */
  nextDue(): number | undefined {
    let min: number | undefined;
    for (const t of this.timers) if (min === undefined || t.due < min) min = t.due;
    return min;
  }

  /**
   * Moves time forward by `by` (milliseconds or an `ms` string such as `'90s'`, `'1h'`, `'2d'`),
   * firing every timer that falls due on the way, in due order.
   */
  async advance(by: number | string): Promise<void> {
    const delta = typeof by === 'number' ? by : parseDuration(by);
    await this.advanceTo(this.current + delta);
  }

  /** Moves time forward to the epoch ms `target`, firing due timers in order. */
  async advanceTo(target: number): Promise<void> {
    await settle();
    for (;;) {
      const next = this.earliest();
      if (!next || next.due > target) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = Math.max(this.current, next.due);
      next.fn();
      await settle();
    }
    this.current = Math.max(this.current, target);
    await settle();
  }

  /** Sets the time without firing timers (for setting up a scenario before anything runs). */
  set(epochMs: number): void {
    this.current = epochMs;
  }

  private earliest(): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.timers) if (!best || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    return best;
  }
}

/** Lets pending promise chains run: a few macrotask turns. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Parses a duration such as `'10m'`, `'1.5h'`, `'2 days'` or a number of milliseconds.
 * @throws RangeError naming the value when it is not a duration.
 */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`Expected a non-negative duration in ms, got ${value}`);
    return value;
  }
  const parsed = ms(value as ms.StringValue);
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0) {
    throw new RangeError(`Expected a duration such as "90s", "10m" or "1h", got ${JSON.stringify(value)}`);
  }
  return parsed;
}
