/**
 * help: `!help` lists the commands the asker may run here, grouped by plugin; `!help <command>`
 * explains one; `!help <plugin>` lists one plugin's commands; typos get "did you mean".
 */
import { closest, distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { arg, definePlugin, escapeText, markup, type CommandContext, type CommandInfo, type Sendable } from 'fleepkit';

/** Config of the help plugin (`plugins.help` in bot.config.yaml). */
export const HelpConfig = z.strictObject({
  /** First line of the command list. @default 'Commands you can use here:' */
  header: z.string().min(1).max(200).default('Commands you can use here:'),
  /** Show plugin names as bold headings (Fleep markup); `false` sends plain text only. @default true */
  bold: z.boolean().default(true),
});

/** The validated config. */
export type HelpConfig = z.output<typeof HelpConfig>;

const OTHER = 'other';

export default definePlugin({
  name: 'help',
  config: HelpConfig,
  setup(bot, config) {
    bot.command(
      'help',
      {
        description: 'Lists the commands you can use, or explains one',
        aliases: ['commands'],
        args: { topic: arg.string().optional().describe('a command or plugin name') },
      },
      async (ctx) => {
        const prefix = ctx.deps.config.prefix;
        const mine = runnable(bot.commands(), ctx);
        const topic = ctx.args.topic?.toLowerCase().replace(prefixPattern(prefix), '');
        if (topic === undefined || topic === '') {
          await ctx.reply(listing(mine, config, prefix, config.header));
          return;
        }
        const command = mine.find((c) => c.name === topic || c.aliases.includes(topic));
        if (command) {
          await ctx.reply(details(command, prefix));
          return;
        }
        const ofPlugin = mine.filter((c) => c.plugin === topic);
        if (ofPlugin.length > 0) {
          await ctx.reply(listing(ofPlugin, config, prefix, `Commands of ${topic}:`));
          return;
        }
        await ctx.reply(unknown(topic, mine, bot.commands(), prefix));
      },
    );
  },
});

/** Visible commands this person may run in this conversation. */
function runnable(all: CommandInfo[], ctx: CommandContext): CommandInfo[] {
  const who = ctx.actorId;
  return all.filter((c) => !c.hidden && who !== undefined && c.canRun(who, ctx.conversationId));
}

function listing(commands: CommandInfo[], config: HelpConfig, prefix: string, header: string): Sendable {
  if (commands.length === 0) return 'There are no commands you can use here.';
  const groups = new Map<string, CommandInfo[]>();
  for (const c of commands) {
    const key = c.plugin ?? OTHER;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const text = (s: string): string => (config.bold ? escapeText(s) : s);
  const lines = [text(header)];
  for (const [plugin, list] of groups) {
    lines.push(config.bold ? `*${escapeText(plugin)}*` : `${plugin}:`);
    for (const c of list) lines.push(text(`• ${summaryLine(c)}`));
  }
  lines.push(text(`Say ${prefix}help <command> for details.`));
  return config.bold ? markup(lines.join('\n')) : lines.join('\n');
}

function summaryLine(c: CommandInfo): string {
  return c.description ? `${c.usage} — ${c.description}` : c.usage;
}

function details(c: CommandInfo, prefix: string): string {
  const lines = [`Usage: ${c.usage}`];
  if (c.description) lines.push(c.description);
  if (c.aliases.length > 0) lines.push(`Also: ${c.aliases.map((a) => prefix + a).join(', ')}`);
  if (c.plugin) lines.push(`From the ${c.plugin} plugin.`);
  return lines.join('\n');
}

function unknown(topic: string, mine: CommandInfo[], all: CommandInfo[], prefix: string): string {
  const shown = topic.length > 40 ? `${topic.slice(0, 40)}…` : topic;
  // A command that exists but is not for this person here: say so rather than "unknown".
  const forbidden = all.find((c) => !c.hidden && (c.name === topic || c.aliases.includes(topic)));
  if (forbidden) return `You can't use ${prefix}${forbidden.name} here.`;
  const names = mine.flatMap((c) => [c.name, ...c.aliases]);
  const best = names.length > 0 && topic.length <= 64 ? closest(topic, names) : undefined;
  const limit = topic.length <= 2 ? 1 : topic.length <= 5 ? 2 : 3;
  const hint = best !== undefined && distance(topic, best) <= limit ? ` Did you mean ${prefix}${best}?` : ` Say ${prefix}help to see them all.`;
  return `I don't know the command ${prefix}${shown}.${hint}`;
}

function prefixPattern(prefix: string): RegExp {
  return new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
}
