/**
 * The bot's record of a conversation's pinboard, kept in the plugin's conversation store. Fleep
 * does not tell the bot about its own pins (its own records are dropped), so the plugin writes
 * its own pins here directly and learns everybody else's from message events.
 */
import type { KvView, MessageView } from 'fleepkit';

/** One pinned message as `!pins` lists it. */
export interface PinEntry {
  /** Message number in the conversation. */
  nr: number;
  /** The message text, first line, shortened. */
  text: string;
  /** Account id of the message's author. */
  authorId: string;
}

/** Store key of the board in `ctx.store.conversation`. */
export const BOARD_KEY = 'board';
/** Store key of the recent messages (for pinning by number) in `ctx.store.conversation`. */
export const RECENT_KEY = 'recent';
/** How many recent messages are remembered per conversation. */
export const MAX_RECENT = 50;
/** Boards keep at most this many pins (the oldest are forgotten first). */
export const MAX_PINS = 100;
const MAX_TEXT = 100;

/** The first line of `text`, at most 100 characters. */
export function summarise(text: string): string {
  const line = (text.split('\n').find((l) => l.trim() !== '') ?? '').trim();
  return line.length > MAX_TEXT ? `${line.slice(0, MAX_TEXT - 1)}…` : line;
}

/** Adds a pin at the end, or refreshes it where it is. */
export function addPin(view: KvView, entry: PinEntry): Promise<PinEntry[] | undefined> {
  return view.update<PinEntry[]>(BOARD_KEY, (board = []) => {
    const at = board.findIndex((p) => p.nr === entry.nr);
    if (at >= 0) return board.map((p, i) => (i === at ? entry : p));
    return [...board, entry].slice(-MAX_PINS);
  });
}

/** Forgets a pin. */
export function removePin(view: KvView, nr: number): Promise<PinEntry[] | undefined> {
  return view.update<PinEntry[]>(BOARD_KEY, (board = []) => {
    const rest = board.filter((p) => p.nr !== nr);
    return rest.length > 0 ? rest : undefined;
  });
}

/**
 * Brings the board in line with what a message event says about one message: pinned messages
 * are on it (with their current text), unpinned or deleted ones are not. Writes only on change.
 */
export async function reconcile(view: KvView, message: MessageView): Promise<void> {
  const board = (await view.get<PinEntry[]>(BOARD_KEY)) ?? [];
  const listed = board.find((p) => p.nr === message.messageNr);
  const pinned = message.isPinned && !message.isDeleted;
  if (pinned) {
    const text = summarise(message.text);
    if (listed?.text !== text) await addPin(view, { nr: message.messageNr, text, authorId: message.authorId });
  } else if (listed) {
    await removePin(view, message.messageNr);
  }
}

/** Remembers a new message, so that `!pin <nr>` can show its text. */
export function remember(view: KvView, message: MessageView): Promise<PinEntry[] | undefined> {
  const entry: PinEntry = { nr: message.messageNr, text: summarise(message.text), authorId: message.authorId };
  return view.update<PinEntry[]>(RECENT_KEY, (recent = []) => [...recent, entry].slice(-MAX_RECENT));
}

/** What the board should say about message `nr` before any event about it arrives. */
export async function recall(view: KvView, nr: number): Promise<PinEntry> {
  const recent = (await view.get<PinEntry[]>(RECENT_KEY)) ?? [];
  return recent.find((p) => p.nr === nr) ?? { nr, text: '', authorId: '' };
}
