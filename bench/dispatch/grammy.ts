/**
 * The bench bot in grammY: replies stop at an API transformer that answers at once.
 * Commands need a `bot_command` entity, as Telegram sends them.
 */
import { Bot, type Context } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import { COMMANDS, PEOPLE, textOf, type DispatchResult, type WorkMessage } from '../lib/workload.js';
import { drive } from './drive.js';

type BenchContext = Context & { tagged?: boolean; elapsedMs?: number };

/** Builds the grammY bench bot; `run` measures one pass over `messages`. */
export function grammyBench(messages: readonly WorkMessage[]): { run: (inFlight: number) => Promise<DispatchResult> } {
  let replies = 0;
  const bot = new Bot<BenchContext>('123:bench', {
    botInfo: {
      id: 1,
      is_bot: true,
      first_name: 'bench',
      username: 'bench_bot',
      can_join_groups: true,
      can_read_all_group_messages: true,
    } as UserFromGetMe,
  });
  bot.api.config.use((_prev, method) => {
    replies++;
    return Promise.resolve({ ok: true, result: { message_id: replies, date: 0, chat: { id: 1, type: 'group', title: 'x' }, method } }) as never;
  });
  bot.use((ctx, next) => {
    ctx.tagged = true;
    return next();
  });
  bot.use(async (ctx, next) => {
    const t = performance.now();
    await next();
    ctx.elapsedMs = performance.now() - t;
  });
  bot.use((_ctx, next) => next());
  for (let c = 0; c < COMMANDS; c++) bot.command(`cmd${c}`, (ctx) => ctx.reply(`reply ${c}`));
  bot.hears(/\bthanks\b/, (ctx) => ctx.reply("you're welcome"));
  bot.hears(/TODO:/, (ctx) => ctx.reply('noted'));
  bot.on('message', (ctx) => ctx.reply('?'));

  const updates: Update[] = messages.map((m, i) => {
    const text = textOf(m, '/');
    const cmdLength = m.kind === 'command' ? text.length : 0;
    return {
      update_id: i + 1,
      message: {
        message_id: i + 1,
        date: 1_700_000_000,
        chat: { id: -1000 - m.conversation, type: 'group', title: `conv ${m.conversation}` },
        from: { id: 100 + (m.person % PEOPLE), is_bot: false, first_name: `person${m.person}` },
        text,
        ...(cmdLength > 0 ? { entities: [{ type: 'bot_command', offset: 0, length: cmdLength }] } : {}),
      },
    } as Update;
  });
  return {
    run: async (inFlight) => {
      await bot.init();
      return drive(updates.length, inFlight, (i) => bot.handleUpdate(updates[i]!), () => replies);
    },
  };
}
