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
import { normalise, type EventUnit, type NormaliseContext } from './normalise.js';
import type { PollBatch } from './poller.js';
import type { UnitCursor, UnitOutcome, UnitRunner } from './unit-runner.js';
import { Watermark, type Batch } from './watermark.js';

/** Namespace of persisted message snapshots. */
export const SNAPSHOT_NAMESPACE = 'fleepkit:msg';
const SNAPSHOT_TTL_MS = 14 * 24 * 3600_000;

const NO_WRITES: KvWrite[] = [];
/** Queued records beyond which polling waits. */
const BACKLOG = 5_000;
const DONE: Promise<void> = Promise.resolve();

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

/**
 * A queued record. It is also the cursor the unit runner advances once the record is handled,
 * so no closure is made per record.
 */
class RecordItem implements QueuedItem, UnitCursor {
  readonly run = undefined;

  constructor(
    readonly lane: string,
    readonly record: FleepRecord,
    readonly horizon: number,
    readonly batch: Batch,
    private readonly watermark: Watermark,
  ) {}

  advance(): number | undefined {
    return this.watermark.finish(this.batch);
  }
}

/** What {@link normalise} needs, made once per intake (the bot's account id is read when used). */
class IntakeNormaliseContext implements NormaliseContext {
  constructor(
    private readonly accountId: () => string,
    private readonly snapshots: SnapshotCache,
    private readonly flow: ReadonlyMap<string, number>,
  ) {}

  get botAccountId(): string {
    return this.accountId();
  }

  previous(key: string, conversationId: string, messageNr: number): MessageSnapshot | undefined {
    // Snapshots in memory are of records handled by this process, each of which raised its
    // conversation's flow position to at least its message nr: a message beyond that position
    // (a new one, the usual case) has none, and needs no lookup in the cache's two big maps.
    const seen = this.flow.get(conversationId);
    if (seen === undefined || messageNr > seen) return undefined;
    return this.snapshots.get(key);
  }

  highestSeen(conversationId: string): number | undefined {
    return this.flow.get(conversationId);
  }
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
  private readonly normaliseContext: IntakeNormaliseContext;

  constructor(
    private readonly o: IntakeOptions,
    start: number,
  ) {
    this.watermark = new Watermark(start);
    this.normaliseContext = new IntakeNormaliseContext(o.botAccountId, this.snapshots, this.flow);
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

  /**
   * Loads where the bot stands in each conversation (the last handled flow number, or where it
   * began), so that a re-delivered record from before that point is not taken for a new message.
   */
  async loadPositions(): Promise<void> {
    for (const { key, value } of await this.o.store.list<number>(FLOW_NAMESPACE)) {
      if (typeof value === 'number' && value > (this.flow.get(key) ?? 0)) this.flow.set(key, value);
    }
  }

  /** The low-water mark: everything below it is handled. */
  get cursor(): number {
    return this.watermark.value;
  }

  /**
   * Queues a poll batch. Returns `undefined` when it is queued already, else a promise that
   * resolves once it is (the cursor commit of an empty batch, or back-pressure when far behind).
   */
  accept(batch: PollBatch): Promise<void> | undefined {
    let events = 0;
    for (const record of batch.records) {
      this.o.directory.apply(record);
      if (record.mk_rec_type === 'conv') this.joinedAt(record);
      else if (!BOOKKEEPING.has(record.mk_rec_type)) events++;
    }
    const tracked = this.watermark.add(batch.horizon, events);
    if (events === 0) {
      const moved = this.watermark.finish(tracked, 0);
      return moved !== undefined ? this.o.store.commit({ cursor: moved }) : undefined;
    }
    for (const record of batch.records) {
      if (BOOKKEEPING.has(record.mk_rec_type)) continue;
      const lane = typeof record.conversation_id === 'string' ? record.conversation_id : '';
      this.dispatcher.push(new RecordItem(lane, record, batch.horizon, tracked, this.watermark));
    }
    // Back-pressure: do not poll further ahead than a bounded backlog.
    return this.dispatcher.size > BACKLOG ? this.drainBacklog() : undefined;
  }

  /**
   * A conversation header says where the bot's membership began (`join_message_nr`): the
   * messages before it are history Fleep shows a newcomer, never new to the bot (PROTOCOL.md
   * §R2.16, "start baseline"). Set before any record of the batch is handled; raises only.
   */
  private joinedAt(record: FleepRecord): void {
    const join = record['join_message_nr'];
    const conversationId = record.conversation_id;
    if (typeof join !== 'number' || join <= 1 || typeof conversationId !== 'string') return;
    if ((this.flow.get(conversationId) ?? 0) < join - 1) this.flow.set(conversationId, join - 1);
  }

  private async drainBacklog(): Promise<void> {
    while (this.dispatcher.size > BACKLOG) await this.dispatcher.idle();
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

  /**
   * Handles one queued item. Not `async`: the usual record (conversation known, no stored
   * snapshot to reload) goes straight to the unit runner without an extra async frame.
   */
  private handle(item: QueuedItem): Promise<unknown> {
    if (item.run) return item.run();
    const record = item as RecordItem;
    const loading = record.lane ? this.o.directory.ensureConversation(record.lane) : undefined;
    if (loading) return loading.then(() => this.handleRecord(record));
    return this.handleRecord(record);
  }

  private handleRecord(item: RecordItem): Promise<unknown> {
    const { record } = item;
    const unit = normalise(record, item.horizon, this.normaliseContext);
    // A change of a message that is not in memory (after a restart): compare with the stored snapshot.
    if (
      unit?.snapshotKey !== undefined &&
      record.mk_rec_type === 'message' &&
      revisionOf(record as MessageRecord) > 0 &&
      !this.snapshots.get(unit.snapshotKey) &&
      this.o.persistSnapshots !== false
    ) {
      return this.reload(record, item.horizon, unit.snapshotKey).then((reloaded) => this.finishUnit(reloaded ?? unit, item));
    }
    return this.finishUnit(unit, item);
  }

  private finishUnit(ready: EventUnit | undefined, item: RecordItem): Promise<unknown> {
    if (!ready || ready.events.length === 0) {
      const writes = ready ? this.extraWrites(ready) : NO_WRITES;
      const moved = item.advance();
      if (ready?.snapshot && ready.snapshotKey !== undefined) this.snapshots.set(ready.snapshotKey, ready.snapshot);
      return moved !== undefined || writes.length > 0 ? this.o.store.commit({ cursor: moved, kv: writes }) : DONE;
    }
    const run = this.o.runner.run({ key: ready.key, events: ready.events, writes: this.extraWrites(ready) }, item);
    // Lanes are serial: the next record of this message cannot be read before this one is
    // handled, so remembering the snapshot now is the same as remembering it afterwards.
    if (ready.snapshot && ready.snapshotKey !== undefined) this.snapshots.set(ready.snapshotKey, ready.snapshot);
    const onOutcome = this.o.onOutcome;
    if (!onOutcome) return run;
    return run.then((outcome) => onOutcome(outcome, ready.events.map((e) => e.type)));
  }

  /** Normalises again against the stored snapshot; `undefined` when none is stored. */
  private async reload(record: FleepRecord, horizon: number, key: string): Promise<EventUnit | undefined> {
    const stored = await this.o.store.get<MessageSnapshot>(SNAPSHOT_NAMESPACE, key);
    if (!stored) return undefined;
    return normalise(record, horizon, {
      botAccountId: this.o.botAccountId(),
      previous: (k) => (k === key ? stored : this.snapshots.get(k)),
      highestSeen: (conversationId) => this.flow.get(conversationId),
    });
  }

  private extraWrites(unit: EventUnit): KvWrite[] {
    const snapshot: KvWrite | undefined =
      unit.snapshot && unit.snapshotKey !== undefined && this.o.persistSnapshots !== false
        ? { namespace: SNAPSHOT_NAMESPACE, key: unit.snapshotKey, value: unit.snapshot, ttlMs: SNAPSHOT_TTL_MS }
        : undefined;
    let flow: KvWrite | undefined;
    if (unit.flowNr !== undefined && (this.flow.get(unit.lane) ?? 0) < unit.flowNr) {
      this.flow.set(unit.lane, unit.flowNr);
      flow = { namespace: FLOW_NAMESPACE, key: unit.lane, value: unit.flowNr };
    }
    // Lists of exactly what there is: the usual record (one flow write) makes one small array.
    if (snapshot && flow) return [snapshot, flow];
    if (snapshot) return [snapshot];
    return flow ? [flow] : NO_WRITES;
  }
}
