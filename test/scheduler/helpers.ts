import { pino } from 'pino';
import type { Logger } from '../../src/util/logger.js';
import type { Clock } from '../../src/util/clock.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { Firing } from '../../src/scheduler/job.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import type { SchedulerOptions } from '../../src/scheduler/options.js';
import type { Store } from '../../src/store/store.js';

/** A parsed pino line. */
export type LogLine = Record<string, unknown> & { level: number; msg: string };

/** A pino logger writing parsed JSON lines into an array. */
export function captureLogger(): { logger: Logger; lines: LogLine[]; messages: (minLevel?: number) => string[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines, messages: (minLevel = 0) => lines.filter((l) => l.level >= minLevel).map((l) => l.msg) };
}

/** pino's numeric level of `warn`. */
export const WARN = 40;

/** An opened MemoryStore on `clock`. */
export async function memoryStore(clock: Clock): Promise<MemoryStore> {
  const store = new MemoryStore({ clock });
  await store.open();
  return store;
}

/** A scheduler whose firings are recorded in `fired` (shared arrays allowed). */
export function recordingScheduler(
  store: Store,
  clock: Clock,
  extra: Partial<SchedulerOptions> & { fired?: Firing[] } = {},
): { scheduler: Scheduler; fired: Firing[] } {
  const fired = extra.fired ?? [];
  const { fired: _ignored, ...rest } = extra;
  const scheduler = new Scheduler({
    store,
    clock,
    defaultTimezone: 'UTC',
    rescanInterval: false,
    onFire: (firing) => {
      fired.push(firing);
    },
    ...rest,
  });
  return { scheduler, fired };
}

/** Epoch ms of an ISO instant. */
export const at = (iso: string): number => Date.parse(iso);

/** ISO strings of the scheduled instants. */
export const slotsOf = (fired: Firing[]): string[] => fired.map((f) => new Date(f.scheduledAt).toISOString());

/**
 * The same store, but every call first yields `turns` macrotasks, so several schedulers' wake-ups
 * really interleave (a plain MemoryStore/SqliteStore call finishes within one turn).
 */
export function yieldingStore(store: Store, turns = 3): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      return async (...args: unknown[]) => {
        for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
        return fn.apply(target, args);
      };
    },
  });
}
