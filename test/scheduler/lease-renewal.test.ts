/**
 * Run leases are short and renewed while a run goes on: another instance re-runs the slot of an
 * executor that died within the lease length (30 s by default), never the slot of a live run,
 * however long it takes.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.js';
import type { Firing } from '../../src/scheduler/job.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { at, memoryStore, slotsOf } from './helpers.js';

const hang = (): Promise<void> => new Promise<void>(() => undefined);

describe('run leases (default 30 s, renewed while running)', () => {
  it('another instance re-runs a dead executor’s slot within seconds, and the next slot fires on time', async () => {
    const clockA = new ManualClock(at('2026-05-04T10:00:30Z'));
    const store = await memoryStore(clockA);
    const started: Firing[] = [];
    const a = new Scheduler({ store, clock: clockA, instanceId: 'a', rescanInterval: '5s', onFire: (f) => (started.push(f), hang()) });
    a.cron('minutely', '* * * * *');
    await a.start();
    await clockA.advance('30s'); // 10:01:00: a starts the slot
    expect(slotsOf(started)).toEqual(['2026-05-04T10:01:00.000Z']);
    // a dies mid-run: its clock stops, so its lease is no longer renewed. b is a standby instance.
    const clockB = new ManualClock(at('2026-05-04T10:01:01Z'));
    const ranByB: Firing[] = [];
    const b = new Scheduler({ store, clock: clockB, instanceId: 'b', rescanInterval: '5s', onFire: (f) => void ranByB.push(f) });
    b.cron('minutely', '* * * * *');
    await b.start();
    await clockB.advance('20s'); // 10:01:21: a's lease still runs
    expect(ranByB).toEqual([]);
    await clockB.advance('20s'); // 10:01:41
    await b.idle();
    expect(ranByB.map((f) => [new Date(f.scheduledAt).toISOString(), f.attempt])).toEqual([['2026-05-04T10:01:00.000Z', 2]]);
    expect(ranByB[0]!.lateByMs).toBeLessThanOrEqual(36_000);
    await clockB.advance('19s'); // 10:02:00
    await b.idle();
    expect(slotsOf(ranByB)).toEqual(['2026-05-04T10:01:00.000Z', '2026-05-04T10:02:00.000Z']);
    expect(ranByB[1]!.lateByMs).toBe(0);
  });

  it('a live run that takes 5 minutes keeps its lease: no other instance re-runs it', async () => {
    const clock = new ManualClock(at('2026-05-04T10:00:30Z'));
    const store = await memoryStore(clock);
    const runs: string[] = [];
    let finish!: () => void;
    const slow = new Promise<void>((resolve) => (finish = resolve));
    const a = new Scheduler({ store, clock, instanceId: 'a', rescanInterval: '5s', onFire: (f) => (runs.push(`a ${f.fireKey}`), slow) });
    const b = new Scheduler({ store, clock, instanceId: 'b', rescanInterval: '5s', onFire: (f) => void runs.push(`b ${f.fireKey}`) });
    await a.at(at('2026-05-04T10:01:00Z'), { id: 'job:long' });
    await a.start();
    await b.start();
    await clock.advance('330s');
    expect(runs).toEqual(['a job:long@2026-05-04T10:01:00.000Z']);
    finish();
    await a.idle();
    await clock.advance('1m');
    expect(runs).toEqual(['a job:long@2026-05-04T10:01:00.000Z']);
    await a.stop();
    await b.stop();
  });
});
