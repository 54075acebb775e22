import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.js';
import { CronExpressionError } from '../../src/scheduler/next-fire.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { TimeZoneError } from '../../src/util/time-zone.js';
import { at, captureLogger, memoryStore, recordingScheduler, slotsOf } from './helpers.js';

async function setup(startIso = '2026-05-04T09:00:00Z') {
  const clock = new ManualClock(at(startIso));
  const store = await memoryStore(clock);
  const { scheduler, fired } = recordingScheduler(store, clock, { defaultTimezone: 'Europe/Tallinn' });
  return { clock, store, scheduler, fired };
}

describe('reminders: list, cancel, reschedule', () => {
  it('lists jobs soonest first, filtered by owner and conversation', async () => {
    const { scheduler } = await setup();
    await scheduler.start();
    const late = await scheduler.at(at('2026-05-06T09:00:00Z'), { ownerId: 'ann', conversationId: 'c1', payload: 'b' });
    const soon = await scheduler.at(at('2026-05-05T09:00:00Z'), { ownerId: 'ann', conversationId: 'c2', payload: 'a' });
    const weekly = await scheduler.every('0 9 * * 1', { ownerId: 'bob', conversationId: 'c1' });
    expect((await scheduler.list()).map((j) => j.id)).toEqual([soon.id, late.id, weekly.id]);
    expect((await scheduler.list({ ownerId: 'ann' })).map((j) => j.id)).toEqual([soon.id, late.id]);
    expect((await scheduler.list({ conversationId: 'c1' })).map((j) => j.id)).toEqual([late.id, weekly.id]);
    expect(weekly).toMatchObject({ kind: 'every', expression: '0 9 * * 1', tz: 'Europe/Tallinn', nextFireAt: at('2026-05-11T06:00:00Z'), maxLatenessMs: 86_400_000, missed: 'once' });
  });

  it('a cancelled reminder does not fire; a rescheduled one fires at its new time only', async () => {
    const { clock, scheduler, fired } = await setup();
    await scheduler.start();
    const a = await scheduler.at(at('2026-05-04T10:00:00Z'), { payload: 'cancelled' });
    const b = await scheduler.at(at('2026-05-04T10:00:00Z'), { payload: 'moved' });
    expect(await scheduler.cancel(a.id)).toBe(true);
    expect(await scheduler.cancel(a.id)).toBe(false);
    expect(await scheduler.reschedule(b.id, new Date('2026-05-04T11:30:00Z'))).toMatchObject({ id: b.id, nextFireAt: at('2026-05-04T11:30:00Z') });
    await clock.advance('4h');
    await scheduler.idle();
    expect(fired).toMatchObject([{ jobId: b.id, payload: 'moved', scheduledAt: at('2026-05-04T11:30:00Z') }]);
  });

  it('reschedules a repeating reminder to a new expression or interval', async () => {
    const { clock, scheduler, fired } = await setup();
    await scheduler.start();
    const job = await scheduler.every('0 * * * *');
    await scheduler.reschedule(job.id, '30m');
    await clock.advance('1h');
    await scheduler.idle();
    expect(slotsOf(fired)).toEqual(['2026-05-04T09:30:00.000Z', '2026-05-04T10:00:00.000Z']);
    await expect(scheduler.reschedule('job:nope', '1h')).rejects.toThrow(/no such job; list\(\) shows the existing ones/);
  });

  it('a stable id makes creation idempotent', async () => {
    const { scheduler } = await setup();
    const first = await scheduler.at(at('2026-05-05T09:00:00Z'), { id: 'job:event-42', payload: 1 });
    const again = await scheduler.at(at('2026-05-06T09:00:00Z'), { id: 'job:event-42', payload: 2 });
    expect(again).toEqual(first);
    expect(await scheduler.list()).toHaveLength(1);
  });
});

describe('cron jobs declared in code', () => {
  it('fires in its zone across the spring-forward gap (03:30 → 04:00 EEST)', async () => {
    const { clock, scheduler, fired } = await setup('2026-03-27T12:00:00Z');
    scheduler.cron('night', '30 3 * * *', { conversationId: 'c9', payload: { kind: 'nightly' } });
    await scheduler.start();
    await clock.advance('3d');
    await scheduler.idle();
    expect(slotsOf(fired)).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
    expect(fired[0]).toMatchObject({ jobId: 'cron:night', name: 'night', conversationId: 'c9', payload: { kind: 'nightly' }, lateByMs: 0, fireKey: 'cron:night@2026-03-28T01:30:00.000Z' });
    expect(scheduler.metrics).toMatchObject({ fired: 3, late: 0, missed: 0, driftMs: [0, 0, 0] });
  });

  it('a changed expression starts afresh: slots before the change never fire', async () => {
    const clockA = new ManualClock(at('2026-05-04T08:00:00Z'));
    const store = await memoryStore(clockA);
    const a = recordingScheduler(store, clockA);
    a.scheduler.cron('job', '0 9 * * *', { missed: 'all', maxLateness: '1d' });
    await a.scheduler.start();
    const clockB = new ManualClock(at('2026-05-04T12:00:00Z'));
    const log = captureLogger();
    const b = recordingScheduler(store, clockB, { logger: log.logger });
    b.scheduler.cron('job', '0 10 * * *', { missed: 'all', maxLateness: '1d' });
    await b.scheduler.start();
    await b.scheduler.idle();
    expect(b.fired).toEqual([]);
    expect(log.messages().join('\n')).toMatch(/cron:job changed its schedule/);
    expect(await b.scheduler.get('cron:job')).toMatchObject({ expression: '0 10 * * *', nextFireAt: at('2026-05-05T10:00:00Z') });
  });

  it('leaves a stored code job alone when this process does not declare it', async () => {
    const clock = new ManualClock(at('2026-05-04T08:00:00Z'));
    const store = await memoryStore(clock);
    const a = recordingScheduler(store, clock);
    a.scheduler.cron('other-plugin', '*/5 * * * *');
    await a.scheduler.start();
    await a.scheduler.stop();
    const b = recordingScheduler(store, clock);
    await b.scheduler.start();
    await clock.advance('1h');
    await b.scheduler.idle();
    expect(b.fired).toEqual([]);
  });

  it('a throwing handler is logged and counted; the job keeps its schedule', async () => {
    const clock = new ManualClock(at('2026-05-04T08:00:00Z'));
    const store = await memoryStore(clock);
    const log = captureLogger();
    const s = new Scheduler({ store, clock, logger: log.logger, rescanInterval: false, onFire: () => { throw new Error('boom'); } });
    s.cron('flaky', '0 * * * *');
    await s.start();
    await clock.advance('2h');
    await s.idle();
    expect(s.metrics).toMatchObject({ fired: 2, failed: 2 });
    expect(log.messages(50)).toEqual(['job cron:flaky: handler failed', 'job cron:flaky: handler failed']);
  });
});

describe('input checks', () => {
  it('rejects bad input with errors that say what to do', async () => {
    const { scheduler, clock, store } = await setup();
    expect(() => scheduler.cron('x', '0 9 * * *', { tz: 'Europe/Talinn' })).toThrow(TimeZoneError);
    expect(() => scheduler.cron('x', '0 9 * * *', { tz: 'Europe/Talinn' })).toThrow(/did you mean Europe\/Tallinn\?/);
    expect(() => scheduler.cron('x', '0 25 * * *')).toThrow(CronExpressionError);
    expect(() => scheduler.cron('x', '0 0 30 2 *')).toThrow(/no slot in the next 8 years/);
    expect(() => scheduler.cron('x', '0 9 * * *', { missed: 'twice' as never })).toThrow(/missed must be 'skip', 'once' or 'all', got "twice"/);
    expect(() => scheduler.cron('x', '0 9 * * *', { maxLateness: 'soon' })).toThrow(/maxLateness: Expected a duration/);
    expect(() => scheduler.cron('a@b', '0 9 * * *')).toThrow(/without '@'/);
    scheduler.cron('x', '0 9 * * *');
    expect(() => scheduler.cron('x', '0 10 * * *')).toThrow(/already declared/);
    await expect(scheduler.at(clock.now() - 60_000)).rejects.toThrow(/is in the past .* pass a future date/);
    await expect(scheduler.at(new Date('nonsense'))).rejects.toThrow(/expected a Date or epoch milliseconds/);
    await expect(scheduler.every('10ms')).rejects.toThrow(/at least 1s/);
    await expect(scheduler.every('every tuesday')).rejects.toThrow(/interval: Expected a duration/);
    await scheduler.start();
    await expect(scheduler.reschedule('cron:x', '0 11 * * *')).rejects.toThrow(/declared in code/);
    expect(() => new Scheduler({ store: undefined as never, onFire: () => undefined })).toThrow(/`store` is required/);
    expect(() => recordingScheduler(store, clock, { defaultTimezone: 'Nowhere/Land' })).toThrow(TimeZoneError);
  });
});
