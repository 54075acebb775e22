/**
 * The pipeline's public API: middleware, context, composer, commands and plugins.
 */
export { compose } from './compose.js';
export type { ComposedMiddleware, Middleware, Next } from './compose.js';
export { Context } from './context.js';
export type { MessageTarget, Savepoint, Sendable, Sender, TaskOptions } from './context.js';
export type { ContactInfo, ContactLookup, ContextDeps, ConversationLookup, EffectResult, PipelineConfig, QueuedEffect } from './deps.js';
export { Composer, toMiddlewareError } from './composer.js';
export type { ComposerOptions, ErrorHandler, Filtered, HearsContext, TaskKind } from './composer.js';
export { ComposeError, ContextError, MiddlewareError, PluginConfigError, PluginError } from './errors.js';
export type { PluginConfigIssue } from './errors.js';
export { BufferedKvView, DirectKvView, kvNamespace } from './kv-view.js';
export type { KvSetOptions, KvView, ScopedStore } from './kv-view.js';
export { arg, Arg, ArgError, parseArgs } from './command/args.js';
export type { AnyArg, ArgKind, ArgSchema, ArgsOf } from './command/args.js';
export { evaluateAcl, EMPTY_POLICY } from './command/acl.js';
export type { AclMatch, AclPolicy, AclRule, AclSubject } from './command/acl.js';
export { DEFAULT_COOLDOWN, COOLDOWN_NAMESPACE } from './command/cooldown.js';
export type { CooldownOptions } from './command/cooldown.js';
export { MAX_SCAN_CHARS, MAX_TOKENS, parseAddressing, tokenize } from './command/parse.js';
export type { AddressedBy, ParsedCommand } from './command/parse.js';
export { CommandRegistry } from './command/registry.js';
export type { CommandDefinition, CommandInfo, CommandOptions, CommandSettings } from './command/registry.js';
export type { CommandContext, CommandHandler } from './command/command-middleware.js';
export { definePlugin } from './plugin.js';
export type { AnyPlugin, BotApi, ConfigOf, CronDeclaration, CronOptions, JobControl, Plugin, PluginDefinition, ScheduleHandler } from './plugin.js';
export { PluginHost, loadPlugins } from './plugin-host.js';
export type { HandleResult, PluginCounters, PluginHostOptions } from './plugin-host.js';
export * from './events.js';
