/**
 * The middleware behind `composer.command(...)`: matches the addressed command, then checks the
 * ACL, the cooldowns and the arguments, in that order, before the handler runs. Every refusal is
 * one short reply; the handler is not called.
 */
import type { Middleware } from '../compose.js';
import type { Context } from '../context.js';
import type { EventMap } from '../events.js';
import { ArgError, parseArgs, type ArgSchema, type ArgsOf } from './args.js';
import { takeCooldown, type CooldownOptions, type CooldownVerdict } from './cooldown.js';
import type { ParsedCommand } from './parse.js';
import type { CommandDefinition, CommandRegistry } from './registry.js';

/** The context a command handler gets: a new message, its parsed command and typed args. */
export type CommandContext<S extends ArgSchema = ArgSchema> = Context<EventMap['message.new']> & {
  readonly command: ParsedCommand;
  args: ArgsOf<S>;
};

/** A command's handler. */
export type CommandHandler<S extends ArgSchema = ArgSchema> = (ctx: CommandContext<S>) => unknown;

/** Queues a short reply; a reply that cannot be queued is logged, not thrown (it is only a notice). */
export function replyQuietly(ctx: Context, text: string): void {
  try {
    ctx.reply(text);
  } catch (error) {
    ctx.deps.logger.warn({ err: error, eventId: ctx.event.id }, 'could not queue a reply');
  }
}

/**
 * The commands registered one after another on one composer, routed by ONE middleware: it reads
 * the message's addressing once (`ctx.command`, parsed lazily and cached on the context), looks
 * the name or alias up in the registry and runs only that command's chain (ACL → cooldowns →
 * args → handler). A message that addresses none of these commands costs one synchronous call
 * and goes on with `next()`; no ACL, cooldown or argument code runs for it.
 *
 * Order: the composer starts a new router whenever something other than a command was
 * registered in between, so `command a; use(mw); command b` still runs `mw` before `b` (and
 * not before `a`), exactly as one middleware per command would.
 */
export class CommandRouter {
  private readonly handlers = new Map<CommandDefinition, CommandHandler<ArgSchema>>();

  constructor(private readonly registry: CommandRegistry) {}

  /** Adds a registered command (its definition from `registry.register`) and its handler. */
  add<S extends ArgSchema>(def: CommandDefinition, handler: CommandHandler<S>): void {
    this.handlers.set(def, handler as unknown as CommandHandler<ArgSchema>);
  }

  /** How many commands this router holds. */
  get size(): number {
    return this.handlers.size;
  }

  /** The router as a middleware (one function, made once). */
  readonly middleware: Middleware<Context> = (ctx, next) => {
    const cmd = ctx.command;
    if (cmd === undefined) return next();
    const def = this.registry.resolve(cmd.name);
    const handler = def === undefined ? undefined : this.handlers.get(def);
    if (handler === undefined) return next();
    const accountId = ctx.actorId;
    if (accountId === undefined) return next();
    return runCommand(this.registry, def as CommandDefinition, handler, ctx, cmd, accountId);
  };
}

/**
 * Builds the middleware of one registered command (a router holding just it).
 * @example composer.use(commandMiddleware(registry, registry.register('ping', {}), (ctx) => ctx.reply('pong')))
 */
export function commandMiddleware<S extends ArgSchema>(
  registry: CommandRegistry,
  def: CommandDefinition,
  handler: CommandHandler<S>,
): Middleware<Context> {
  const router = new CommandRouter(registry);
  router.add(def, handler);
  return router.middleware;
}

/**
 * ACL, cooldowns, args, handler. Returns what the handler returns (the router's caller awaits
 * it); only a command with a cooldown waits for the store before its handler runs.
 */
function runCommand(
  registry: CommandRegistry,
  def: CommandDefinition,
  handler: CommandHandler<ArgSchema>,
  ctx: Context,
  cmd: ParsedCommand,
  accountId: string,
): unknown {
  const prefix = ctx.deps.config.prefix;
  if (!registry.canRun(def, accountId, ctx.conversationId, ctx.isDirect)) {
    ctx.deps.logger.warn(
      { accountId, command: def.name, conversationId: ctx.conversationId, plugin: def.plugin, eventId: ctx.event.id },
      'command denied by ACL',
    );
    replyQuietly(ctx, `You are not allowed to run ${prefix}${def.name}.`);
    return undefined;
  }
  const cooldowns = cooldownsOf(registry, def);
  if (cooldowns.length === 0) return runHandler(registry, def, handler, ctx, cmd);
  return withinCooldowns(cooldowns, def, ctx, accountId).then((ok) => (ok ? runHandler(registry, def, handler, ctx, cmd) : undefined));
}

function runHandler(registry: CommandRegistry, def: CommandDefinition, handler: CommandHandler<ArgSchema>, ctx: Context, cmd: ParsedCommand): unknown {
  const args = argsOf(registry, def, ctx, cmd);
  if (args === undefined) return undefined;
  ctx.args = args;
  return handler(ctx as CommandContext<ArgSchema>);
}

/** The command's typed arguments, or `undefined` after telling the person how to use it. */
function argsOf(registry: CommandRegistry, def: CommandDefinition, ctx: Context, cmd: ParsedCommand): ArgsOf<ArgSchema> | undefined {
  // The common "no arguments" command skips the tokenizer and the parse environment.
  if (cmd.argText === '' && isEmpty(def.args)) return {};
  try {
    return parseArgs(def.args, cmd.argText, { contacts: ctx.deps.contacts, now: ctx.deps.clock.now() });
  } catch (error) {
    if (!(error instanceof ArgError)) throw error;
    replyQuietly(ctx, `${capitalise(error.message)}. Usage: ${registry.usage(def, ctx.deps.config.prefix)}`);
    return undefined;
  }
}

/** The cooldowns that apply to `def`: the global one and its own, with their scopes. */
function cooldownsOf(registry: CommandRegistry, def: CommandDefinition): Array<[string, CooldownOptions]> {
  const checks: Array<[string, CooldownOptions]> = [];
  if (registry.settings.cooldown) checks.push(['*', registry.settings.cooldown]);
  if (def.cooldown) checks.push([`cmd:${def.name}`, def.cooldown]);
  return checks;
}

async function withinCooldowns(checks: Array<[string, CooldownOptions]>, def: CommandDefinition, ctx: Context, accountId: string): Promise<boolean> {
  for (const [scope, options] of checks) {
    const verdict: CooldownVerdict = await takeCooldown(ctx.work, scope, accountId, options, ctx.deps.clock.now());
    if (verdict === 'ok') continue;
    ctx.deps.logger.info({ accountId, command: def.name, scope, eventId: ctx.event.id }, 'command skipped: cooldown');
    if (verdict === 'limited') {
      const seconds = Math.ceil(options.windowMs / 1000);
      replyQuietly(ctx, `Slow down: at most ${options.limit} use(s) of ${scope === '*' ? 'commands' : ctx.deps.config.prefix + def.name} per ${seconds} s. Try again shortly.`);
    }
    return false;
  }
  return true;
}

/** Replies to a command nobody registered, with a suggestion when one is close. */
export function replyUnknownCommand(registry: CommandRegistry, ctx: Context): boolean {
  const cmd = ctx.command;
  if (cmd === undefined || registry.resolve(cmd.name) !== undefined) return false;
  const suggestion = registry.suggest(cmd.name);
  // Plain text in a direct conversation is only a command when it looks like a typo of one.
  if (cmd.addressedBy === 'direct' && suggestion === undefined) return false;
  const prefix = ctx.deps.config.prefix;
  const hint = suggestion === undefined ? '' : ` Did you mean ${prefix}${suggestion}?`;
  const help = registry.resolve('help') ? ` Try ${prefix}help.` : '';
  replyQuietly(ctx, `I don't know the command ${prefix}${cmd.name}.${hint || help}`);
  return true;
}

function isEmpty(schema: ArgSchema): boolean {
  for (const _ in schema) return false;
  return true;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
