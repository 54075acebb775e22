/**
 * One standup run in one conversation: starting it (questions, nudge and close jobs), recording
 * answers, nudging, and the summary. The run lives in the plugin's store under `run:<conv>`, so
 * a restart mid-standup loses nothing; nudge and close are persisted scheduler jobs. With
 * `collect: 'dm'` the questions and nudges go to direct conversations (see `direct.ts`).
 */
import { escapeText, markup, type BotApi, type Context } from 'fleepkit';
import type { StandupOptions } from './config.js';
import { askInDirect, forgetAsked, nudgeInDirect } from './direct.js';
import type { Run, RunJobPayload } from './types.js';

export type { Run, RunJobPayload } from './types.js';

/** Store key of a conversation's run. */
export const runKey = (conv: string): string => `run:${conv}`;
/** Store key of a conversation's known members. */
export const membersKey = (conv: string): string => `members:${conv}`;

/** `09:00 EET` in the zone: with the zone, since people in a conversation may be elsewhere. */
export function clockTime(epochMs: number, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }).format(new Date(epochMs));
}

/** `Mon 2 Mar` in the zone. */
export function dayLabel(epochMs: number, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short' }).format(new Date(epochMs));
}

/** A person's name for summaries. */
export function nameOf(ctx: Context, accountId: string): string {
  const c = ctx.deps.contacts.get(accountId);
  return c?.displayName || c?.fleepAddress || c?.email || 'someone';
}

/** Who is asked in `conv`: the configured people, else the members (live or remembered) minus the bot. */
export async function participantsOf(ctx: Context, conv: string, config: StandupOptions): Promise<string[] | null> {
  if (config.participants.length > 0) {
    const ids = config.participants.map((email) => ctx.deps.contacts.byEmail(email)).filter((id): id is string => id !== undefined);
    return ids.length > 0 ? ids : null;
  }
  let members = ctx.deps.conversations.members(conv);
  if (members.length === 0) members = (await ctx.store.plugin.get<string[]>(membersKey(conv))) ?? [];
  const people = members.filter((id) => id !== ctx.deps.botAccountId);
  return people.length > 0 ? people : null;
}

/**
 * Starts a run in `conv` unless one is open; resolves the run, or `undefined` when one was
 * already open.
 */
export async function startRun(ctx: Context, bot: BotApi<StandupOptions>, conv: string, id: string): Promise<Run | undefined> {
  const config = bot.config;
  if (await ctx.store.plugin.get<Run>(runKey(conv))) return undefined;
  const now = ctx.deps.clock.now();
  const run: Run = {
    id,
    conversationId: conv,
    startedAt: now,
    closesAt: now + config.window,
    participants: await participantsOf(ctx, conv, config),
    answers: {},
    nudged: false,
    jobIds: [],
  };
  const payload: RunJobPayload = { runId: id, conversationId: conv };
  run.jobIds.push(await ctx.jobs.at('close', run.closesAt, { payload, conversationId: conv }));
  if (config.nudgeAfter > 0 && config.nudgeAfter < config.window) {
    run.jobIds.push(await ctx.jobs.at('nudge', now + config.nudgeAfter, { payload, conversationId: conv }));
  }
  const questions = config.questions.map((q, i) => `${i + 1}. ${q}`).join('\n');
  const summaryAt = clockTime(run.closesAt, config.timezone);
  // Without known participants there is nobody to write to: such a run collects in the conversation.
  if (config.collect === 'dm' && run.participants !== null) {
    void ctx.send(conv, `Standup time! I'm asking each of you in a direct message. I'll post the summary here at ${summaryAt} or when everyone has answered.`);
    run.dms = await askInDirect(ctx, run, questions, summaryAt);
    await ctx.store.plugin.set(runKey(conv), run);
    return run;
  }
  await ctx.store.plugin.set(runKey(conv), run);
  await ctx.send(
    conv,
    `Good morning! Time for the standup.\n${questions}\n` +
      `Answer here in one message (or with !standup answer …). I'll post the summary at ${clockTime(run.closesAt, config.timezone)} or when everyone has answered.`,
  );
  return run;
}

/** Records `accountId`'s answer; posts the summary when everyone has answered. */
export async function recordAnswer(ctx: Context, bot: BotApi<StandupOptions>, run: Run, accountId: string, text: string): Promise<'recorded' | 'updated'> {
  const existed = run.answers[accountId] !== undefined;
  const next: Run = { ...run, answers: { ...run.answers, [accountId]: text } };
  if (next.participants?.every((p) => next.answers[p] !== undefined)) {
    await finish(ctx, bot, next);
  } else {
    await ctx.store.plugin.set(runKey(run.conversationId), next);
  }
  return existed ? 'updated' : 'recorded';
}

/** Who has not answered yet (empty when the participants are unknown). */
export function waitingFor(run: Run): string[] {
  return (run.participants ?? []).filter((p) => run.answers[p] === undefined);
}

/** Posts the summary and ends the run. */
export async function finish(ctx: Context, bot: BotApi<StandupOptions>, run: Run): Promise<void> {
  const zone = bot.config.timezone;
  const answered = Object.entries(run.answers);
  const parts = [`Standup summary, ${dayLabel(run.startedAt, zone)}:`];
  if (answered.length === 0) parts.push('Nobody answered.');
  for (const [who, text] of answered) parts.push(`${nameOf(ctx, who)}:\n${text}`);
  const missing = waitingFor(run);
  if (missing.length > 0 && answered.length > 0) parts.push(`No answer from ${missing.map((id) => nameOf(ctx, id)).join(', ')}.`);
  await end(ctx, bot, run);
  await ctx.send(run.conversationId, parts.join('\n\n'));
}

/** Ends the run without a summary: cancels its jobs and forgets it. */
export async function end(ctx: Context, bot: BotApi<StandupOptions>, run: Run): Promise<void> {
  for (const jobId of run.jobIds) await ctx.jobs.cancel(jobId);
  await forgetAsked(ctx, run);
  await ctx.store.plugin.delete(runKey(run.conversationId));
}

/** Reminds those who have not answered, once. */
export async function nudge(ctx: Context, bot: BotApi<StandupOptions>, run: Run): Promise<void> {
  if (run.nudged) return;
  await ctx.store.plugin.set(runKey(run.conversationId), { ...run, nudged: true });
  if (run.dms !== undefined) {
    nudgeInDirect(ctx, run, waitingFor(run), clockTime(run.closesAt, bot.config.timezone));
    return;
  }
  const missing = waitingFor(run)
    .map((id) => ctx.deps.contacts.get(id)?.fleepAddress)
    .filter((a): a is string => a !== undefined && a !== '');
  if (missing.length === 0) return;
  const text = escapeText(`a friendly nudge: the standup is waiting for your answer (summary at ${clockTime(run.closesAt, bot.config.timezone)}).`);
  await ctx.send(run.conversationId, markup(`${missing.map((a) => `@${a}`).join(' ')} ${text}`));
}
