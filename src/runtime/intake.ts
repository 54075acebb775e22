/**
 * From poll batches to handled units: registers each batch with the watermark, queues its
 * records on their conversation's lane, and — in lane order, so each change is compared with
 * the state left by the one before it — normalises and hands them to the unit runner.
 */
import type { Logger } from 'pino';
import type { FleepRecord, MessageRecord } from '../api/records.js';
import type { KvWrite, Store } from '../store/store.js';
import { FLOW_NAMESPACE } from './catch-up.js';
import type { Directory } from './directory.js';
import { Dispatcher } from './dispatcher.js';
import { SnapshotCache, revisionOf, type MessageSnapshot } from './message-snapshot.js';
import { normalise } from './normalise.js';
import type { PollBatch } from './poller.js';
import type { UnitOutcome, UnitRunner } from './unit-runner.js';
import { Watermark, type Batch } from './watermark.js';

/** Namespace of persisted message snapshots. */
export const SNAPSHOT_NAMESPACE = 'fleepkit:msg';
const SNAPSHOT_TTL_MS = 14 * 24 * 3600_000;

/** Records that never become events: skip them before they take a lane slot. */
const BOOKKEEPING = new Set(['request', 'poke', 'activity', 'lastseen', 'conv', 'contact']);

/** One queued item: a record, or a scheduled firing wrapped as a unit. */
export interface QueuedItem {
  lane: string;
  record?: FleepRecord;
  horizon: number;
  batch?: Batch;
  /** A ready-made unit (schedule firings) and who waits for it. */
  run?: () => Promise<void>;
}

/** Options of {@link Intake}. */
export interface IntakeOptions {
  store: Store;
  runner: UnitRunner;
  directory: Directory;
  logger: Logger;
  botAccountId: () => string;
  concurrency: number;
  /** Persist snapshots so that changes are told apart after a restart. @default true */
  persistSnapshots?: boolean;
  /** A record could not be committed (the store failed); the bot must stop. */
  onFatal?: (error: Error) => void;
  /** Counts outcomes (metrics). */
  onOutcome?: (outcome: UnitOutcome, types: readonly string[]) => void;
}

/** Owns the watermark and the dispatcher. */
export class Intake {
  readonly dispatcher: Dispatcher<QueuedItem>;
  private watermark: Watermark;
  private readonly snapshots = new SnapshotCache();
  private readonly flow = new Map<string, number>();

  constructor(
    private readonly o: IntakeOptions,
    start: number,
  ) {
    this.watermark = new Watermark(start);
    this.dispatcher = new Dispatcher<QueuedItem>({
      concurrency: o.concurrency,
      run: (item) => this.handle(item),
      onError: (error, item) => {
        // Only the store can fail here (handler errors are caught below): without it the cursor
        // cannot move, so keep nothing running on a broken store.
        o.logger.error({ err: error, lane: item.lane }, 'failed to handle a record; the store is not usable');
        o.onFatal?.(error instanceof Error ? error : new Error(String(error)));
      },
    });
  }

  /** The low-water mark: everything below it is handled. */
  get cursor(): number {
    return this.watermark.value;
  }

  /** Queues a poll batch. Resolves once queued (with back-pressure when far behind). */
  async accept(batch: PollBatch): Promise<void> {
    for (const record of batch.records) this.o.directory.apply(record);
    const records = batch.records.filter((r) => !BOOKKEEPING.has(r.mk_rec_type));
    const tracked = this.watermark.add(batch.horizon, records.length);
    if (records.length === 0) {
      const moved = this.watermark.finish(tracked, 0);
      if (moved !== undefined) await this.o.store.commit({ cursor: moved });
      return;
    }
    for (const record of records) {
      const lane = typeof record.conversation_id === 'string' ? record.conversation_id : '';
      this.dispatcher.push({ lane, record, horizon: batch.horizon, batch: tracked });
    }
    // Back-pressure: do not poll further ahead than a bounded backlog.
    while (this.dispatcher.size > 5_000) await this.dispatcher.idle();
  }

  /** Starts over from `horizon` once everything queued is done (resync). */
  async reset(horizon: number): Promise<void> {
    await this.dispatcher.idle();
    this.watermark.reset(horizon);
  }

  /** Queues work that is not a record (a schedule firing) on a lane. */
  enqueue(lane: string, run: () => Promise<void>): void {
    this.dispatcher.push({ lane, horizon: 0, run });
  }

  private async handle(item: QueuedItem): Promise<void> {
    if (item.run) {
      await item.run();
      return;
    }
    const record = item.record!;
    const batch = item.batch!;
    if (item.lane) await this.o.directory.ensureConversation(item.lane);
    const unit = normalise(record, item.horizon, {
      botAccountId: this.o.botAccountId(),
      previous: (key) => this.snapshots.get(key),
    });
    // A change of a message that is not in memory (after a restart): compare with the stored snapshot.
    const isChange = record.mk_rec_type === 'message' && revisionOf(record as MessageRecord) > 0;
    const reloaded =
      unit?.snapshot && isChange && !this.snapshots.get(unit.snapshot.key) && this.o.persistSnapshots !== false
        ? await this.reload(record, item.horizon, unit.snapshot.key)
        : undefined;
    const ready = reloaded ?? unit;
    const cursor = (): number | undefined => this.watermark.finish(batch);
    if (!ready || ready.events.length === 0) {
      const writes = ready ? this.extraWrites(ready) : [];
      const moved = cursor();
      if (moved !== undefined || writes.length > 0) await this.o.store.commit({ cursor: moved, kv: writes });
      if (ready?.snapshot) this.snapshots.set(ready.snapshot.key, ready.snapshot.value);
      return;
    }
    const outcome = await this.o.runner.run({ key: ready.key, events: ready.events, writes: this.extraWrites(ready) }, cursor);
    if (ready.snapshot) this.snapshots.set(ready.snapshot.key, ready.snapshot.value);
    this.o.onOutcome?.(outcome, ready.events.map((e) => e.type));
  }

  /** Normalises again against the stored snapshot; `undefined` when none is stored. */
  private async reload(record: FleepRecord, horizon: number, key: string): Promise<ReturnType<typeof normalise>> {
    const stored = await this.o.store.get<MessageSnapshot>(SNAPSHOT_NAMESPACE, key);
    if (!stored) return undefined;
    return normalise(record, horizon, {
      botAccountId: this.o.botAccountId(),
      previous: (k) => (k === key ? stored : this.snapshots.get(k)),
    });
  }

  private extraWrites(unit: NonNullable<ReturnType<typeof normalise>>): KvWrite[] {
    const writes: KvWrite[] = [];
    if (unit.snapshot && this.o.persistSnapshots !== false) {
      writes.push({ namespace: SNAPSHOT_NAMESPACE, key: unit.snapshot.key, value: unit.snapshot.value, ttlMs: SNAPSHOT_TTL_MS });
    }
    if (unit.flow && (this.flow.get(unit.flow.conversationId) ?? 0) < unit.flow.nr) {
      this.flow.set(unit.flow.conversationId, unit.flow.nr);
      writes.push({ namespace: FLOW_NAMESPACE, key: unit.flow.conversationId, value: unit.flow.nr });
    }
    return writes;
  }
}
