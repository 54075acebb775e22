/**
 * Reaction rules: a word, phrase or (checked) regular expression → an emoji, optionally only in
 * some conversations. Config regexes are accepted only when safe-regex2 finds no nested
 * repetition (the usual cause of catastrophic backtracking, R-36), and only the first 16 KB of a
 * message is matched.
 */
import safeRegex from 'safe-regex2';
import { z } from 'zod';

/** Only this much of a message is matched. */
export const MAX_SCAN_CHARS = 16_384;
const MAX_PATTERN = 300;

/** One rule as written in the config. */
export const RuleConfig = z
  .strictObject({
    /**
     * A word or phrase, or a list of them; matched as whole words, ignoring case and extra spaces.
     * Give either `match` or `regex`. @default none
     */
    match: z.union([z.string().trim().min(1).max(MAX_PATTERN), z.array(z.string().trim().min(1).max(MAX_PATTERN)).min(1)]).optional(),
    /**
     * A JavaScript regular expression (without slashes), e.g. `\bship(ped|ping)?\b`. Rejected when
     * it could backtrack catastrophically, e.g. `(a+)+`. Give either `match` or `regex`. @default none
     */
    regex: z.string().min(1).max(MAX_PATTERN).optional(),
    /** Match letter case exactly. @default false */
    caseSensitive: z.boolean().default(false),
    /** The emoji to react with, e.g. 👍. */
    emoji: z.string().trim().min(1).max(32),
    /** Conversation topics or ids the rule applies in. @default every conversation */
    conversations: z.array(z.string().trim().min(1)).min(1).optional(),
  })
  .superRefine((rule, ctx) => {
    if ((rule.match === undefined) === (rule.regex === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give either match (words or phrases) or regex, not both and not neither', path: [] });
      return;
    }
    if (rule.regex === undefined) return;
    try {
      new RegExp(rule.regex);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['regex'], message: `not a valid regular expression: ${(error as Error).message}` });
      return;
    }
    if (!safeRegex(rule.regex)) {
      ctx.addIssue({
        code: 'custom',
        path: ['regex'],
        message: `${JSON.stringify(rule.regex)} is not safe: it nests repetition (like (a+)+), which can take forever on some messages. Simplify it, or use match: with words or phrases`,
      });
    }
  });

/** A rule as written in the config (validated). */
export type RuleConfig = z.output<typeof RuleConfig>;

/** A rule ready to run. */
export interface CompiledRule {
  /** Stable identity of the rule (emoji + pattern), used for "once per message". */
  readonly id: string;
  readonly emoji: string;
  /** Whether the rule applies in a conversation with this id and (known) topic. */
  appliesTo(conversationId: string, topic: string | undefined): boolean;
  /** Whether the text matches (only its first 16 KB are looked at). */
  test(text: string): boolean;
}

/** Compiles validated rules. */
export function compileRules(rules: readonly RuleConfig[]): CompiledRule[] {
  return rules.map(compileRule);
}

function compileRule(rule: RuleConfig): CompiledRule {
  const source = rule.regex ?? phrasePattern(typeof rule.match === 'string' ? [rule.match] : (rule.match ?? []));
  const re = new RegExp(source, rule.regex !== undefined ? (rule.caseSensitive ? '' : 'i') : rule.caseSensitive ? 'u' : 'iu');
  const places = rule.conversations?.map((c) => c.toLowerCase());
  return {
    id: `${rule.emoji}|${rule.caseSensitive ? 'c' : 'i'}|${source}`,
    emoji: rule.emoji,
    appliesTo: (conversationId, topic) =>
      places === undefined || places.includes(conversationId.toLowerCase()) || (topic !== undefined && topic !== '' && places.includes(topic.toLowerCase())),
    test: (text) => re.test(text.length > MAX_SCAN_CHARS ? text.slice(0, MAX_SCAN_CHARS) : text),
  };
}

/** Whole-word alternation of literal phrases; runs of spaces in a phrase match any whitespace. */
function phrasePattern(phrases: readonly string[]): string {
  const alternatives = phrases.map((p) => p.split(/\s+/).map(escapeRegExp).join('\\s+'));
  return `(?<![\\p{L}\\p{N}_])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}_])`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
