/**
 * The plugin's record of tasks per conversation, kept in the plugin's store scope (key
 * `tasks:<conversationId>`) so that the digest, which runs outside any conversation, can read
 * it too. Fed by people's task.* events and by the plugin's own actions (the bot's own changes
 * never come back as events).
 */
import type { KvView } from 'fleepkit';

/** One task the plugin knows about. */
export interface TrackedTask {
  nr: number;
  /** The start of the task's text. */
  text: string;
  assigneeIds: string[];
  /** When the plugin first saw it as a task (epoch ms, bot clock). */
  createdAt: number;
  done: boolean;
  doneAt?: number;
}

/** Tasks of one conversation by message nr. */
export type TaskIndex = Record<string, TrackedTask>;

/** Done tasks kept per conversation (for `!reopen`); open ones are always kept. */
const KEEP_DONE = 50;
const MAX_TEXT = 200;

const tasksKey = (conversationId: string): string => `tasks:${conversationId}`;

/** Reads a conversation's tasks. */
export async function readTasks(view: KvView, conversationId: string): Promise<TaskIndex> {
  return (await view.get<TaskIndex>(tasksKey(conversationId))) ?? {};
}

/** Open tasks, oldest first. */
export function openTasks(index: TaskIndex): TrackedTask[] {
  return Object.values(index)
    .filter((t) => !t.done)
    .sort((a, b) => a.createdAt - b.createdAt || a.nr - b.nr);
}

/** Changes one task (creating it with `init` when unknown) and remembers the conversation. */
export async function changeTask(
  view: KvView,
  conversationId: string,
  nr: number,
  change: (task: TrackedTask) => void,
  init: { text: string; now: number },
): Promise<void> {
  await view.update<TaskIndex>(tasksKey(conversationId), (current) => {
    const index: TaskIndex = { ...current };
    const prev = index[nr];
    const task: TrackedTask = prev
      ? { ...prev, assigneeIds: [...prev.assigneeIds] }
      : { nr, text: clip(init.text), assigneeIds: [], createdAt: init.now, done: false };
    change(task);
    index[nr] = task;
    return prune(index);
  });
  await rememberConversation(view, conversationId);
}

/**
 * Adds a conversation to the list the digest walks. Re-checked on every task change, so an
 * addition lost to a concurrent writer in another conversation is repaired the next time.
 */
export async function rememberConversation(view: KvView, conversationId: string): Promise<void> {
  await view.update<string[]>('conversations', (list) => (list?.includes(conversationId) ? list : [...(list ?? []), conversationId]));
}

/** Forgets a task (its message was deleted). */
export async function forgetTask(view: KvView, conversationId: string, nr: number): Promise<void> {
  await view.update<TaskIndex>(tasksKey(conversationId), (current) => {
    if (!current?.[nr]) return current;
    const { [nr]: _gone, ...rest } = current;
    return rest;
  });
}

/** Conversations in which the plugin has tracked tasks. */
export async function trackedConversations(view: KvView): Promise<string[]> {
  return (await view.get<string[]>('conversations')) ?? [];
}

function prune(index: TaskIndex): TaskIndex {
  const done = Object.values(index).filter((t) => t.done);
  if (done.length <= KEEP_DONE) return index;
  done.sort((a, b) => (b.doneAt ?? 0) - (a.doneAt ?? 0));
  const out = { ...index };
  for (const t of done.slice(KEEP_DONE)) delete out[t.nr];
  return out;
}

/** The first line of a text, clipped for lists. */
export function clip(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > MAX_TEXT ? `${line.slice(0, MAX_TEXT - 1)}…` : line;
}
