/**
 * Applying rules to a message: each matching rule fires at most once per message, on the post
 * or on a later edit that makes it match. Which rules fired is remembered per message in the
 * conversation's store, written in the same commit as the effects.
 */
import type { Context, EventMap, KvView } from 'fleepkit';
import { audit } from './audit.js';
import type { Rule, TasksConfig } from './config.js';
import { nameOf, namesOf } from './format.js';
import { compileRule, describeActions, planAssignees, type CompiledRule, type MessageFacts, type People } from './rules.js';
import { render } from './template.js';
import { changeTask, clip } from './tracker.js';

/** The context of a new or edited message. */
export type MessageContext = Context<EventMap['message.new'] | EventMap['message.edited']>;

/** How long the "already fired" marks are kept per message. */
const FIRED_TTL_MS = 90 * 24 * 3_600_000;

/** Compiles the config's rules once. */
export function compileRules(config: TasksConfig): CompiledRule[] {
  return config.rules.map(compileRule);
}

/** Key of a conversation's learned topic in the plugin scope. */
export const topicKey = (conversationId: string): string => `topic:${conversationId}`;

/** The facts rules look at, for a message text in the context's conversation. */
export async function factsOf(ctx: Context, text: string, authorId: string, mentionIds: readonly string[]): Promise<MessageFacts> {
  const conversationId = ctx.conversationId ?? '';
  return {
    text,
    authorId,
    conversationId,
    topic: ctx.deps.conversations.topic(conversationId) || (await ctx.store.plugin.get<string>(topicKey(conversationId))),
    mentionIds: mentionIds.filter((id) => id !== ctx.deps.botAccountId),
  };
}

/** The round-robin position of a rule, when it takes turns. */
export async function turnOf(view: KvView, rule: Rule): Promise<number | undefined> {
  const a = rule.assign;
  return typeof a === 'object' && 'roundRobin' in a ? view.get<number>(`turn:${rule.name}`) : undefined;
}

/** Runs the rules on a new or edited message. */
export async function triage(ctx: MessageContext, rules: readonly CompiledRule[], config: TasksConfig, commands: () => ReadonlySet<string>): Promise<void> {
  const msg = ctx.event.message;
  if (msg.isDeleted || msg.text.trim() === '' || isCommandLike(ctx, commands)) return;
  const people: People = ctx.deps.contacts;
  const facts = await factsOf(ctx, msg.text, msg.authorId, msg.mentionIds);
  const firedKey = `fired:${msg.messageNr}`;
  const fired = (await ctx.store.conversation.get<string[]>(firedKey)) ?? [];
  const firing = rules.filter((c) => !fired.includes(c.rule.name) && c.matches(facts, people));
  if (firing.length === 0) return;
  for (const { rule } of firing) await applyRule(ctx, rule, facts, config);
  await ctx.store.conversation.set(firedKey, [...fired, ...firing.map((c) => c.rule.name)], { ttlMs: FIRED_TTL_MS });
}

/**
 * Commands are not triaged. In a direct conversation every message parses as a command, so
 * there only a known command name counts. Edits carry no parsed command: a command typed into
 * an edit is recognised by its prefix.
 */
function isCommandLike(ctx: MessageContext, commands: () => ReadonlySet<string>): boolean {
  const command = ctx.command;
  if (command !== undefined) return command.addressedBy !== 'direct' || commands().has(command.name);
  return ctx.type === 'message.edited' && ctx.text.trimStart().startsWith(ctx.deps.config.prefix);
}

async function applyRule(ctx: MessageContext, rule: Rule, facts: MessageFacts, config: TasksConfig): Promise<void> {
  const msg = ctx.event.message;
  const people: People = ctx.deps.contacts;
  const target = { conversationId: msg.conversationId, messageNr: msg.messageNr };
  const plan = planAssignees(rule.assign, facts, people, await turnOf(ctx.store.plugin, rule));
  if (plan.nextTurn !== undefined) await ctx.store.plugin.set(`turn:${rule.name}`, plan.nextTurn);
  const assignees = plan.assigneeIds;
  // Effects are queued, not awaited: they are committed with this event and sent after it.
  if (rule.task) {
    void ctx.task(assignees.length > 0 ? { ...target, assignees } : target);
    const now = ctx.deps.clock.now();
    await changeTask(ctx.store.plugin, target.conversationId, target.messageNr, (t) => {
      t.done = false;
      if (assignees.length > 0 || rule.assign !== undefined) t.assigneeIds = assignees;
    }, { text: msg.text, now });
  }
  // In Fleep a message is a task or pinned, never both (one message state): the task wins.
  if (rule.pin && !rule.task) void ctx.pin(target);
  if (rule.react !== undefined) void ctx.react(rule.react, target);
  if (rule.reply !== undefined) {
    void ctx.reply(
      render(rule.reply, { author: nameOf(people, msg.authorId), assignees: namesOf(people, assignees), text: clip(msg.text), nr: String(msg.messageNr) }),
    );
  }
  const names = assignees.map((id) => nameOf(people, id));
  const result = plan.unknown.length > 0 ? `queued; could not find ${plan.unknown.join(', ')}` : 'queued';
  await audit(
    ctx.store.conversation,
    { at: ctx.deps.clock.now(), rule: rule.name, conversationId: target.conversationId, messageNr: target.messageNr, actorId: msg.authorId, actions: describeActions(rule, names), result },
    config.auditSize,
  );
  if (plan.unknown.length > 0) ctx.logger.warn({ rule: rule.name, unknown: plan.unknown }, 'tasks: rule names people the bot does not know');
}
