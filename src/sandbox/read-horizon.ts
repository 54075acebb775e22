/**
 * Moving a member's read horizon (PROTOCOL.md §7.5, §R2.8): the member's stream gets a delta
 * header, every member an `activity {read_message_nr}` record.
 */
import type { StoredConversation } from './model.js';
import type { SandboxState } from './state.js';
import { streamDelta } from './views.js';

/** Unread alerting messages by others above `read`. */
export function unreadAbove(conv: StoredConversation, me: string, read: number): number {
  let n = 0;
  for (let nr = read + 1; nr <= conv.last_visible_nr; nr++) {
    const m = conv.messages[String(nr)];
    if (m && m.inbox_nr > 0 && m.account_id !== me) n++;
  }
  return n;
}

/**
 * Moves `me`'s read horizon to `nr` (clamped to the flow); forward only unless `backwards`,
 * which also sets `is_mark_unread`. Returns true when it moved.
 */
export function markReadTo(state: SandboxState, conv: StoredConversation, me: string, nr: number, backwards: boolean): boolean {
  const ms = conv.member_state[me];
  if (!ms) return false;
  const target = Math.max(0, Math.min(nr, conv.last_message_nr));
  if (target === ms.read_message_nr || (!backwards && target < ms.read_message_nr)) return false;
  ms.is_mark_unread = target < ms.read_message_nr;
  ms.read_message_nr = target;
  ms.unread_count = unreadAbove(conv, me, target);
  state.streams.pushDeferred(me, streamDelta(conv, me, state));
  for (const id of conv.members) {
    state.streams.push(id, { mk_rec_type: 'activity', conversation_id: conv.conversation_id, account_id: me, read_message_nr: target, profile_id: id });
  }
  state.onChange();
  return true;
}
