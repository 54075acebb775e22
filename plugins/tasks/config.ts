/**
 * The tasks plugin's config: triage rules (match → actions), the audit log size and the
 * optional daily digest. User regexes run on RE2's linear-time engine (R-36), so no pattern can
 * stall the bot; one RE2 cannot run (backreferences, lookaround) fails at config load.
 */
import { cronProblem, linearRegexProblem } from 'fleepkit';
import { z } from 'zod';
import { PLACEHOLDERS, unknownPlaceholders } from './template.js';

/** A cron expression, checked here so a bad one is reported with the config's file and line. */
const cron = z.string().min(1).refine((v) => cronProblem(v) === undefined, { error: (iss) => cronProblem(String(iss.input)) });

/** Longest text a rule looks at; longer messages are matched on their start only (R-36). */
export const MAX_MATCH_TEXT = 16 * 1024;

const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

/** A user regex in RE2 syntax, which runs in linear time whatever the pattern. */
const regexSource = z.string().min(1).superRefine((source, ctx) => {
  const problem = linearRegexProblem(source);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** When a rule applies. Every condition given must hold; at least one is required. */
export const MatchSchema = z
  .strictObject({
    /** Text starts with one of these (after leading spaces), e.g. `TODO:`. @default none */
    prefix: oneOrMany.optional(),
    /** Text contains one of these words or phrases (whole words). @default none */
    keywords: oneOrMany.optional(),
    /** Text matches this regular expression (RE2 syntax: linear time, no backreferences or lookaround). @default none */
    regex: regexSource.optional(),
    /** Regex flags: any of `i`, `m`, `s`. @default 'i' */
    flags: z.string().regex(/^[ims]*$/, { error: 'flags may only contain i, m and s' }).default('i'),
    /** Prefix and keywords compare case-sensitively. @default false */
    caseSensitive: z.boolean().default(false),
    /** Author's e-mail or account id (one or a list). @default anyone */
    author: oneOrMany.optional(),
    /** Conversation topic or id (one or a list). @default every conversation */
    conversation: oneOrMany.optional(),
  })
  .refine((m) => [m.prefix, m.keywords, m.regex, m.author, m.conversation].some((c) => c !== undefined), {
    error: 'a rule needs at least one condition in match: prefix, keywords, regex, author or conversation',
  });

/** Who gets the task. */
export const AssignSchema = z.union([
  z.enum(['mentioned', 'author']),
  z.strictObject({
    /** Fixed people: e-mails or account ids. */
    accounts: oneOrMany,
  }),
  z.strictObject({
    /** Take turns over these people (e-mails or account ids); the turn is remembered. */
    roundRobin: z.array(z.string().min(1)).min(1),
  }),
]);

/** One triage rule. */
export const RuleSchema = z
  .strictObject({
    /** Name shown in the audit log and dry runs; unique. @default `rule-<n>` (1-based) */
    name: z.string().regex(/^[\w.-]{1,64}$/, { error: 'rule names are 1-64 letters, digits, "_", "." or "-"' }).optional(),
    /** When the rule applies. */
    match: MatchSchema,
    /** Make the message a Fleep task. @default true when `assign` is given, else false */
    task: z.boolean().optional(),
    /** Assign the task: `mentioned`, `author`, `{ accounts: [...] }` or `{ roundRobin: [...] }`. @default nobody */
    assign: AssignSchema.optional(),
    /** Pin the message (ignored with `task`: a Fleep message is a task or pinned, not both). @default false */
    pin: z.boolean().default(false),
    /** React with this emoji. @default none */
    react: z.string().min(1).optional(),
    /** Reply with this template; `{author}`, `{assignees}`, `{text}`, `{nr}` are filled in (user text is escaped). @default none */
    reply: z
      .string()
      .min(1)
      .superRefine((t, ctx) => {
        const bad = unknownPlaceholders(t);
        if (bad.length > 0) {
          ctx.addIssue({ code: 'custom', message: `unknown placeholder ${bad.map((b) => `{${b}}`).join(', ')}; use ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}` });
        }
      })
      .optional(),
  })
  .transform((r) => ({ ...r, task: r.task ?? r.assign !== undefined }))
  .refine((r) => r.task || r.pin || r.react !== undefined || r.reply !== undefined, {
    error: 'a rule needs at least one action: task, assign, pin, react or reply',
  });

/** The optional daily digest of open tasks. */
export const DigestSchema = z.strictObject({
  /** Cron expression. @default '0 9 * * 1-5' (09:00 on weekdays) */
  cron: cron.default('0 9 * * 1-5'),
  /** IANA time zone. @default the bot's time zone */
  tz: z.string().min(1).optional(),
  /** Conversations (topics or ids) to post to. @default every conversation with open tasks */
  conversations: z.array(z.string().min(1)).default([]),
  /** Post even when there are no open tasks. @default false */
  postEmpty: z.boolean().default(false),
});

/** The demo rule set: `TODO: fix the build @bob` becomes a task assigned to bob. */
export const DEFAULT_RULES = [{ name: 'todo', match: { prefix: 'TODO:' }, assign: 'mentioned' as const }];

/** `plugins.tasks` in bot.config.yaml. */
export const TasksConfigSchema = z
  .strictObject({
    /** Triage rules, applied in order to new and edited messages, each at most once per message. @default the `todo` rule (`TODO:` → task for the mentioned people) */
    rules: z.array(RuleSchema).default(() => DEFAULT_RULES.map((r) => RuleSchema.parse(r))),
    /** Audit entries kept (shown with `!triage log`). @default 200 */
    auditSize: z.number().int().min(1).max(10_000).default(200),
    /** Daily digest of open tasks; off when left out. @default off */
    digest: DigestSchema.optional(),
  })
  .transform((c) => ({ ...c, rules: c.rules.map((r, i) => ({ ...r, name: r.name ?? `rule-${i + 1}` })) }))
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.rules.forEach((r, i) => {
      if (seen.has(r.name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `two rules are named "${r.name}"; give each rule its own name` });
      seen.add(r.name);
    });
  });

/** The validated config. */
export type TasksConfig = z.output<typeof TasksConfigSchema>;
/** One validated rule. */
export type Rule = TasksConfig['rules'][number];
/** A rule's `match`. */
export type Match = z.output<typeof MatchSchema>;
/** A rule's `assign`. */
export type Assign = z.output<typeof AssignSchema>;
