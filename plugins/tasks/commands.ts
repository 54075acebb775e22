/**
 * The tasks commands: `!task`, `!done`, `!reopen`, `!assign`, `!tasks` and `!triage`.
 * Message numbers refer to messages of the conversation the command is typed in.
 */
import { arg, type BotApi, type CommandContext, type Context } from 'fleepkit';
import { audit, auditOf } from './audit.js';
import type { TasksConfig } from './config.js';
import { ago, nameOf, namesOf, taskList } from './format.js';
import { describeActions, planAssignees, resolvePerson, type CompiledRule, type People } from './rules.js';
import { factsOf, turnOf } from './triage.js';
import { changeTask, openTasks, readTasks, type TrackedTask } from './tracker.js';

type Ctx = Context & { conversationId: string };

/** Registers the commands. */
export function registerCommands(bot: BotApi<TasksConfig>, config: TasksConfig, rules: readonly CompiledRule[]): void {
  bot.command(
    'task',
    { description: 'Post a task, optionally assigned', usage: '!task <text> [@assignee…]', args: { text: arg.rest() } },
    async (ctx) => {
      const c = inConversation(ctx);
      const { text, assignees } = splitAssignees(ctx.args.text, ctx.deps.contacts, ctx.deps.botAccountId);
      if (text === '') return void (await ctx.reply('What is the task? For example: !task fix the build @bob'));
      // Wait for Fleep's answer: it carries the new message's number to make a task of.
      const sent = await ctx.reply(text).delivered();
      if (sent.messageNr === undefined) return void (await ctx.reply('Sorry, I could not post that task. Please try again.'));
      const target = { conversationId: c.conversationId, messageNr: sent.messageNr };
      void ctx.task(assignees.length > 0 ? { ...target, assignees } : target);
      await changeTask(ctx.store.plugin, c.conversationId, sent.messageNr, (t) => void (t.assigneeIds = assignees), { text, now: ctx.deps.clock.now() });
      const who = assignees.length > 0 ? ` for ${namesOf(ctx.deps.contacts, assignees)}` : '';
      await record(ctx, config, '!task', sent.messageNr, [`post a task${who}`]);
    },
  );

  bot.command('done', { description: 'Mark a task done', usage: '!done <message nr>', args: { nr: arg.string() } }, async (ctx) => {
    await withTask(ctx, config, 'done', (task, c) => {
      if (task.done) return `#${task.nr} is already done.`;
      void ctx.done({ conversationId: c.conversationId, messageNr: task.nr });
      return `Done: #${task.nr} ${task.text} ✔`;
    });
  });

  bot.command('reopen', { description: 'Reopen a done task', usage: '!reopen <message nr>', args: { nr: arg.string() } }, async (ctx) => {
    await withTask(ctx, config, 'reopen', (task, c) => {
      if (!task.done) return `#${task.nr} is still open.`;
      void ctx.reopen({ conversationId: c.conversationId, messageNr: task.nr });
      return `Reopened: #${task.nr} ${task.text}`;
    });
  });

  bot.command(
    'assign',
    { description: 'Assign a task to people', usage: '!assign <message nr> @who…', args: { nr: arg.string(), who: arg.rest() } },
    async (ctx) => {
      const people = parsePeople(ctx.args.who, ctx.deps.contacts);
      if ('unknown' in people) return void (await ctx.reply(`I don't know ${people.unknown}. Name people as @address or e-mail, e.g. !assign 12 @bob`));
      await withTask(ctx, config, 'assign', (task, c) => {
        void ctx.assign(people.ids, { conversationId: c.conversationId, messageNr: task.nr });
        return `#${task.nr} is now assigned to ${namesOf(ctx.deps.contacts, people.ids)}.`;
      }, people.ids);
    },
  );

  bot.command('tasks', { description: 'List the open tasks here' }, async (ctx) => {
    const c = inConversation(ctx);
    const tasks = openTasks(await readTasks(ctx.store.plugin, c.conversationId));
    await ctx.reply(taskList('Open tasks', tasks, ctx.deps.contacts, ctx.deps.clock.now()));
  });

  bot.command(
    'triage',
    {
      description: 'Show what the triage rules would do, or what they did',
      usage: '!triage dry-run <text> | !triage log [count]',
      args: { action: arg.enum(['dry-run', 'log']), text: arg.rest().optional() },
    },
    async (ctx) => {
      if (ctx.args.action === 'log') return void (await ctx.reply(await logText(ctx, ctx.args.text)));
      await ctx.reply(await dryRun(ctx, rules, ctx.args.text ?? ''));
    },
  );
}

function inConversation(ctx: Context): Ctx {
  if (ctx.conversationId === undefined) throw new Error('tasks commands work in conversations only');
  return ctx as Ctx;
}

/** Runs `act` on a tracked task named by `ctx.args.nr`, updates the record, replies, audits. */
async function withTask(
  ctx: CommandContext<{ nr: ReturnType<typeof arg.string> }>,
  config: TasksConfig,
  kind: 'done' | 'reopen' | 'assign',
  act: (task: TrackedTask, c: Ctx) => string,
  assignees?: string[],
): Promise<void> {
  const c = inConversation(ctx);
  const m = /^#?(\d{1,9})$/.exec(ctx.args.nr.trim());
  if (!m) return void (await ctx.reply(`Which task? Give its number, e.g. !${kind} 12 (see !tasks for the numbers).`));
  const nr = Number(m[1]);
  const task = (await readTasks(ctx.store.plugin, c.conversationId))[nr];
  if (!task) return void (await ctx.reply(`I don't know a task #${nr} here. See !tasks for the open ones.`));
  const answer = act(task, c);
  const now = ctx.deps.clock.now();
  await changeTask(ctx.store.plugin, c.conversationId, nr, (t) => {
    if (kind === 'done') Object.assign(t, { done: true, doneAt: now });
    if (kind === 'reopen') Object.assign(t, { done: false, doneAt: undefined });
    if (kind === 'assign') t.assigneeIds = assignees ?? [];
  }, { text: task.text, now });
  await ctx.reply(answer);
  await record(ctx, config, `!${kind}`, nr, [kind === 'assign' ? `assign to ${namesOf(ctx.deps.contacts, assignees ?? [])}` : `mark ${kind === 'done' ? 'done' : 'open'}`]);
}

async function record(ctx: Context, config: TasksConfig, rule: string, nr: number, actions: string[]): Promise<void> {
  await audit(
    ctx.store.conversation,
    { at: ctx.deps.clock.now(), rule, conversationId: ctx.conversationId ?? '', messageNr: nr, actorId: ctx.actorId ?? '', actions, result: 'queued' },
    config.auditSize,
  );
}

/** Splits trailing `@someone` words off a task text; those people are the assignees. */
export function splitAssignees(input: string, people: People, botId: string): { text: string; assignees: string[] } {
  const words = input.trim().split(/\s+/);
  const assignees: string[] = [];
  while (words.length > 0) {
    const last = words[words.length - 1] as string;
    const id = last.startsWith('@') ? resolvePerson(last.replace(/[,.;:]+$/, ''), people) : undefined;
    if (id === undefined) break;
    words.pop();
    if (id !== botId && !assignees.includes(id)) assignees.unshift(id);
  }
  return { text: words.join(' ').trim(), assignees };
}

/** People named in `!assign` (`@address`, e-mail or `nobody`). */
function parsePeople(text: string, people: People): { ids: string[] } | { unknown: string } {
  const words = text.trim().split(/[\s,]+/).filter((w) => w !== '' && w.toLowerCase() !== 'and');
  if (words.length === 1 && /^(nobody|none)$/i.test(words[0] ?? '')) return { ids: [] };
  const ids: string[] = [];
  for (const w of words) {
    const id = resolvePerson(w, people);
    if (id === undefined) return { unknown: JSON.stringify(w) };
    if (!ids.includes(id)) ids.push(id);
  }
  return { ids };
}

async function dryRun(ctx: Context, rules: readonly CompiledRule[], text: string): Promise<string> {
  if (text.trim() === '') return 'Give me a message to try, e.g. !triage dry-run TODO: fix the build @bob';
  const people: People = ctx.deps.contacts;
  const facts = await factsOf(ctx, text, ctx.actorId ?? '', ctx.mentions);
  const lines: string[] = [];
  for (const { rule, matches } of rules) {
    if (!matches(facts, people)) continue;
    const plan = planAssignees(rule.assign, facts, people, await turnOf(ctx.store.plugin, rule));
    const names = plan.assigneeIds.map((id) => nameOf(people, id));
    const unknown = plan.unknown.length > 0 ? ` (could not find ${plan.unknown.join(', ')})` : '';
    lines.push(`• ${rule.name}: ${describeActions(rule, names).join(', ')}${unknown}`);
  }
  if (lines.length === 0) return 'No rule matches that, so I would do nothing.';
  return ['Dry run — nothing was changed. I would:', ...lines].join('\n');
}

async function logText(ctx: Context, countText: string | undefined): Promise<string> {
  const count = countText === undefined || countText.trim() === '' ? 10 : Number(countText.trim());
  if (!Number.isInteger(count) || count < 1 || count > 100) return 'How many entries? Give a number from 1 to 100, e.g. !triage log 20';
  const entries = await auditOf(ctx.store.conversation, ctx.conversationId ?? '', count);
  if (entries.length === 0) return 'Nothing in the triage log for this conversation yet.';
  const now = ctx.deps.clock.now();
  const people: People = ctx.deps.contacts;
  const lines = entries.map(
    (e) => `${ago(now, e.at)} · ${e.rule} · #${e.messageNr} by ${nameOf(people, e.actorId)}: ${e.actions.join(', ')} — ${e.result}`,
  );
  return [`Triage log (last ${entries.length}):`, ...lines].join('\n');
}
