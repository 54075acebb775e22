/**
 * The command registry: names, aliases, metadata for generated help, ACL and cooldown settings,
 * and "did you mean" suggestions for unknown commands.
 */
import { closest, distance } from 'fastest-levenshtein';
import { evaluateAcl, EMPTY_POLICY, validateAcl, type AclPolicy, type AclRule } from './acl.js';
import { describeArgs, validateSchema, type ArgSchema } from './args.js';
import { DEFAULT_COOLDOWN, validateCooldown, type CooldownOptions } from './cooldown.js';
import { MAX_NAME_LENGTH } from './parse.js';

/**
 * Options of `composer.command(name, options, handler)`.
 * @example { description: 'Remind someone', args: { who: arg.account(), when: arg.date() }, aliases: ['rem'] }
 */
export interface CommandOptions<S extends ArgSchema = ArgSchema> {
  /** One line for help. @default '' */
  description?: string;
  /** Usage line for help and argument errors. @default generated from `args`, e.g. `!remind <who> <when>` */
  usage?: string;
  /** Other names. @default [] */
  aliases?: string[];
  /** Typed arguments, in order. @default {} (any text after the command is an error) */
  args?: S;
  /** Who may run it. @default 'everyone' */
  allow?: AclRule;
  /** This command's own per-account limit (on top of the global one); `false` for none. @default false */
  cooldown?: CooldownOptions | false;
  /** Leave out of help. @default false */
  hidden?: boolean;
  /** Owning plugin (set automatically for handlers registered in a plugin's setup). */
  plugin?: string;
}

/** A registered command. */
export interface CommandDefinition {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly plugin: string | undefined;
  readonly description: string;
  readonly usage: string | undefined;
  readonly hidden: boolean;
  readonly args: ArgSchema;
  readonly allow: AclRule | undefined;
  readonly cooldown: CooldownOptions | false;
}

/** A command as the help plugin sees it. */
export interface CommandInfo {
  name: string;
  aliases: readonly string[];
  plugin: string | undefined;
  description: string;
  /** Full usage line, prefix included. */
  usage: string;
  hidden: boolean;
  /** Whether this account may run it in this conversation (ACL only; cooldowns not counted). */
  canRun(accountId: string, conversationId: string): boolean;
}

/**
 * Settings of the command layer.
 * @example { acl: { admins: ['acc-1'], roles: { ops: ['acc-2'] } }, cooldown: { limit: 5, windowMs: 10_000 } }
 */
export interface CommandSettings {
  /** Admins and roles, as account ids. @default no admins, no roles */
  acl: AclPolicy;
  /** Global per-account limit across all commands; `false` disables it. @default 5 per 10 s (R-31) */
  cooldown: CooldownOptions | false;
  /** For `CommandInfo.canRun`; without it every conversation counts as a group. @default undefined */
  conversations?: { isDirect(conversationId: string): boolean } | undefined;
  /** Prefix shown in usage lines outside an event. @default '!' */
  prefix: string;
}

const VALID_NAME = /^[\p{Ll}\p{Lo}\p{N}][\p{Ll}\p{Lo}\p{N}_.-]*$/u;

/** All commands of one bot. */
export class CommandRegistry {
  readonly settings: CommandSettings;
  private readonly byName = new Map<string, CommandDefinition>();
  private readonly byAlias = new Map<string, CommandDefinition>();

  constructor(settings: Partial<CommandSettings> = {}) {
    this.settings = {
      acl: settings.acl ?? EMPTY_POLICY,
      cooldown: settings.cooldown === false ? false : validateCooldown('global cooldown', settings.cooldown ?? DEFAULT_COOLDOWN),
      conversations: settings.conversations,
      prefix: settings.prefix ?? '!',
    };
  }

  /** Adds a command; throws on a bad or duplicate name or alias, naming both owners. */
  register(name: string, options: CommandOptions): CommandDefinition {
    const names = [name, ...(options.aliases ?? [])];
    for (const n of names) {
      checkName(n);
      const taken = this.resolve(n);
      if (taken) {
        const owner = taken.plugin ? ` (plugin "${taken.plugin}")` : '';
        const mine = options.plugin ? `plugin "${options.plugin}"` : 'this bot';
        throw new TypeError(`Command name "${n}" is already used by command "${taken.name}"${owner}; ${mine} must pick another name or alias.`);
      }
    }
    if (new Set(names).size !== names.length) throw new TypeError(`Command "${name}" lists the same name twice in its aliases.`);
    const args = options.args ?? {};
    validateSchema(name, args);
    validateAcl(name, options.allow);
    const def: CommandDefinition = Object.freeze({
      name,
      aliases: Object.freeze([...(options.aliases ?? [])]),
      plugin: options.plugin,
      description: options.description ?? '',
      usage: options.usage,
      hidden: options.hidden ?? false,
      args,
      allow: options.allow,
      cooldown: options.cooldown ? validateCooldown(`command "${name}"`, options.cooldown) : false,
    });
    this.byName.set(name, def);
    for (const a of def.aliases) this.byAlias.set(a, def);
    return def;
  }

  /** The command a name or alias refers to. */
  resolve(name: string): CommandDefinition | undefined {
    return this.byName.get(name) ?? this.byAlias.get(name);
  }

  /** Whether the subject passes the command's ACL. */
  canRun(def: CommandDefinition, accountId: string, conversationId: string | undefined, isDirect: boolean): boolean {
    return evaluateAcl(def.allow, { accountId, conversationId, isDirect }, this.settings.acl);
  }

  /** The usage line of a command. */
  usage(def: CommandDefinition, prefix: string = this.settings.prefix): string {
    if (def.usage !== undefined) return def.usage;
    const args = describeArgs(def.args);
    return `${prefix}${def.name}${args ? ` ${args}` : ''}`;
  }

  /** Every command, for help, in registration order. */
  commands(prefix: string = this.settings.prefix): CommandInfo[] {
    return [...this.byName.values()].map((def) => ({
      name: def.name,
      aliases: def.aliases,
      plugin: def.plugin,
      description: def.description,
      usage: this.usage(def, prefix),
      hidden: def.hidden,
      canRun: (accountId: string, conversationId: string) =>
        this.canRun(def, accountId, conversationId, this.settings.conversations?.isDirect(conversationId) ?? false),
    }));
  }

  /** The closest visible command name or alias, if close enough to be a typo. */
  suggest(name: string): string | undefined {
    const visible: string[] = [];
    for (const def of this.byName.values()) if (!def.hidden) visible.push(def.name, ...def.aliases);
    if (visible.length === 0 || name.length > MAX_NAME_LENGTH) return undefined;
    const best = closest(name, visible);
    // Edit distance counts a swapped pair of letters as 2, the commonest typo.
    const limit = name.length <= 2 ? 1 : name.length <= 5 ? 2 : 3;
    return distance(name, best) <= limit ? best : undefined;
  }
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH || !VALID_NAME.test(name)) {
    throw new TypeError(
      `Command name ${JSON.stringify(name)} is not valid: use lower-case letters, digits, "_", "-" or "." (up to ${MAX_NAME_LENGTH} characters), e.g. "standup".`,
    );
  }
}
