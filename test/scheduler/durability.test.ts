import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, ManualClock } from '../../src/util/clock.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Firing } from '../../src/scheduler/job.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import type { Store } from '../../src/store/store.js';
import { WARN, at, captureLogger, memoryStore, recordingScheduler, yieldingStore } from './helpers.js';

const DAY = 86_400_000;

describe('durability (R-16, R-20)', () => {
  it('fires a 40-day reminder once, on time, chaining the wake-up below the timer maximum', async () => {
    const clock = new ManualClock(at('2026-01-01T00:00:00Z'));
    const store = await memoryStore(clock);
    const { scheduler, fired } = recordingScheduler(store, clock);
    await scheduler.start();
    const due = clock.now() + 40 * DAY;
    const job = await scheduler.at(due, { ownerId: 'u1', conversationId: 'c1', payload: { text: 'renew the domain' } });
    await scheduler.idle();
    expect(clock.nextDue()).toBe(clock.now() + MAX_TIMER_MS);
    await clock.advance(39 * DAY);
    await scheduler.idle();
    expect(fired).toEqual([]);
    await clock.advanceTo(due);
    await scheduler.idle();
    expect(fired).toEqual([
      { jobId: job.id, fireKey: `${job.id}@2026-02-10T00:00:00.000Z`, scheduledAt: due, lateByMs: 0, payload: { text: 'renew the domain' }, ownerId: 'u1', conversationId: 'c1', attempt: 1 },
    ]);
    expect(await scheduler.list()).toEqual([]);
    await clock.advance(10 * DAY);
    expect(fired).toHaveLength(1);
  });

  it('a reminder survives a kill: a new scheduler on the same store fires it exactly once, saying it is late', async () => {
    const clockA = new ManualClock(at('2026-05-04T09:00:00Z'));
    const store = await memoryStore(clockA);
    const a = recordingScheduler(store, clockA);
    await a.scheduler.start();
    const job = await a.scheduler.at(at('2026-05-04T10:00:00Z'), { payload: 'stand up' });
    // Killed: no stop(); its clock never moves again.

    const clockB = new ManualClock(at('2026-05-04T12:00:00Z'));
    const b = recordingScheduler(store, clockB);
    expect(await b.scheduler.list()).toMatchObject([{ id: job.id, nextFireAt: at('2026-05-04T10:00:00Z'), payload: 'stand up' }]);
    await b.scheduler.start();
    await b.scheduler.idle();
    expect(b.fired).toMatchObject([{ jobId: job.id, scheduledAt: at('2026-05-04T10:00:00Z'), lateByMs: 2 * 3_600_000 }]);

    const c = recordingScheduler(store, new ManualClock(at('2026-05-04T12:05:00Z')));
    await c.scheduler.start();
    await c.scheduler.idle();
    await clockB.advance('1d');
    await b.scheduler.idle();
    expect(b.fired).toHaveLength(1);
    expect(c.fired).toHaveLength(0);
  });

  it('a reminder created before a restart fires once at its time', async () => {
    const clockA = new ManualClock(at('2026-05-04T09:00:00Z'));
    const store = await memoryStore(clockA);
    const a = recordingScheduler(store, clockA);
    await a.scheduler.start();
    await a.scheduler.at(at('2026-05-04T10:00:00Z'));
    await a.scheduler.stop();

    const clockB = new ManualClock(at('2026-05-04T09:30:00Z'));
    const b = recordingScheduler(store, clockB);
    await b.scheduler.start();
    await clockB.advance('2h');
    await b.scheduler.idle();
    expect(b.fired).toMatchObject([{ scheduledAt: at('2026-05-04T10:00:00Z'), lateByMs: 0 }]);
    expect(a.fired).toEqual([]);
  });
});

describe('exactly once per slot across instances (R-18)', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('two schedulers on one SQLite file with a shared clock fire each slot once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleepkit-sched-'));
    const path = join(dir, 'bot.db');
    const clock = new ManualClock(at('2026-05-04T09:55:00Z'));
    const fired: Array<Firing & { by: string }> = [];
    const schedulers: Scheduler[] = [];
    const stores: SqliteStore[] = [];
    for (const name of ['a', 'b']) {
      const store = new SqliteStore({ path, clock });
      await store.open();
      stores.push(store);
      const scheduler = new Scheduler({ store: yieldingStore(store), clock, instanceId: name, rescanInterval: '1m', onFire: (f) => void fired.push({ ...f, by: name }) });
      scheduler.cron('tenner', '*/10 * * * *');
      schedulers.push(scheduler);
    }
    await Promise.all(schedulers.map((s) => s.start()));
    await schedulers[0]?.every('15m', { id: 'job:every-15' });
    await schedulers[1]?.every('15m', { id: 'job:every-15' }); // same id: no duplicate job
    // Minute by minute, letting both instances finish their (interleaved) wake-ups each time.
    for (let minute = 0; minute < 120; minute++) {
      await clock.advance('1m');
      await Promise.all(schedulers.map((s) => s.idle()));
    }
    const keys = fired.map((f) => f.fireKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => k.startsWith('cron:tenner@'))).toHaveLength(12);
    expect(keys.filter((k) => k.startsWith('job:every-15@'))).toHaveLength(8);
    expect(fired.every((f) => f.lateByMs === 0)).toBe(true);
    await Promise.all(schedulers.map((s) => s.stop()));
    for (const store of stores) await store.close();
  });

  it('five instances on one store, 1,000 slots: each fire key runs exactly once', async () => {
    const clock = new ManualClock(at('2026-05-04T10:00:00Z'));
    const store = yieldingStore(await memoryStore(clock));
    const runs = new Map<string, number>();
    const schedulers = Array.from({ length: 5 }, (_, i) => {
      const s = new Scheduler({ store, clock, instanceId: `i${i}`, rescanInterval: false, onFire: (f) => void runs.set(f.fireKey, (runs.get(f.fireKey) ?? 0) + 1) });
      s.cron('every-second', '* * * * * *');
      return s;
    });
    for (const s of schedulers) await s.start();
    // Second by second: all five wake for every slot and race for it through the store.
    for (let second = 0; second < 1000; second++) {
      await clock.advance(1000);
      await Promise.all(schedulers.map((s) => s.idle()));
    }
    expect(runs.size).toBe(1000);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
  });

  it('re-runs a slot whose executor died mid-action once after the lease expires, then dead-letters', async () => {
    const clockA = new ManualClock(at('2026-05-04T10:00:00Z'));
    const store = await memoryStore(clockA);
    const hang = (): Promise<void> => new Promise<void>(() => undefined);
    const started: Firing[] = [];
    const a = new Scheduler({ store, clock: clockA, instanceId: 'a', lease: '5m', onFire: (f) => (started.push(f), hang()) });
    await a.at(at('2026-05-04T10:01:00Z'), { id: 'job:reminder' });
    await a.start();
    await clockA.advance('1m');
    expect(started).toMatchObject([{ fireKey: 'job:reminder@2026-05-04T10:01:00.000Z', attempt: 1 }]);
    // a dies mid-action. b starts within the lease: nothing to do yet.
    const clockB = new ManualClock(at('2026-05-04T10:03:00Z'));
    const log = captureLogger();
    const b = new Scheduler({ store, clock: clockB, instanceId: 'b', lease: '5m', logger: log.logger, rescanInterval: '1m', onFire: (f) => (started.push(f), hang()) });
    await b.start();
    expect(started).toHaveLength(1);
    await clockB.advance('4m');
    expect(started).toMatchObject([{ attempt: 1 }, { fireKey: 'job:reminder@2026-05-04T10:01:00.000Z', attempt: 2 }]);
    expect(log.messages(WARN).join('\n')).toMatch(/did not finish \(executor gone\); re-running it once/);
    // b dies too: the third instance does not run it a third time.
    const clockC = new ManualClock(at('2026-05-04T11:00:00Z'));
    const c = recordingScheduler(store, clockC, { instanceId: 'c', rescanInterval: '1m' });
    await c.scheduler.start();
    await c.scheduler.idle();
    expect(c.fired).toEqual([]);
    expect(await store.deadLetters('job')).toMatchObject([{ key: 'job:reminder@2026-05-04T10:01:00.000Z', reason: 'run crashed 2 times' }]);
    expect(c.scheduler.metrics.abandoned).toBe(1);
  });
});

describe('overlap (R-20)', () => {
  async function slowJob(overlap: boolean): Promise<{ starts: number[]; maxConcurrent: number; warnings: string[] }> {
    const clock = new ManualClock(at('2026-05-04T10:00:00Z'));
    const store = await memoryStore(clock);
    const log = captureLogger();
    let active = 0;
    let maxConcurrent = 0;
    const starts: number[] = [];
    const scheduler = new Scheduler({
      store,
      clock,
      logger: log.logger,
      rescanInterval: false,
      onFire: async (f) => {
        starts.push((f.scheduledAt - at('2026-05-04T10:00:00Z')) / 1000);
        active++;
        maxConcurrent = Math.max(maxConcurrent, active);
        await clock.sleep(5000);
        active--;
      },
    });
    await scheduler.every('1s', { overlap });
    await scheduler.start();
    await clock.advance('20s');
    // stop() waits for running handlers, which sleep on the manual clock.
    const stopping = scheduler.stop();
    await clock.advance('10s');
    await stopping;
    return { starts, maxConcurrent, warnings: log.messages(WARN) };
  }

  it('a job blocking 5 s with a 1 s interval does not overlap itself; the waiting slots follow the policy, logged', async () => {
    const { starts, maxConcurrent, warnings } = await slowJob(false);
    expect(maxConcurrent).toBe(1);
    expect(starts).toEqual([1, 6, 11, 16]);
    expect(warnings.filter((m) => /missed 4 slot\(s\) \(policy once\): coalesced into the current run/.test(m))).toHaveLength(3);
  });

  it('overlap: true lets runs overlap', async () => {
    const { starts, maxConcurrent } = await slowJob(true);
    expect(maxConcurrent).toBe(5);
    expect(starts).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});

describe('a kill at any store write of a firing loses nothing (issue 14)', () => {
  /**
   * The store as a process killed at its `n`-th call of `method` sees it: that call and every
   * later one never complete (and never reach the store).
   */
  function dyingAt(store: Store, method: string, n: number): Store {
    let calls = 0;
    let dead = false;
    return new Proxy(store, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        const fn = value as (...args: unknown[]) => unknown;
        return (...args: unknown[]) => {
          if (prop === method && ++calls === n) dead = true;
          return dead ? new Promise(() => undefined) : fn.apply(target, args);
        };
      },
    });
  }

  it.each([
    ['compareAndSet', 1], // the slot's lease
    ['claimFire', 1],
    ['deleteJob', 1],
  ])('killed at %s: a restarted scheduler fires the finished reminder exactly once', async (method, n) => {
    const clockA = new ManualClock(at('2026-05-04T10:00:00Z'));
    const store = await memoryStore(clockA);
    const a = recordingScheduler(dyingAt(store, method, n), clockA, { instanceId: 'host-1' });
    await a.scheduler.at(at('2026-05-04T10:01:00Z'), { id: 'job:reminder', payload: 'stand up' });
    await a.scheduler.start();
    void clockA.advance('1m'); // a dies in this wake-up, never to finish it
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(a.fired).toEqual([]);

    // The same host restarts a minute later.
    const clockB = new ManualClock(at('2026-05-04T10:02:00Z'));
    const b = recordingScheduler(store, clockB, { instanceId: 'host-1', rescanInterval: '1m' });
    await b.scheduler.start();
    await b.scheduler.idle();
    await clockB.advance('30m');
    await b.scheduler.idle();
    expect(b.fired.map((f) => [f.fireKey, f.payload])).toEqual([['job:reminder@2026-05-04T10:01:00.000Z', 'stand up']]);
    expect(await b.scheduler.list()).toEqual([]);
  });
});
