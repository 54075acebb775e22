/**
 * What the runtime remembers of a message between two records of it, so that a re-sent record
 * can be told apart: edited, pinned, a reaction added… (Fleep re-sends the whole record on
 * every change; the difference is the event.)
 */
import type { MessageRecord } from '../api/records.js';
import { MessageState } from '../api/records.js';
import type { Reaction } from '../pipeline/events.js';

/** The compact, persisted state of one message (its arrays are frozen: views share them). */
export interface MessageSnapshot {
  /** Body as sent by Fleep (XML), to detect edits. */
  xml: string;
  state: string;
  tags: readonly string[];
  assigneeIds: readonly string[];
  reactions: readonly Reaction[];
  /** Highest flow revision seen. */
  revision: number;
}

/** Flags derived from a record's tags and state. */
export interface MessageFlags {
  isPinned: boolean;
  isTask: boolean;
  isDone: boolean;
  isDeleted: boolean;
}

/** Reads pin/task/done/deleted from `mk_message_state` first, tags second. */
export function flagsOf(state: string, tags: readonly string[]): MessageFlags {
  const isDeleted = state === MessageState.deleted || tags.includes('is_deleted');
  const isDone = !isDeleted && (state === MessageState.done || tags.includes('is_done'));
  const isTask = !isDeleted && (isDone || state === MessageState.todo || tags.includes('is_todo'));
  const isPinned =
    !isDeleted && !isTask && (state === MessageState.pinned || (tags.includes('pin') && !tags.includes('unpin')));
  return { isPinned, isTask, isDone, isDeleted };
}

/** The revision a record stands for: its flow slot, or 0 for the original post. */
export function revisionOf(record: MessageRecord): number {
  const flow = record.flow_message_nr ?? record.revision_message_nr;
  return typeof flow === 'number' && flow !== record.message_nr ? flow : 0;
}

/** Normalises the (invented, PROTOCOL.md §12 #7) reactions field; frozen, like everything a view shows. */
export function reactionsOf(record: MessageRecord): readonly Reaction[] {
  const raw = record.reactions;
  if (!Array.isArray(raw)) return NO_REACTIONS;
  const out: Reaction[] = [];
  for (const r of raw) {
    if (r && typeof r.reaction === 'string' && Array.isArray(r.account_ids) && r.account_ids.length > 0) {
      out.push(Object.freeze({ emoji: r.reaction, accountIds: Object.freeze(r.account_ids.filter((a): a is string => typeof a === 'string')) }));
    }
  }
  return Object.freeze(out);
}

const NONE: readonly string[] = Object.freeze([]);
const NO_REACTIONS: readonly Reaction[] = Object.freeze([]);

/** Builds the snapshot of a (deeply frozen) record. */
export function snapshotOf(record: MessageRecord): MessageSnapshot {
  return {
    xml: typeof record.message === 'string' ? record.message : '',
    state: record.mk_message_state ?? MessageState.plain,
    tags: Array.isArray(record.tags) ? record.tags : NONE,
    assigneeIds: Array.isArray(record.assignee_ids) ? record.assignee_ids : NONE,
    reactions: reactionsOf(record),
    revision: revisionOf(record),
  };
}

/** Reaction pairs present in `next` but not in `prev`. */
export function reactionDiff(prev: readonly Reaction[], next: readonly Reaction[]): Array<{ emoji: string; accountId: string }> {
  const had = new Set<string>();
  for (const r of prev) for (const a of r.accountIds) had.add(`${r.emoji}\u0000${a}`);
  const out: Array<{ emoji: string; accountId: string }> = [];
  for (const r of next) for (const a of r.accountIds) if (!had.has(`${r.emoji}\u0000${a}`)) out.push({ emoji: r.emoji, accountId: a });
  return out;
}

/**
 * A bounded, approximately least-recently-used map of snapshots in two generations: new and
 * re-used entries go to the current one; when it is full it becomes the old one and the
 * previous old one is dropped. O(1) per access with no reordering. Misses fall back to the store.
 */
export class SnapshotCache {
  private hot = new Map<string, MessageSnapshot>();
  private cold = new Map<string, MessageSnapshot>();
  private readonly generation: number;

  /** @param capacity entries kept in memory (at most; at least half of it). @default 20000 */
  constructor(capacity = 20_000) {
    this.generation = Math.max(1, Math.floor(capacity / 2));
  }

  get(key: string): MessageSnapshot | undefined {
    const hit = this.hot.get(key);
    if (hit !== undefined) return hit;
    const old = this.cold.get(key);
    // Used again: move it into the current generation so it outlives the next rotation.
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: string, snapshot: MessageSnapshot): void {
    this.hot.set(key, snapshot);
    if (this.hot.size >= this.generation) {
      // Rotate: the older generation is dropped whole, so no per-access reordering is needed.
      this.cold = this.hot;
      this.hot = new Map();
    }
  }

  get size(): number {
    return this.hot.size + this.cold.size;
  }
}
