/**
 * The pipeline's error classes. Decisions go through `instanceof` and `code`, never message text.
 */

/** A middleware or handler threw (or rejected) while handling one event. */
export class MiddlewareError extends Error {
  readonly code = 'MIDDLEWARE' as const;
  /** Id of the event being handled (see `BaseEvent.id`). */
  readonly eventId: string;
  /** The plugin whose handler failed, when known. */
  readonly plugin: string | undefined;

  constructor(init: { eventId: string; plugin?: string | undefined; cause: unknown }) {
    const reason = init.cause instanceof Error ? init.cause.message : String(init.cause);
    const who = init.plugin === undefined ? 'A middleware' : `Plugin "${init.plugin}"`;
    super(`${who} failed on event ${init.eventId}: ${reason}`, { cause: init.cause });
    this.name = 'MiddlewareError';
    this.eventId = init.eventId;
    this.plugin = init.plugin;
  }
}

/** A context helper was used where it makes no sense; the message says what to pass instead. */
export class ContextError extends Error {
  readonly code = 'CONTEXT' as const;

  constructor(message: string) {
    super(message);
    this.name = 'ContextError';
  }
}

/** `compose()` detected a broken middleware protocol (next() twice, next() not awaited). */
export class ComposeError extends Error {
  readonly code = 'COMPOSE' as const;

  constructor(message: string) {
    super(message);
    this.name = 'ComposeError';
  }
}

/** Handlers were registered after the bot started, or a plugin definition is wrong. */
export class PluginError extends Error {
  readonly code = 'PLUGIN' as const;
  /** The plugin concerned, when known. */
  readonly plugin: string | undefined;

  constructor(message: string, plugin?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PluginError';
    this.plugin = plugin;
  }
}

/** One problem in a plugin's configuration. */
export interface PluginConfigIssue {
  /** Dotted key path inside the plugin's config, e.g. `channels.0.id` (`''` for the root). */
  path: string;
  /** What was wrong and what was expected. */
  message: string;
}

/** A plugin's config failed its zod schema. */
export class PluginConfigError extends Error {
  readonly code = 'PLUGIN_CONFIG' as const;
  readonly plugin: string;
  readonly issues: readonly PluginConfigIssue[];

  constructor(plugin: string, issues: PluginConfigIssue[]) {
    const lines = issues.map((i) => `  - plugins.${plugin}${i.path ? `.${i.path}` : ''}: ${i.message}`);
    super(`Plugin "${plugin}" has an invalid config; fix these keys under plugins.${plugin}:\n${lines.join('\n')}`);
    this.name = 'PluginConfigError';
    this.plugin = plugin;
    this.issues = issues;
  }
}
