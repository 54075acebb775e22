/**
 * The README's tour of the plugin API: kudos by command or by reaction, a delayed kudos, a
 * weekly board, thanks noticed, finished tasks cheered.
 */
import { z } from 'zod';
import { arg, definePlugin, type Context } from 'fleepkit';

/** Kudos given to each account id in one conversation. */
type Board = Record<string, number>;

/** Gives kudos: `!kudos @bob for the fix`, a 🎉 reaction, or `!kudos-later 1h @bob`. */
export default definePlugin({
  name: 'kudos',
  config: z.object({
    /** The reaction that gives kudos to a message's author. */
    emoji: z.string().default('🎉'),
    /** When the board is posted in every conversation that has one. */
    weekly: z.string().default('0 16 * * 5'),
  }),
  setup(bot, config) {
    const name = (ctx: Context, id: string): string => ctx.deps.contacts.get(id)?.displayName || 'someone';

    async function give(ctx: Context, conversationId: string, to: string): Promise<number> {
      const board = await ctx.store.plugin.update<Board>(`board:${conversationId}`, (b) => ({ ...b, [to]: (b?.[to] ?? 0) + 1 }));
      await ctx.store.plugin.update<string[]>('conversations', (l = []) => (l.includes(conversationId) ? l : [...l, conversationId]));
      return board?.[to] ?? 0;
    }

    bot.command(
      'kudos',
      { description: 'Gives someone kudos', args: { who: arg.account(), why: arg.rest().optional() } },
      async (ctx) => {
        const count = await give(ctx, ctx.conversationId, ctx.args.who);
        await ctx.reply(`${config.emoji} Kudos to ${name(ctx, ctx.args.who)}${ctx.args.why ? ` ${ctx.args.why}` : ''} (${count} so far)`);
      },
    );

    bot.command(
      'kudos-later',
      { description: 'Gives kudos after a while', args: { delay: arg.duration(), who: arg.account() } },
      async (ctx) => {
        const at = ctx.deps.clock.now() + ctx.args.delay;
        await ctx.jobs.at('later', at, { conversationId: ctx.conversationId, payload: { to: ctx.args.who } });
        await ctx.react('👍');
      },
    );

    bot.schedule('later', async (ctx) => {
      const { to } = ctx.event.payload as { to: string };
      const conversationId = ctx.conversationId as string;
      await ctx.reply(`${config.emoji} Kudos to ${name(ctx, to)} (${await give(ctx, conversationId, to)} so far)`);
    });

    bot.reaction(config.emoji, async (ctx) => {
      if (ctx.event.reactorId !== ctx.event.message.authorId) await give(ctx, ctx.conversationId, ctx.event.message.authorId);
    });

    bot.hears(/\bthank(s| you)\b/i, (ctx) => ctx.react('🙏'));

    bot.task('done', (ctx) => ctx.reply(`✔ ${name(ctx, ctx.actorId ?? '')} finished: ${ctx.text}`));

    bot.cron(config.weekly, { name: 'weekly', missed: 'skip' }, async (ctx) => {
      for (const conversationId of (await ctx.store.plugin.get<string[]>('conversations')) ?? []) {
        const board = (await ctx.store.plugin.get<Board>(`board:${conversationId}`)) ?? {};
        const lines = Object.entries(board)
          .sort(([, a], [, b]) => b - a)
          .map(([id, n]) => `${name(ctx, id)}: ${n}`);
        await ctx.send(conversationId, `Kudos this week\n${lines.join('\n')}`);
        await ctx.store.plugin.delete(`board:${conversationId}`);
      }
    });

    bot.catch((error, ctx) => ctx.logger.error({ err: error }, 'kudos failed'));
  },
});
