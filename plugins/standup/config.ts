/**
 * The standup plugin's config (`plugins.standup` in `bot.config.yaml`), validated with zod.
 */
import { z } from 'zod';
import { cronProblem, isTimeZone, parseDuration } from 'fleepkit';

/** A cron expression, checked here so a bad one is reported with the config's file and line. */
const cron = z.string().min(1).refine((v) => cronProblem(v) === undefined, { error: (iss) => cronProblem(String(iss.input)) });

/** A duration as `'2h'`/`'30m'` or ms; the output is ms. */
const duration = z.union([z.string(), z.number()]).transform((value, ctx): number => {
  try {
    return parseDuration(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as '30m' or '2h', got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
});

/** The default questions. */
export const DEFAULT_QUESTIONS = ['What did you do yesterday?', 'What will you do today?', 'Is anything blocking you?'];

/**
 * Config of the standup plugin.
 * @example { conversations: ['Team'], schedule: '0 9 * * 1-5', window: '2h', nudgeAfter: '30m', holidays: ['2026-12-24'] }
 */
export const StandupConfig = z.object({
  /** Conversations (topics or ids) that get a standup on the schedule; `!standup here` adds more. @default [] */
  conversations: z.array(z.string().min(1)).default([]),
  /** When the standup starts, as a cron expression. @default '0 9 * * 1-5' (09:00 on weekdays) */
  schedule: cron.default('0 9 * * 1-5'),
  /** IANA zone of the schedule, the holidays and the times shown; empty means the bot's `bot.timezone`. @default '' */
  timezone: z
    .string()
    .refine((v) => v === '' || isTimeZone(v), { error: (iss) => `unknown IANA time zone ${JSON.stringify(iss.input)}, e.g. 'Europe/Tallinn'` })
    .default(''),
  /** The questions asked. @default yesterday / today / blockers */
  questions: z.array(z.string().min(1)).min(1).default(DEFAULT_QUESTIONS),
  /** Who is asked, by e-mail; empty means every member of the conversation except the bot. @default [] */
  participants: z.array(z.string().min(1)).default([]),
  /** How long answers are collected before the summary is posted. @default '2h' */
  window: duration.default(2 * 3_600_000),
  /** Nudge those who have not answered after this long; `0` turns nudging off. @default '30m' */
  nudgeAfter: duration.default(30 * 60_000),
  /** Days without a standup, as `YYYY-MM-DD` in `timezone`. @default [] */
  holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: "expected a date such as '2026-12-24'" })).default([]),
  /**
   * Where answers are collected: `team` (also `thread`) — in the standup conversation, as
   * `!standup answer …` or simply the person's next message there; `dm` — the bot asks each
   * participant in their direct conversation with it (creating one when there is none) and their
   * next message there is the answer; the summary still goes to the standup conversation.
   * @default 'team'
   */
  collect: z.enum(['team', 'thread', 'dm'], { error: (iss) => `expected 'team' (or 'thread') or 'dm', got ${JSON.stringify(iss.input)}` }).default('team'),
});

/** The validated config. */
export type StandupOptions = z.output<typeof StandupConfig>;
