/**
 * The `standup` plugin: at the scheduled time the bot asks the standup questions in each
 * standup conversation (or, with `collect: 'dm'`, in each participant's direct conversation with
 * the bot), collects answers (`!standup answer …` or a person's next message there), nudges those
 * who have not answered, and posts a summary in the standup conversation when everyone has
 * answered or the window closes, naming who did not answer.
 * `!standup now | skip | status | here | off`.
 */
import { arg, definePlugin, nextFire, type BotApi, type CommandContext, type Context } from 'fleepkit';
import { StandupConfig, type StandupOptions } from './config.js';
import { askedKey } from './direct.js';
import { dayLabel, clockTime, end, finish, membersKey, nameOf, nudge, recordAnswer, runKey, startRun, waitingFor, type Run, type RunJobPayload } from './run.js';

export { StandupConfig, DEFAULT_QUESTIONS } from './config.js';
export type { StandupOptions } from './config.js';

const ENROLLED = 'enrolled';
const TOPICS = 'topics';
const skipKey = (conv: string): string => `skip:${conv}`;

export default definePlugin({
  name: 'standup',
  config: StandupConfig,
  setup(bot, config) {
    let names: ReadonlySet<string> | undefined;
    // Read lazily: every plugin's commands are registered by the first message.
    const commandNames = (): ReadonlySet<string> => (names ??= new Set(bot.commands().flatMap((c) => [c.name, ...c.aliases])));
    // An empty zone means the bot's own (the parsed config object is this plugin's to complete).
    if (!config.timezone) config.timezone = bot.timezone;
    bot.cron(config.schedule, { name: 'daily', tz: config.timezone, missed: 'skip' }, async (ctx) => {
      const today = localDate(ctx.event.scheduledAt, config.timezone);
      if (config.holidays.includes(today)) {
        bot.logger.info({ date: today }, 'standup: holiday, no standup today');
        return;
      }
      for (const conv of await standupConversations(ctx, config)) {
        if ((await ctx.store.plugin.get<string>(skipKey(conv))) === today) {
          await ctx.store.plugin.delete(skipKey(conv));
          continue;
        }
        await startRun(ctx, bot, conv, `${ctx.event.fireKey}:${conv}`);
      }
    });

    bot.command(
      'standup',
      {
        description: 'Runs the team standup: start it now, skip it, see who answered, or answer',
        usage: '!standup now|skip|status|answer|here|off [text]',
        args: { action: arg.enum(['status', 'now', 'skip', 'answer', 'here', 'off']).default('status'), text: arg.rest().default('') },
      },
      async (ctx) => {
        const conv = ctx.conversationId;
        if (ctx.isDirect) {
          if (ctx.args.action === 'answer') await answerCommand(ctx, bot, await runAsking(ctx, ctx.actorId ?? '', true), ctx.args.text);
          else await ctx.reply('Standups happen in a team conversation: say !standup there.');
          return;
        }
        await rememberMembers(ctx, conv);
        const run = await ctx.store.plugin.get<Run>(runKey(conv));
        switch (ctx.args.action) {
          case 'now':
            if (run) await ctx.reply(`A standup is already running here; !standup status shows who has answered.`);
            else await startRun(ctx, bot, conv, ctx.event.id);
            return;
          case 'answer':
            await answerCommand(ctx, bot, run, ctx.args.text);
            return;
          case 'skip':
            await skip(ctx, bot, run);
            return;
          case 'here':
          case 'off':
            await enroll(ctx, config, ctx.args.action === 'here');
            return;
          default:
            await ctx.reply(await status(ctx, config, run));
        }
      },
    );

    // A participant's next message is their answer: in the conversation, or with `collect: 'dm'`
    // in their direct conversation with the bot.
    bot.on('message.new', async (ctx, next) => {
      const who = ctx.actorId;
      const text = ctx.text.trim();
      if (who !== undefined && who !== ctx.deps.botAccountId && text !== '') {
        if (ctx.isDirect) {
          const run = isCommand(ctx, commandNames) ? undefined : await runAsking(ctx, who, false);
          if (run) {
            // Plain text in a direct conversation parses as a command; this one is an answer.
            ctx.notACommand();
            await recordAnswer(ctx, bot, run, who, text);
            await ctx.react('✅');
          }
        } else if (ctx.command === undefined) {
          const run = await ctx.store.plugin.get<Run>(runKey(ctx.conversationId));
          if (run && run.dms === undefined && run.answers[who] === undefined && isParticipant(run, who)) {
            await recordAnswer(ctx, bot, run, who, text);
            await ctx.react('✅');
          }
        }
      }
      await next();
    });

    bot.on(['conversation.created', 'topic.changed'], async (ctx, next) => {
      const e = ctx.event;
      if (e.topic !== '') await ctx.store.plugin.update<Record<string, string>>(TOPICS, (t) => ({ ...t, [e.topic.toLowerCase()]: e.conversationId }));
      if (e.type === 'conversation.created') await ctx.store.plugin.set(membersKey(e.conversationId), e.memberIds);
      await next();
    });

    bot.on(['member.joined', 'member.left'], async (ctx, next) => {
      await rememberMembers(ctx, ctx.event.conversationId);
      await next();
    });

    bot.schedule('nudge', async (ctx) => {
      const run = await currentRun(ctx);
      if (run) await nudge(ctx, bot, run);
    });

    bot.schedule('close', async (ctx) => {
      const run = await currentRun(ctx);
      if (run) await finish(ctx, bot, run);
    });
  },
});

async function currentRun(ctx: Context): Promise<Run | undefined> {
  const p = (ctx.event as { payload?: RunJobPayload }).payload;
  if (!p) return undefined;
  const run = await ctx.store.plugin.get<Run>(runKey(p.conversationId));
  // A job of an earlier, already finished run stays quiet.
  return run?.id === p.runId ? run : undefined;
}

/**
 * The open run that asked `accountId` in a direct message and still waits for them (the oldest
 * first); with `orAnswered`, else the first that already has their answer (to replace it).
 */
async function runAsking(ctx: Context, accountId: string, orAnswered: boolean): Promise<Run | undefined> {
  let answered: Run | undefined;
  for (const conv of (await ctx.store.plugin.get<string[]>(askedKey(accountId))) ?? []) {
    const run = await ctx.store.plugin.get<Run>(runKey(conv));
    if (run?.dms?.[accountId] === undefined) continue;
    if (run.answers[accountId] === undefined) return run;
    answered ??= run;
  }
  return orAnswered ? answered : undefined;
}

/**
 * Whether a message is a command: addressed with the prefix or a mention, or, in a direct
 * conversation (where any text parses as one), starting with a known command name.
 */
function isCommand(ctx: Context, commandNames: () => ReadonlySet<string>): boolean {
  const command = ctx.command;
  return command !== undefined && (command.addressedBy !== 'direct' || commandNames().has(command.name));
}

function isParticipant(run: Run, accountId: string): boolean {
  return run.participants === null || run.participants.includes(accountId);
}

async function answerCommand(ctx: CommandContext, bot: BotApi<StandupOptions>, run: Run | undefined, text: string): Promise<void> {
  const who = ctx.actorId ?? '';
  if (!run) {
    await ctx.reply(ctx.isDirect ? 'No standup is waiting for your answer right now.' : 'No standup is running here right now; !standup now starts one.');
  } else if (!isParticipant(run, who)) {
    await ctx.reply("You're not on this standup's list, so I'll leave your answer out.");
  } else if (text.trim() === '') {
    await ctx.reply('Write your answer after the command: !standup answer <what you did, will do, blockers>.');
  } else {
    const outcome = await recordAnswer(ctx, bot, run, who, text.trim());
    await ctx.react(outcome === 'updated' ? '✏️' : '✅');
  }
}

async function skip(ctx: CommandContext, bot: BotApi<StandupOptions>, run: Run | undefined): Promise<void> {
  const config = bot.config;
  if (run) {
    await end(ctx, bot, run);
    await ctx.reply('OK, this standup is skipped: no summary today.');
    return;
  }
  const next = nextSlot(config, ctx.deps.clock.now());
  if (next === undefined) {
    await ctx.reply('There is no upcoming standup to skip.');
    return;
  }
  await ctx.store.plugin.set(skipKey(ctx.conversationId), localDate(next, config.timezone));
  await ctx.reply(`OK, I'll skip the next standup here (${dayLabel(next, config.timezone)}).`);
}

async function enroll(ctx: CommandContext, config: StandupOptions, on: boolean): Promise<void> {
  const conv = ctx.conversationId;
  const list = (await ctx.store.plugin.get<string[]>(ENROLLED)) ?? [];
  const next = on ? [...new Set([...list, conv])] : list.filter((c) => c !== conv);
  await ctx.store.plugin.set(ENROLLED, next);
  const slot = nextSlot(config, ctx.deps.clock.now());
  if (on) await ctx.reply(`Standups will run here${slot ? `, next on ${dayLabel(slot, config.timezone)} at ${clockTime(slot, config.timezone)}` : ''}.`);
  else if (configured(conv, config, (await ctx.store.plugin.get<Record<string, string>>(TOPICS)) ?? {}, ctx.deps.conversations)) await ctx.reply('This conversation is listed in the bot config; remove it there to stop its standups.');
  else await ctx.reply('OK, no more scheduled standups here.');
}

async function status(ctx: CommandContext, config: StandupOptions, run: Run | undefined): Promise<string> {
  const zone = config.timezone;
  if (run) {
    const answered = Object.keys(run.answers).map((id) => nameOf(ctx, id));
    const waiting = waitingFor(run).map((id) => nameOf(ctx, id));
    return [
      `Standup running since ${clockTime(run.startedAt, zone)}; summary at ${clockTime(run.closesAt, zone)}.`,
      `Answered: ${answered.length > 0 ? answered.join(', ') : 'nobody yet'}.`,
      ...(waiting.length > 0 ? [`Waiting for: ${waiting.join(', ')}.`] : []),
    ].join('\n');
  }
  const scheduled = (await standupConversations(ctx, config)).includes(ctx.conversationId as string);
  if (!scheduled) return 'No standups are scheduled here. !standup now starts one; !standup here schedules them here.';
  const skipDate = await ctx.store.plugin.get<string>(skipKey(ctx.conversationId as string));
  const next = nextSlot(config, ctx.deps.clock.now(), skipDate);
  return `No standup running. Next one: ${next ? `${dayLabel(next, zone)} at ${clockTime(next, zone)}` : 'none planned'}.`;
}

/** Configured (by id or topic) plus enrolled conversations. */
async function standupConversations(ctx: Context, config: StandupOptions): Promise<string[]> {
  const topics = (await ctx.store.plugin.get<Record<string, string>>(TOPICS)) ?? {};
  const out = new Set<string>();
  for (const entry of config.conversations) {
    const id = topics[entry.toLowerCase()] ?? ctx.deps.conversations.byTopic(entry) ?? entry;
    if (id === entry && !/^[0-9a-f-]{16,}$/i.test(entry)) {
      ctx.logger.warn({ conversation: entry }, 'standup: topic not known yet; say !standup here in that conversation, or use its id');
      continue;
    }
    out.add(id);
  }
  for (const id of (await ctx.store.plugin.get<string[]>(ENROLLED)) ?? []) out.add(id);
  return [...out];
}

function configured(conv: string, config: StandupOptions, topics: Record<string, string>, lookup?: Context['deps']['conversations']): boolean {
  return config.conversations.some((c) => c === conv || topics[c.toLowerCase()] === conv || lookup?.byTopic(c) === conv);
}

async function rememberMembers(ctx: Context, conv: string): Promise<void> {
  const members = ctx.deps.conversations.members(conv);
  if (members.length === 0) return;
  const known = await ctx.store.plugin.get<string[]>(membersKey(conv));
  if (known?.join() !== members.join()) await ctx.store.plugin.set(membersKey(conv), members);
}

/** The next scheduled slot that is not a holiday or the skipped date. */
function nextSlot(config: StandupOptions, now: number, skipDate?: string): number | undefined {
  let at = now;
  for (let i = 0; i < 366; i++) {
    const next = nextFire(config.schedule, config.timezone, at);
    if (next === null) return undefined;
    const date = localDate(next, config.timezone);
    if (!config.holidays.includes(date) && date !== skipDate) return next;
    at = next;
  }
  return undefined;
}

function localDate(epochMs: number, zone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(epochMs));
}
