/**
 * The daily digest: at each cron slot, the open tasks of each chosen conversation are posted
 * there. Conversations are named by id or by a topic the plugin has learned.
 */
import type { Context } from 'fleepkit';
import type { TasksConfig } from './config.js';
import { taskList } from './format.js';
import { openTasks, readTasks, trackedConversations } from './tracker.js';
import { topicKey } from './triage.js';

/** Posts the digest (a `schedule` handler). */
export async function postDigest(ctx: Context, config: TasksConfig): Promise<void> {
  const digest = config.digest;
  if (!digest) return;
  const known = await trackedConversations(ctx.store.plugin);
  const targets = digest.conversations.length === 0 ? known : await resolve(ctx, digest.conversations, known);
  const now = ctx.deps.clock.now();
  for (const conversationId of targets) {
    const tasks = openTasks(await readTasks(ctx.store.plugin, conversationId));
    if (tasks.length === 0 && !digest.postEmpty) continue;
    void ctx.send(conversationId, taskList('Good morning! Open tasks', tasks, ctx.deps.contacts, now));
  }
}

async function resolve(ctx: Context, names: readonly string[], known: readonly string[]): Promise<string[]> {
  const topics = new Map<string, string>();
  for (const id of known) {
    const topic = await ctx.store.plugin.get<string>(topicKey(id));
    if (topic) topics.set(topic.toLowerCase(), id);
  }
  const out: string[] = [];
  for (const name of names) {
    const id = known.includes(name)
      ? name
      : (topics.get(name.toLowerCase()) ?? ctx.deps.conversations.byTopic(name) ?? (looksLikeId(name) ? name : undefined));
    if (id === undefined) ctx.logger.warn({ conversation: name }, 'tasks digest: no conversation with this topic is known yet; use its id');
    else if (!out.includes(id)) out.push(id);
  }
  return out;
}

/** Fleep conversation ids are UUIDs. */
function looksLikeId(name: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(name);
}
