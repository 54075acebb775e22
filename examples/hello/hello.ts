/**
 * The smallest fleepkit plugin: `!hello` answers "Hello, <name>!".
 * Run it with `fleepkit run -c examples/hello/bot.config.yaml`.
 */
import { definePlugin } from 'fleepkit';

/** Greets whoever says `!hello` (or `@bot hello`, or `hello` in a direct conversation). */
export default definePlugin({
  name: 'hello',
  setup(bot) {
    bot.command('hello', { description: 'Says hello back' }, (ctx) => ctx.reply(`Hello, ${ctx.sender?.displayName || 'there'}!`));
  },
});
