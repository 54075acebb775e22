/**
 * Standups collected in direct conversations (`collect: 'dm'`): asking each participant in their
 * direct conversation with the bot (created when there is none), nudging there, and the index
 * from a person to the open runs that asked them, so that their next direct message finds its
 * run. Everything is plugin state, so a restart mid-standup loses nothing.
 */
import type { Context } from 'fleepkit';
import type { Run } from './types.js';

/** Store key: the standup conversations whose open run asked this person in a direct message. */
export const askedKey = (accountId: string): string => `asked:${accountId}`;

/** Store key: a direct conversation the bot created with this person. */
const createdKey = (accountId: string): string => `direct:${accountId}`;

// The directory learns a created conversation from the event stream within moments; until then
// (e.g. a second standup conversation in the same firing) the remembered id is used.
const CREATED_TTL_MS = 24 * 3_600_000;

/** The name of the standup conversation in direct messages: its topic, or a description. */
export function placeOf(ctx: Context, conv: string): string {
  const topic = ctx.deps.conversations.topic(conv);
  return topic ? topic : 'the team conversation';
}

/**
 * The direct conversation between the bot and `accountId`, created (and awaited) when there is
 * none. Resolves `undefined`, with a warning logged, when it could not be created.
 */
export async function directOf(ctx: Context, accountId: string): Promise<string | undefined> {
  const known = ctx.deps.conversations.directWith(accountId) ?? (await ctx.store.plugin.get<string>(createdKey(accountId)));
  if (known !== undefined) return known;
  try {
    // Sent now rather than with the event's commit: Fleep's answer carries the new id.
    const { response } = await ctx.deps.emit({ method: 'conversation/create', body: { topic: '', account_ids: [accountId] } }).delivered();
    const id = (response as { header?: { conversation_id?: unknown } } | undefined)?.header?.conversation_id;
    if (typeof id !== 'string' || id === '') throw new Error('conversation/create answered without header.conversation_id');
    await ctx.store.plugin.set(createdKey(accountId), id, { ttlMs: CREATED_TTL_MS });
    return id;
  } catch (error) {
    ctx.logger.warn({ err: error, accountId }, 'standup: could not create a direct conversation; that person can still answer with !standup answer in the team conversation');
    return undefined;
  }
}

/**
 * Asks every participant of `run` in their direct conversation and indexes the run under each.
 * Resolves participant → direct conversation; whoever could not be reached is left out.
 */
export async function askInDirect(ctx: Context, run: Run, questions: string, summaryAt: string): Promise<Record<string, string>> {
  const place = placeOf(ctx, run.conversationId);
  const dms: Record<string, string> = {};
  for (const person of run.participants ?? []) {
    const dm = await directOf(ctx, person);
    if (dm === undefined) continue;
    dms[person] = dm;
    void ctx.send(
      dm,
      `Good morning! Time for the standup in ${place}.\n${questions}\n` +
        `Answer here in one message (or with !standup answer …). I'll post the summary in ${place} at ${summaryAt} or when everyone has answered.`,
    );
    await ctx.store.plugin.update<string[]>(askedKey(person), (list) => [...new Set([...(list ?? []), run.conversationId])]);
  }
  return dms;
}

/** Nudges, in their direct conversations, the participants of `run` who have not answered. */
export function nudgeInDirect(ctx: Context, run: Run, missing: readonly string[], summaryAt: string): void {
  const place = placeOf(ctx, run.conversationId);
  for (const person of missing) {
    const dm = run.dms?.[person];
    if (dm === undefined) continue;
    void ctx.send(dm, `A friendly nudge: the standup in ${place} is waiting for your answer (summary at ${summaryAt}). Answer here in one message.`);
  }
}

/** Removes `run` from the index of everyone it asked in a direct message. */
export async function forgetAsked(ctx: Context, run: Run): Promise<void> {
  for (const person of Object.keys(run.dms ?? {})) {
    await ctx.store.plugin.update<string[]>(askedKey(person), (list) => {
      const rest = (list ?? []).filter((c) => c !== run.conversationId);
      return rest.length > 0 ? rest : undefined;
    });
  }
}
