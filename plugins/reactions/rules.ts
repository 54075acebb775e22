/**
 * Reaction rules: a word, phrase or regular expression → an emoji, optionally only in some
 * conversations. Config regexes run on RE2's linear-time engine (R-36), so no pattern can stall
 * the bot, and only the first 16 KB of a message is matched.
 */
import { compileLinearRegex, linearRegexProblem } from 'fleepkit';
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
     * A regular expression in RE2 syntax (without slashes), e.g. `\bship(ped|ping)?\b`. It runs in
     * time linear in the message, whatever the pattern; backreferences and lookaround are not
     * supported. Give either `match` or `regex`. @default none
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
    const problem = linearRegexProblem(rule.regex, rule.caseSensitive ? '' : 'i');
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['regex'], message: problem });
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
  // Phrases are escaped literals (linear on the backtracking engine, which has the lookbehind the
  // whole-word test needs); a configured regex runs on RE2.
  const re =
    rule.regex !== undefined ? compileLinearRegex(rule.regex, rule.caseSensitive ? '' : 'i') : new RegExp(source, rule.caseSensitive ? 'u' : 'iu');
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
