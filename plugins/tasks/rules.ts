/**
 * Rule matching and assignment planning, free of side effects so that real triage and
 * `!triage dry-run` take exactly the same decisions.
 */
import { compileLinearRegex, type ContactInfo } from 'fleepkit';
import { MAX_MATCH_TEXT, type Assign, type Match, type Rule } from './config.js';

/** What a rule looks at. */
export interface MessageFacts {
  text: string;
  authorId: string;
  conversationId: string;
  /** The conversation's topic, when the plugin knows it. */
  topic: string | undefined;
  /** Mentioned account ids (the bot left out). */
  mentionIds: readonly string[];
}

/** Looks people up (the subset of `ctx.deps.contacts` rules need). */
export interface People {
  get(accountId: string): ContactInfo | undefined;
  byAddress(address: string): string | undefined;
  byEmail(email: string): string | undefined;
}

/** A rule with its text tests compiled once. */
export interface CompiledRule {
  readonly rule: Rule;
  /** Whether the rule applies to the message. */
  matches(facts: MessageFacts, people: People): boolean;
}

/** Who a rule assigns, and what could not be resolved. */
export interface AssignPlan {
  assigneeIds: string[];
  /** Config entries that name nobody the bot knows. */
  unknown: string[];
  /** The round-robin position to store, when the rule takes turns. */
  nextTurn?: number;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Compiles a rule's match. */
export function compileRule(rule: Rule): CompiledRule {
  const m = rule.match;
  const fold = (s: string): string => (m.caseSensitive ? s : s.toLowerCase());
  const prefixes = m.prefix?.map(fold);
  // Keywords are literal and bounded by non-word characters: linear-time, no user regex syntax.
  const keywords = m.keywords?.map(
    (k) => new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRegExp(k)}(?![\\p{L}\\p{N}_])`, m.caseSensitive ? 'u' : 'iu'),
  );
  const regex = m.regex === undefined ? undefined : compileLinearRegex(m.regex, m.flags);
  return {
    rule,
    matches(facts, people) {
      const text = facts.text.length > MAX_MATCH_TEXT ? facts.text.slice(0, MAX_MATCH_TEXT) : facts.text;
      if (prefixes && !prefixes.some((p) => fold(text.trimStart()).startsWith(p))) return false;
      if (keywords && !keywords.some((k) => k.test(text))) return false;
      if (regex && !regex.test(text)) return false;
      if (m.author && !m.author.some((a) => isPerson(a, facts.authorId, people))) return false;
      if (m.conversation && !matchesConversation(m, facts)) return false;
      return true;
    },
  };
}

function matchesConversation(m: Match, facts: MessageFacts): boolean {
  const topic = facts.topic?.toLowerCase();
  return (m.conversation ?? []).some((c) => c === facts.conversationId || (topic !== undefined && topic !== '' && c.toLowerCase() === topic));
}

function isPerson(entry: string, accountId: string, people: People): boolean {
  return resolvePerson(entry, people) === accountId;
}

/** Account id of a config entry: an e-mail, `@address` or account id. */
export function resolvePerson(entry: string, people: People): string | undefined {
  const e = entry.trim();
  if (e.startsWith('@')) return people.byAddress(e.slice(1));
  if (e.includes('@')) return people.byEmail(e);
  if (people.get(e) !== undefined) return e;
  return people.byAddress(e);
}

/**
 * Who a rule assigns. `turn` is the stored round-robin position (the next person to take), and
 * people the bot does not know are skipped so one stale entry cannot stall the rotation.
 */
export function planAssignees(assign: Assign | undefined, facts: MessageFacts, people: People, turn: number | undefined): AssignPlan {
  if (assign === undefined) return { assigneeIds: [], unknown: [] };
  if (assign === 'mentioned') return { assigneeIds: unique(facts.mentionIds), unknown: [] };
  if (assign === 'author') return { assigneeIds: [facts.authorId], unknown: [] };
  if ('accounts' in assign) {
    const ids: string[] = [];
    const unknown: string[] = [];
    for (const a of assign.accounts) {
      const id = resolvePerson(a, people);
      if (id === undefined) unknown.push(a);
      else ids.push(id);
    }
    return { assigneeIds: unique(ids), unknown };
  }
  const list = assign.roundRobin;
  const start = Number.isInteger(turn) && (turn as number) >= 0 ? (turn as number) % list.length : 0;
  const unknown: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const at = (start + i) % list.length;
    const entry = list[at] as string;
    const id = resolvePerson(entry, people);
    if (id !== undefined) return { assigneeIds: [id], unknown, nextTurn: (at + 1) % list.length };
    unknown.push(entry);
  }
  return { assigneeIds: [], unknown, nextTurn: start };
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/** Names of the actions a rule takes, for the audit log and dry runs. */
export function describeActions(rule: Rule, assigneeNames: readonly string[]): string[] {
  const out: string[] = [];
  if (rule.task) out.push(assigneeNames.length > 0 ? `make it a task for ${assigneeNames.join(', ')}` : 'make it a task');
  if (rule.pin) out.push(rule.task ? "no pin (Fleep can't pin a task)" : 'pin it');
  if (rule.react !== undefined) out.push(`react ${rule.react}`);
  if (rule.reply !== undefined) out.push('reply');
  return out;
}
