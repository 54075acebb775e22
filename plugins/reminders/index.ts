/**
 * The `reminders` plugin: `!remind me in 10 minutes to check the build`, `!remind here tomorrow
 * at 9:00 to deploy`, `!remind @bob every monday at 10:00 to send the report`; `!reminders`
 * lists, `!reminders cancel <id>` cancels. Reminders are persisted scheduler jobs, so they
 * survive restarts and fire once; a late firing says how late it is.
 */
import { z } from 'zod';
import { arg, definePlugin, escapeText, markup, nextFire, type CommandContext, type Context, type ScheduleEvent } from 'fleepkit';
import { parseReminder, ReminderParseError, type ParsedReminder } from './parse.js';
import { formatDelay, formatInstant, isTimeZone } from './time.js';

const zone = z.string().refine(isTimeZone, { error: (iss) => `unknown IANA time zone ${JSON.stringify(iss.input)}, e.g. 'Europe/Tallinn'` });

/** Config of the reminders plugin (`plugins.reminders` in `bot.config.yaml`). */
export const RemindersConfig = z.object({
  /** Zone that dates are read in and shown in; empty means the bot's `bot.timezone`. @default '' */
  timezone: z.union([z.literal(''), zone]).default(''),
  /** Zones of people who live elsewhere, by e-mail: their "9:00" is their own. @default {} */
  timezones: z.record(z.string(), zone).default({}),
  /** Time used when a day is given without one ("tomorrow", "every monday"). @default '09:00' */
  defaultTime: z
    .string()
    .regex(/^([01]?\d|2[0-3]):[0-5]\d$/, { error: "expected a time such as '09:00'" })
    .default('09:00'),
  /** Most reminders waiting in one conversation. @default 50 */
  maxPerConversation: z.number().int().min(1).default(50),
  /** A firing later than this says it is late. @default 60000 (one minute) */
  lateNoticeMs: z.number().int().min(0).default(60_000),
});

/** The validated config. */
export type RemindersOptions = z.output<typeof RemindersConfig>;

/** One waiting reminder, as listed (kept per conversation). */
export interface StoredReminder {
  id: number;
  jobId: string;
  ownerId: string;
  /** Who is reminded; `undefined` for the whole conversation. */
  targetId?: string;
  what: string;
  /** Epoch ms of a one-off reminder. */
  at?: number;
  /** Cron expression of a repeating one. */
  cron?: string;
  /** `every monday at 10:00` / `every 2 hours`. */
  every?: string;
  tz: string;
}

/** What a reminder job carries to its firing. */
interface Payload {
  id: number;
  what: string;
  ownerId: string;
  targetId?: string;
  repeat: boolean;
}

const LIST = 'list';
const SEQ = 'seq';

const EXAMPLES = [
  '!remind me in 10 minutes to check the build',
  '!remind here tomorrow at 9:00 to deploy',
  '!remind @bob every monday at 10:00 to send the report',
].join('\n');

export default definePlugin({
  name: 'reminders',
  config: RemindersConfig,
  setup(bot, config) {
    // An empty zone means the bot's own (the parsed config object is this plugin's to complete).
    if (!config.timezone) config.timezone = bot.timezone;
    const [h, m] = config.defaultTime.split(':').map(Number) as [number, number];
    const defaultTime = [h, m] as const;

    bot.command(
      'remind',
      {
        description: 'Sets a one-off or repeating reminder for you, this conversation or someone else',
        usage: '!remind me|here|@someone <when> to <what>',
        args: { request: arg.rest().default('') },
      },
      async (ctx) => {
        const zoneOf = askerZone(ctx, config);
        let parsed: ParsedReminder;
        try {
          parsed = parseReminder(ctx.args.request, {
            now: ctx.deps.clock.now(),
            zone: zoneOf,
            defaultTime,
            resolvePerson: (text) => (text.startsWith('@') ? ctx.deps.contacts.byAddress(text.slice(1)) : ctx.deps.contacts.byEmail(text)),
          });
        } catch (error) {
          if (!(error instanceof ReminderParseError)) throw error;
          await ctx.reply(`${error.message} Try for example:\n${EXAMPLES}`);
          return;
        }
        await create(ctx, parsed, zoneOf);
      },
    );

    bot.command(
      'reminders',
      {
        description: 'Lists the reminders of this conversation, or cancels one by id',
        args: { action: arg.enum(['list', 'cancel']).default('list'), id: arg.string().optional() },
      },
      async (ctx) => {
        if (ctx.args.action === 'cancel') await cancel(ctx, ctx.args.id);
        else await list(ctx);
      },
    );

    bot.schedule('remind', async (ctx) => {
      await fire(ctx, config);
    });

    async function create(ctx: CommandContext, parsed: ParsedReminder, tz: string): Promise<void> {
      const reminders = (await ctx.store.conversation.get<Record<string, StoredReminder>>(LIST)) ?? {};
      if (Object.keys(reminders).length >= config.maxPerConversation) {
        await ctx.reply(`This conversation already has ${config.maxPerConversation} reminders; cancel some first (!reminders).`);
        return;
      }
      const ownerId = ctx.actorId ?? '';
      const targetId = parsed.target.kind === 'me' ? ownerId : parsed.target.kind === 'person' ? parsed.target.accountId : undefined;
      const id = ((await ctx.store.conversation.get<number>(SEQ)) ?? 0) + 1;
      const when = parsed.when;
      const payload: Payload = { id, what: parsed.what, ownerId, repeat: when.kind === 'every', ...(targetId ? { targetId } : {}) };
      const options = { payload, conversationId: ctx.conversationId, ownerId };
      const jobId =
        when.kind === 'at'
          ? await ctx.jobs.at('remind', when.at, options)
          : await ctx.jobs.every('remind', 'cron' in when ? when.cron : when.interval, { ...options, tz });
      const stored: StoredReminder = { id, jobId, ownerId, what: parsed.what, tz, ...(targetId ? { targetId } : {}) };
      if (when.kind === 'at') stored.at = when.at;
      else {
        stored.every = when.description;
        if ('cron' in when) stored.cron = when.cron;
      }
      await ctx.store.conversation.set(SEQ, id);
      await ctx.store.conversation.set(LIST, { ...reminders, [id]: stored });
      const who = targetId === undefined ? 'everyone here' : targetId === ownerId ? 'you' : nameOf(ctx, targetId);
      const whenText = stored.at !== undefined ? formatInstant(stored.at, tz, ctx.deps.clock.now()) : stored.every;
      await ctx.reply(`OK, I'll remind ${who} ${stored.at !== undefined ? 'on ' : ''}${whenText}: ${parsed.what} (#${id}).`);
    }

    async function list(ctx: CommandContext): Promise<void> {
      const reminders = Object.values((await ctx.store.conversation.get<Record<string, StoredReminder>>(LIST)) ?? {});
      if (reminders.length === 0) {
        await ctx.reply(`No reminders here. Set one like this:\n${EXAMPLES}`);
        return;
      }
      const now = ctx.deps.clock.now();
      const lines = reminders
        .map((r) => ({ r, next: nextOf(r, now) }))
        .sort((a, b) => a.next - b.next || a.r.id - b.r.id)
        .map(({ r, next }) => {
          const when = r.at !== undefined ? formatInstant(r.at, r.tz, now) : `${r.every} (next ${formatInstant(next, r.tz, now)})`;
          const who = r.targetId === undefined ? 'here' : nameOf(ctx, r.targetId);
          return `#${r.id} ${when} — ${who}: ${r.what}`;
        });
      await ctx.reply(`Reminders here:\n${lines.join('\n')}`);
    }

    async function cancel(ctx: CommandContext, rawId: string | undefined): Promise<void> {
      const id = Number((rawId ?? '').replace(/^#/, ''));
      if (!Number.isInteger(id) || id < 1) {
        await ctx.reply('Which one? Say !reminders cancel <id>, with the id from !reminders (e.g. !reminders cancel 3).');
        return;
      }
      const reminders = (await ctx.store.conversation.get<Record<string, StoredReminder>>(LIST)) ?? {};
      const r = reminders[id];
      if (!r) {
        await ctx.reply(`There is no reminder #${id} here; !reminders lists them.`);
        return;
      }
      const me = ctx.actorId;
      if (me !== r.ownerId && me !== r.targetId) {
        const allowed = [nameOf(ctx, r.ownerId), ...(r.targetId && r.targetId !== r.ownerId ? [nameOf(ctx, r.targetId)] : [])];
        await ctx.reply(`Only ${allowed.join(' or ')} can cancel #${id}.`);
        return;
      }
      await ctx.jobs.cancel(r.jobId);
      const rest = { ...reminders };
      delete rest[id];
      await ctx.store.conversation.set(LIST, rest);
      await ctx.reply(`Cancelled #${id}: ${r.what}.`);
    }
  },
});

async function fire(ctx: Context<ScheduleEvent>, config: RemindersOptions): Promise<void> {
  const p = ctx.event.payload as Payload;
  const conv = ctx.conversationId;
  if (conv === undefined) return;
  const reminders = (await ctx.store.conversation.get<Record<string, StoredReminder>>(LIST)) ?? {};
  // A cancelled or replaced reminder whose job still fired (a race with cancel) stays quiet.
  if (reminders[p.id]?.jobId !== ctx.event.jobId) return;
  const late = ctx.event.lateByMs > config.lateNoticeMs ? ` (${formatDelay(ctx.event.lateByMs)} late, sorry: I was not running)` : '';
  const from = p.targetId !== undefined && p.targetId !== p.ownerId ? ` from ${nameOf(ctx, p.ownerId)}` : '';
  const address = p.targetId !== undefined && !ctx.isDirect ? ctx.deps.contacts.get(p.targetId)?.fleepAddress : undefined;
  const text = `⏰ Reminder${from}: ${p.what}${late}`;
  await ctx.reply(address ? markup(`@${address} ${escapeText(text)}`) : text);
  if (!p.repeat) {
    const rest = { ...reminders };
    delete rest[p.id];
    await ctx.store.conversation.set(LIST, rest);
  }
}

function askerZone(ctx: Context, config: RemindersOptions): string {
  const email = ctx.sender?.email.toLowerCase() ?? '';
  for (const [who, tz] of Object.entries(config.timezones)) if (who.toLowerCase() === email) return tz;
  return config.timezone;
}

function nameOf(ctx: Context, accountId: string): string {
  const c = ctx.deps.contacts.get(accountId);
  return c?.displayName || (c?.fleepAddress ? `@${c.fleepAddress}` : 'someone');
}

function nextOf(r: StoredReminder, now: number): number {
  if (r.at !== undefined) return r.at;
  if (r.cron !== undefined) return nextFire(r.cron, r.tz, now) ?? Number.POSITIVE_INFINITY;
  return Number.POSITIVE_INFINITY;
}
