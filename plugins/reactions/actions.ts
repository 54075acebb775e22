/**
 * Reactions as actions: a configured emoji on a message pins it, marks its task done, or assigns
 * the reacting person. Removing the reaction undoes what the bot did (and only that): a message
 * somebody pinned by hand stays pinned when a 📌 comes and goes.
 */
import type { Context, EventMap, KvView, MessageView } from 'fleepkit';

/** What a reaction can do. */
export type ReactionAction = 'pin' | 'done' | 'assign';

type Added = Context<EventMap['reaction.added']>;
type Removed = Context<EventMap['reaction.removed']>;

/** Marks of what the bot did expire after this long; undo is not offered after that. */
const MARK_TTL_MS = 90 * 24 * 3600_000;

/** Runs `action` for a reaction that was added. */
export async function runAction(ctx: Added, action: ReactionAction): Promise<void> {
  const m = ctx.event.message;
  if (m.isDeleted) return;
  const view = ctx.store.conversation;
  const reactor = ctx.event.reactorId;
  switch (action) {
    case 'pin':
      if (m.isPinned) return;
      await ctx.pin();
      await mark(view, `pin:${m.messageNr}`);
      return;
    case 'done':
      if (!m.isTask || m.isDone) return;
      await ctx.done();
      await mark(view, `done:${m.messageNr}`);
      return;
    case 'assign':
      if (!m.isTask || m.assigneeIds.includes(reactor)) return;
      await ctx.assign([...m.assigneeIds, reactor]);
      await mark(view, `assign:${m.messageNr}:${reactor}`);
      return;
  }
}

/** Undoes `action` for a reaction that was removed, when the bot did it and nobody else still reacts. */
export async function undoAction(ctx: Removed, action: ReactionAction): Promise<void> {
  const m = ctx.event.message;
  if (m.isDeleted) return;
  const view = ctx.store.conversation;
  const reactor = ctx.event.reactorId;
  const key = action === 'assign' ? `assign:${m.messageNr}:${reactor}` : `${action}:${m.messageNr}`;
  if (!(await view.get(key))) return;
  if (action !== 'assign' && stillReacted(m, ctx.event.emoji)) return;
  await view.delete(key);
  if (action === 'pin' && m.isPinned) await ctx.unpin();
  else if (action === 'done' && m.isDone) await ctx.reopen();
  else if (action === 'assign' && m.assigneeIds.includes(reactor)) await ctx.assign(m.assigneeIds.filter((a) => a !== reactor));
}

function stillReacted(m: MessageView, emoji: string): boolean {
  return m.reactions.some((r) => r.emoji === emoji && r.accountIds.length > 0);
}

function mark(view: KvView, key: string): Promise<void> {
  return view.set(key, true, { ttlMs: MARK_TTL_MS });
}
