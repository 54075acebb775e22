/**
 * reactions: react to messages that match configured words, phrases or (checked) regexes, at
 * most once per message and rule; and run actions when people react with configured emoji
 * (📌 pin, ✅ done, 👀 assign), undoing them when the reaction is removed.
 */
import { z } from 'zod';
import { definePlugin, type Context, type EventMap } from 'fleepkit';
import { runAction, undoAction, type ReactionAction } from './actions.js';
import { RuleConfig, compileRules } from './rules.js';

/** Config of the reactions plugin (`plugins.reactions` in bot.config.yaml). */
export const ReactionsConfig = z.strictObject({
  /**
   * Rules: `{ match: thanks, emoji: 👍 }`, `{ regex: '\bship(ped)?\b', emoji: 🚀, conversations: [Team] }`.
   * @default []
   */
  rules: z.array(RuleConfig).max(200).default([]),
  /**
   * Emoji → action: `pin` pins the message, `done` marks its task done, `assign` assigns the
   * reacting person to its task. Removing the reaction undoes it. `{}` turns actions off.
   * @default { '📌': pin, '✅': done, '👀': assign }
   */
  actions: z.record(z.string().trim().min(1).max(32), z.enum(['pin', 'done', 'assign'])).default({ '📌': 'pin', '✅': 'done', '👀': 'assign' }),
});

/** The validated config. */
export type ReactionsConfig = z.output<typeof ReactionsConfig>;

/** "Reacted once" marks expire after this long; an edit after that may react again. */
const ONCE_TTL_MS = 90 * 24 * 3600_000;
const TOPIC_KEY = 'topic';

type MessageContext = Context<EventMap['message.new' | 'message.edited']>;

export default definePlugin({
  name: 'reactions',
  config: ReactionsConfig,
  setup(bot, config) {
    const rules = compileRules(config.rules);
    const actions = new Map<string, ReactionAction>(Object.entries(config.actions));

    // Topics are learnt as conversations are created or renamed; ids always work.
    bot.on(['conversation.created', 'topic.changed'], (ctx) => ctx.store.conversation.set(TOPIC_KEY, ctx.event.topic));

    if (rules.length > 0) {
      bot.on(['message.new', 'message.edited'], async (ctx: MessageContext) => {
        const m = ctx.event.message;
        if (m.isDeleted || m.type !== 'text' || m.text === '') return;
        const topic = rules.some((r) => !r.appliesTo(m.conversationId, undefined))
          ? ctx.deps.conversations.topic(m.conversationId) || (await ctx.store.conversation.get<string>(TOPIC_KEY))
          : undefined;
        const reacted = new Set(m.reactions.filter((r) => r.accountIds.includes(ctx.deps.botAccountId)).map((r) => r.emoji));
        for (const rule of rules) {
          if (!rule.appliesTo(m.conversationId, topic) || !rule.test(m.text)) continue;
          const once = `once:${m.messageNr}:${rule.id}`;
          if (await ctx.store.conversation.get(once)) continue;
          await ctx.store.conversation.set(once, true, { ttlMs: ONCE_TTL_MS });
          if (reacted.has(rule.emoji)) continue;
          reacted.add(rule.emoji);
          await ctx.react(rule.emoji);
        }
      });
    }

    if (actions.size > 0) {
      bot.on('reaction.added', async (ctx) => {
        const action = actions.get(ctx.event.emoji);
        if (action) await runAction(ctx, action);
      });
      bot.on('reaction.removed', async (ctx) => {
        const action = actions.get(ctx.event.emoji);
        if (action) await undoAction(ctx, action);
      });
    }
  },
});
