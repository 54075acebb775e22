/**
 * pins: `!pin <text>` posts and pins, `!pin <nr>` pins a message, `!unpin <nr>`, `!pins` lists the
 * pinboard, and messages with configured hashtags (e.g. `#decision`) are pinned automatically.
 */
import { z } from 'zod';
import { arg, definePlugin, type CommandContext, type Context } from 'fleepkit';
import { BOARD_KEY, addPin, recall, reconcile, remember, removePin, summarise, type PinEntry } from './pinboard.js';

const HASHTAG = /^#?[\p{L}\p{N}_-]{1,50}$/u;

/** Config of the pins plugin (`plugins.pins` in bot.config.yaml). */
export const PinsConfig = z.strictObject({
  /**
   * Messages containing one of these hashtags are pinned when posted (or when edited to contain
   * one), once per message. Case-insensitive; the `#` is optional. `[]` turns auto-pinning off.
   * @default ['#decision']
   */
  hashtags: z
    .array(z.string().regex(HASHTAG, { error: (iss) => `a hashtag is a word such as '#decision', got ${JSON.stringify(iss.input)}` }))
    .default(['#decision']),
});

/** The validated config. */
export type PinsConfig = z.output<typeof PinsConfig>;

const MESSAGE_NR = /^#?(\d{1,9})$/;
/** Auto-pin marks expire; an edit after that could pin again. */
const AUTO_MARK_TTL_MS = 90 * 24 * 3600_000;

export default definePlugin({
  name: 'pins',
  config: PinsConfig,
  setup(bot, config) {
    const tags = config.hashtags.map((h) => h.replace(/^#/, '').toLowerCase());
    // Built from escaped literals only: no user-supplied pattern syntax reaches RegExp.
    const hashtagRe = tags.length === 0 ? undefined : new RegExp(`(?:^|[^\\p{L}\\p{N}_#-])#(?:${tags.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}_-])`, 'iu');

    // Every message event tells us whether its message is pinned: keep the board in step.
    bot.use(async (ctx, next) => {
      const message = ctx.message;
      if (message && ctx.type === 'message.new') {
        if (message.type === 'text' && ctx.command === undefined) await remember(ctx.store.conversation, message);
      } else if (message) {
        await reconcile(ctx.store.conversation, message);
      }
      await next();
    });

    bot.command(
      'pin',
      {
        description: 'Pins a message by its number, or posts your text and pins it',
        args: { what: arg.rest().describe('a message number such as 42, or the text to post and pin') },
      },
      async (ctx) => {
        const nr = MESSAGE_NR.exec(ctx.args.what.trim());
        if (nr) return pinExisting(ctx, Number(nr[1]));
        // Wait for Fleep's answer: it carries the new message's number to pin.
        const sent = await ctx.reply(ctx.args.what).delivered();
        if (sent.messageNr === undefined) return;
        await ctx.pin({ conversationId: ctx.conversationId, messageNr: sent.messageNr });
        await addPin(ctx.store.conversation, { nr: sent.messageNr, text: summarise(ctx.args.what), authorId: ctx.deps.botAccountId });
      },
    );

    bot.command(
      'unpin',
      { description: 'Unpins a message', args: { nr: arg.number({ integer: true, min: 1 }).describe('the message number') } },
      async (ctx) => {
        const target = { conversationId: ctx.conversationId, messageNr: ctx.args.nr };
        try {
          // Wait for Fleep's answer: a wrong number is refused, and the person is told so.
          await ctx.unpin(target).delivered();
        } catch (error) {
          bot.logger.info({ err: error, messageNr: ctx.args.nr }, 'unpin failed');
          await ctx.reply(`I couldn't unpin message #${ctx.args.nr}. Is that the right number? !pins lists what is pinned.`);
          return;
        }
        await removePin(ctx.store.conversation, ctx.args.nr);
        await ctx.react('👍');
      },
    );

    bot.command('pins', { description: 'Lists the pinned messages of this conversation', aliases: ['pinboard'] }, async (ctx) => {
      const board = (await ctx.store.conversation.get<PinEntry[]>(BOARD_KEY)) ?? [];
      if (board.length === 0) {
        await ctx.reply(`Nothing is pinned here yet. Pin a message with ${ctx.deps.config.prefix}pin <message nr>, or post and pin with ${ctx.deps.config.prefix}pin <text>.`);
        return;
      }
      const lines = board.map((p) => `• #${p.nr} ${p.text || '(text not known)'} — ${nameOf(ctx, p.authorId)}`);
      await ctx.reply([`Pinned here (${board.length}):`, ...lines].join('\n'));
    });

    if (hashtagRe) {
      bot.on(['message.new', 'message.edited'], async (ctx) => {
        const m = ctx.event.message;
        if (m.isPinned || m.isDeleted || !hashtagRe.test(m.text.slice(0, 16_384))) return;
        const mark = `auto:${m.messageNr}`;
        if (await ctx.store.conversation.get(mark)) return;
        await ctx.store.conversation.set(mark, true, { ttlMs: AUTO_MARK_TTL_MS });
        await ctx.pin();
        await addPin(ctx.store.conversation, { nr: m.messageNr, text: summarise(m.text), authorId: m.authorId });
      });
    }

    async function pinExisting(ctx: CommandContext, nr: number): Promise<void> {
      try {
        await ctx.pin({ conversationId: ctx.conversationId, messageNr: nr }).delivered();
      } catch (error) {
        bot.logger.info({ err: error, messageNr: nr }, 'pin failed');
        await ctx.reply(`I couldn't pin message #${nr}. Is that the right number?`);
        return;
      }
      // Fleep does not echo the bot's own pin: the board learns it here (text from recent messages).
      const board = (await ctx.store.conversation.get<PinEntry[]>(BOARD_KEY)) ?? [];
      if (!board.some((p) => p.nr === nr)) await addPin(ctx.store.conversation, await recall(ctx.store.conversation, nr));
      await ctx.react('👍');
    }
  },
});

function nameOf(ctx: Context, accountId: string): string {
  if (accountId === '') return 'someone';
  if (accountId === ctx.deps.botAccountId) return 'me';
  return ctx.deps.contacts.get(accountId)?.displayName || 'someone';
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
