import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.js';
import type { MissedPolicy } from '../../src/scheduler/job.js';
import { WARN, at, captureLogger, memoryStore, recordingScheduler, slotsOf } from './helpers.js';

describe('missed-run policy (R-17)', () => {
  // Hourly job; the process dies after the 11:00 slot and comes back at 14:30: 12, 13, 14 are missed.
  const cases: Array<[MissedPolicy, string[]]> = [
    ['skip', []],
    ['once', ['2026-05-04T14:00:00.000Z']],
    ['all', ['2026-05-04T12:00:00.000Z', '2026-05-04T13:00:00.000Z', '2026-05-04T14:00:00.000Z']],
  ];

  it.each(cases)('down 3 h across 3 slots with %s', async (policy, expected) => {
    const clockA = new ManualClock(at('2026-05-04T10:30:00Z'));
    const store = await memoryStore(clockA);
    const a = recordingScheduler(store, clockA);
    a.scheduler.cron('report', '0 * * * *', { missed: policy, maxLateness: '4h' });
    await a.scheduler.start();
    await clockA.advance('30m');
    await a.scheduler.idle();
    expect(slotsOf(a.fired)).toEqual(['2026-05-04T11:00:00.000Z']);
    // Killed: never stopped, its clock never moves again.

    const clockB = new ManualClock(at('2026-05-04T14:30:00Z'));
    const log = captureLogger();
    const b = recordingScheduler(store, clockB, { logger: log.logger });
    b.scheduler.cron('report', '0 * * * *', { missed: policy, maxLateness: '4h' });
    await b.scheduler.start();
    await b.scheduler.idle();
    expect(slotsOf(b.fired)).toEqual(expected);
    expect(b.fired.every((f) => f.lateByMs === clockB.now() - f.scheduledAt && f.lateByMs > 0)).toBe(true);
    const warnings = log.lines.filter((l) => l.level === WARN && l.jobId === 'cron:report');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toContain(`missed 3 slot(s) (policy ${policy})`);
    expect(warnings[0]).toMatchObject({ missed: 3, policy });
    expect(b.scheduler.metrics.missed).toBe(3 - expected.length);

    // Back to normal: the 15:00 slot fires on time.
    await clockB.advance('30m');
    await b.scheduler.idle();
    expect(b.fired.at(-1)).toMatchObject({ scheduledAt: at('2026-05-04T15:00:00Z'), lateByMs: 0 });
    expect(b.fired).toHaveLength(expected.length + 1);
  });

  it('drops slots older than maxLateness (default 1 h for cron) and logs them', async () => {
    const clockA = new ManualClock(at('2026-05-04T10:30:00Z'));
    const store = await memoryStore(clockA);
    const a = recordingScheduler(store, clockA);
    a.scheduler.cron('report', '0 * * * *', { missed: 'all' });
    await a.scheduler.start();

    const clockB = new ManualClock(at('2026-05-04T14:30:00Z'));
    const log = captureLogger();
    const b = recordingScheduler(store, clockB, { logger: log.logger });
    b.scheduler.cron('report', '0 * * * *', { missed: 'all' });
    await b.scheduler.start();
    await b.scheduler.idle();
    // 11:00, 12:00 and 13:00 are more than an hour late; 14:00 (30 min late) still runs.
    expect(slotsOf(b.fired)).toEqual(['2026-05-04T14:00:00.000Z']);
    expect(log.messages(WARN)).toContainEqual(expect.stringMatching(/3 slot\(s\) older than maxLateness \(3600000 ms\) dropped/));
  });

  it('caps "all" at maxCatchUp and says so', async () => {
    const clock = new ManualClock(at('2026-05-04T10:00:30Z'));
    const store = await memoryStore(clock);
    const a = recordingScheduler(store, clock, { maxCatchUp: 5 });
    a.scheduler.cron('tick', '* * * * *', { missed: 'all', maxLateness: '1d' });
    await a.scheduler.start();
    const log = captureLogger();
    const clockB = new ManualClock(at('2026-05-04T10:20:30Z'));
    const b = recordingScheduler(store, clockB, { maxCatchUp: 5, logger: log.logger });
    b.scheduler.cron('tick', '* * * * *', { missed: 'all', maxLateness: '1d' });
    await b.scheduler.start();
    await b.scheduler.idle();
    expect(slotsOf(b.fired)).toEqual(['16', '17', '18', '19', '20'].map((m) => `2026-05-04T10:${m}:00.000Z`));
    expect(log.messages(WARN).join('\n')).toMatch(/missed 20 slot\(s\) \(policy all\): running 5, 15 beyond maxCatchUp dropped/);
  });

  it('never fires for a slot at or before its creation', async () => {
    const clock = new ManualClock(at('2026-05-04T10:00:00.500Z'));
    const store = await memoryStore(clock);
    const { scheduler, fired } = recordingScheduler(store, clock);
    scheduler.cron('ten', '0 10 * * *', { missed: 'all', maxLateness: '1d' });
    await scheduler.every('0 10 * * *', { missed: 'all', maxLateness: '1d' });
    await scheduler.start();
    await scheduler.idle();
    expect(fired).toEqual([]);
    expect((await scheduler.list()).map((j) => j.nextFireAt)).toEqual([at('2026-05-05T10:00:00Z'), at('2026-05-05T10:00:00Z')]);
  });

  it('still fires a slot when the event loop lags up to the grace period, applies the policy beyond it', async () => {
    const clock = new ManualClock(at('2026-05-04T10:00:00Z'));
    const store = await memoryStore(clock);
    const { scheduler, fired } = recordingScheduler(store, clock);
    scheduler.cron('lagged', '*/10 * * * *', { missed: 'skip' });
    await scheduler.start();
    // The 10:10 timer runs 900 ms late: still the current slot.
    clock.set(at('2026-05-04T10:10:00.900Z'));
    await clock.advance(0);
    await scheduler.idle();
    expect(fired).toMatchObject([{ scheduledAt: at('2026-05-04T10:10:00Z'), lateByMs: 900 }]);
    // The 10:20 timer runs 3 s late: missed, and `skip` drops it.
    clock.set(at('2026-05-04T10:20:03Z'));
    await clock.advance(0);
    await scheduler.idle();
    expect(fired).toHaveLength(1);
    expect(scheduler.metrics).toMatchObject({ fired: 1, missed: 1 });
  });
});
