/**
 * The `tasks` plugin: task commands and auto-triage. Rules from config turn matching messages
 * (`TODO: fix the build @bob`) into Fleep tasks, assign, pin, react and reply; every action is
 * audited; open tasks are listed on demand and, optionally, in a daily digest.
 */
import { definePlugin } from 'fleepkit';
import { registerCommands } from './commands.js';
import { TasksConfigSchema } from './config.js';
import { postDigest } from './digest.js';
import { changeTask, forgetTask, readTasks, rememberConversation } from './tracker.js';
import { compileRules, topicKey, triage } from './triage.js';

export { TasksConfigSchema, DEFAULT_RULES } from './config.js';
export type { TasksConfig, Rule } from './config.js';

/** The tasks plugin. Config: `plugins.tasks` (see the README, "tasks"). */
export default definePlugin({
  name: 'tasks',
  config: TasksConfigSchema,
  setup(bot, config) {
    for (const rule of config.rules) {
      if (rule.task && rule.pin) {
        bot.logger.warn({ rule: rule.name }, `rule "${rule.name}" asks for a task and a pin; a Fleep message is a task or pinned, not both, so it only becomes a task. Drop pin: true (or task) from the rule`);
      }
    }
    const rules = compileRules(config);
    registerCommands(bot, config, rules);

    // Filled on first use: every plugin's commands are registered by then.
    let names: Set<string> | undefined;
    const commandNames = (): ReadonlySet<string> => (names ??= new Set(bot.commands().flatMap((c) => [c.name, ...c.aliases])));
    bot.on(['message.new', 'message.edited'], async (ctx, next) => {
      await triage(ctx, rules, config, commandNames);
      await next();
    });

    // People's task changes keep the plugin's list current (the bot's own never come back).
    bot.on('task', async (ctx, next) => {
      const msg = ctx.event.message;
      const now = ctx.deps.clock.now();
      await changeTask(ctx.store.plugin, msg.conversationId, msg.messageNr, (t) => {
        t.assigneeIds = [...msg.assigneeIds];
        if (ctx.event.type === 'task.done') Object.assign(t, { done: true, doneAt: now });
        else if (ctx.event.type === 'task.reopened' || ctx.event.type === 'task.created') Object.assign(t, { done: false, doneAt: undefined });
      }, { text: msg.text, now });
      await next();
    });

    bot.on('message.deleted', async (ctx, next) => {
      const { conversationId, messageNr } = ctx.event.message;
      if ((await readTasks(ctx.store.plugin, conversationId))[messageNr]) await forgetTask(ctx.store.plugin, conversationId, messageNr);
      await next();
    });

    bot.on(['conversation.created', 'topic.changed'], async (ctx, next) => {
      await ctx.store.plugin.set(topicKey(ctx.event.conversationId), ctx.event.topic);
      await rememberConversation(ctx.store.plugin, ctx.event.conversationId);
      await next();
    });

    if (config.digest) {
      bot.cron(config.digest.cron, { name: 'digest', ...(config.digest.tz ? { tz: config.digest.tz } : {}) }, (ctx) => postDigest(ctx, config));
    }
  },
});
