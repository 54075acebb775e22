/**
 * The bench bot in Telegraf: replies stop at a replaced `Telegram#callApi` that answers at once
 * (patched on the prototype, for this benchmark process only).
 */
import { Telegraf, Telegram, type Context } from 'telegraf';
import type { Update } from 'telegraf/types';
import { COMMANDS, PEOPLE, textOf, type DispatchResult, type WorkMessage } from '../lib/workload.js';
import { drive } from './drive.js';

/** Builds the Telegraf bench bot; `run` measures one pass over `messages`. */
export function telegrafBench(messages: readonly WorkMessage[]): { run: (inFlight: number) => Promise<DispatchResult> } {
  let replies = 0;
  const bot = new Telegraf<Context>('123:bench');
  bot.botInfo = { id: 1, is_bot: true, first_name: 'bench', username: 'bench_bot', can_join_groups: true, can_read_all_group_messages: true, supports_inline_queries: false };
  // handleUpdate makes a Telegram instance per update, so the stub goes on the prototype.
  Telegram.prototype.callApi = ((method: string) => {
    replies++;
    return Promise.resolve({ message_id: replies, date: 0, chat: { id: 1, type: 'group', title: 'x' }, method });
  }) as unknown as Telegram['callApi'];
  bot.use((ctx, next) => {
    ctx.state.tagged = true;
    return next();
  });
  bot.use(async (ctx, next) => {
    const t = performance.now();
    await next();
    ctx.state.elapsedMs = performance.now() - t;
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
  return { run: (inFlight) => drive(updates.length, inFlight, (i) => bot.handleUpdate(updates[i]!), () => replies) };
}
