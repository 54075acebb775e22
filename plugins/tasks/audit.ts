/**
 * The audit trail: every action the plugin took (which rule or command, on which message, with
 * what result), newest last, capped, per conversation (`ctx.store.conversation`): conversations
 * are handled concurrently, so one shared list would lose entries to concurrent writers.
 */
import type { KvView } from 'fleepkit';

/** One audited action. */
export interface AuditEntry {
  /** Epoch ms (bot clock). */
  at: number;
  /** Rule name, or the command such as `!task`. */
  rule: string;
  conversationId: string;
  messageNr: number;
  /** Who caused it. */
  actorId: string;
  /** What was done, e.g. `make it a task for Bob`. */
  actions: string[];
  /** `queued`, or what went wrong. */
  result: string;
}

const KEY = 'audit';

/** Appends an entry, keeping the newest `limit`. */
export async function audit(view: KvView, entry: AuditEntry, limit: number): Promise<void> {
  await view.update<AuditEntry[]>(KEY, (list) => [...(list ?? []), entry].slice(-limit));
}

/** The newest `count` entries of a conversation, oldest first. */
export async function auditOf(view: KvView, conversationId: string, count: number): Promise<AuditEntry[]> {
  const list = (await view.get<AuditEntry[]>(KEY)) ?? [];
  return list.filter((e) => e.conversationId === conversationId).slice(-count);
}
