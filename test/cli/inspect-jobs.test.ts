/**
 * `inspect --retry` of a dead-lettered job slot: the slot's executor died twice (the scheduler's
 * own crash recovery dead-lettered it); a retry has the running scheduler run it once more under
 * the same fire key, and only once however often it is asked.
 */
import { describe, expect, it } from 'vitest';
import { collectReport, runAction } from '../../src/cli/inspect-report.js';
import type { InspectTarget } from '../../src/cli/inspect-report.js';
import type { Firing } from '../../src/scheduler/job.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { ManualClock } from '../../src/util/clock.js';
import { at, memoryStore, recordingScheduler } from '../scheduler/helpers.js';

describe('inspect --retry of a job dead letter', () => {
  it('re-runs the slot once through the running scheduler, with the same fire key', async () => {
    const clockA = new ManualClock(at('2026-05-04T10:00:00Z'));
    const store = await memoryStore(clockA);
    const hang = (): Promise<void> => new Promise<void>(() => undefined);
    const a = new Scheduler({ store, clock: clockA, instanceId: 'a', lease: '5m', onFire: () => hang() });
    await a.at(at('2026-05-04T10:01:00Z'), { id: 'job:reminder' });
    await a.start();
    await clockA.advance('1m');
    // a dies mid-action; b re-runs the slot after the lease and dies too.
    const clockB = new ManualClock(at('2026-05-04T10:03:00Z'));
    const b = new Scheduler({ store, clock: clockB, instanceId: 'b', lease: '5m', rescanInterval: '1m', onFire: () => hang() });
    await b.start();
    await clockB.advance('4m');
    // c finds the slot crashed twice and dead-letters it.
    const clockC = new ManualClock(at('2026-05-04T11:00:00Z'));
    const c = recordingScheduler(store, clockC, { instanceId: 'c', rescanInterval: '1m' });
    await c.scheduler.start();
    await c.scheduler.idle();
    const fireKey = 'job:reminder@2026-05-04T10:01:00.000Z';
    const target: InspectTarget = {
      source: 'test',
      store,
      now: () => clockC.now(),
      live: {
        cursor: 0,
        isRunning: true,
        poll: () => ({ lagMs: 0, lastAnswerAt: null, polling: false }),
        send: () => Promise.reject(new Error('no effects here')),
        rerunSlots: async () => {
          await c.scheduler.recoverNow();
          await c.scheduler.idle();
        },
        cancelJob: (id) => c.scheduler.cancel(id),
      },
    };
    const before = await collectReport(target);
    expect(before.deadLetters).toEqual([
      { id: fireKey, kind: 'job', reason: 'run crashed 2 times', at: clockA.now(), summary: `job job:reminder, slot 2026-05-04T10:01:00.000Z`, retryable: true },
    ]);
    expect(c.fired).toEqual([]);

    await expect(runAction(target, { action: 'retry', id: fireKey })).resolves.toMatchObject({ outcome: 're-run', kind: 'job' });
    expect(c.fired.map((f: Firing) => f.fireKey)).toEqual([fireKey]);
    await expect(runAction(target, { action: 'retry', id: fireKey })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await clockC.advance('10m');
    await c.scheduler.idle();
    expect(c.fired).toHaveLength(1);
    expect((await collectReport(target)).deadLetters).toEqual([]);
  });
});
