/**
 * The {@link BotOptions} a `bot.config.yaml` sets: every option a `Bot` takes that is a value
 * rather than an object (client, store, clock, logger and plugins are built by `fleepkit run`).
 */
import type { FleepkitConfig } from '../config/types.js';
import type { BotOptions } from '../runtime/bot-options.js';

/** Bot options that come from code, not from the config file. */
type FromCode = 'server' | 'client' | 'email' | 'password' | 'store' | 'clock' | 'logger' | 'plugins' | 'pluginConfig' | 'random';

/**
 * Maps the validated config to Bot options.
 * @example new Bot({ client, email, password, store, ...botOptionsFromConfig(config) })
 */
export function botOptionsFromConfig(config: FleepkitConfig): Omit<BotOptions, FromCode> {
  const { bot, runtime, outbound } = config;
  return {
    prefix: bot.prefix,
    timezone: bot.timezone,
    admins: bot.admins,
    roles: bot.roles,
    cooldown: bot.cooldown === false ? false : { limit: bot.cooldown.limit, windowMs: bot.cooldown.window },
    unknownCommandReply: bot.unknownCommandReply,
    concurrency: runtime.concurrency,
    handlerTimeoutMs: runtime.handlerTimeout,
    maxAttempts: runtime.maxAttempts,
    drainTimeoutMs: runtime.drainTimeout,
    ...(runtime.instanceId !== undefined ? { instanceId: runtime.instanceId } : {}),
    ...(runtime.persistSnapshots !== undefined ? { persistSnapshots: runtime.persistSnapshots } : {}),
    outbound: {
      rates: outbound.pacing
        ? {
            perConversation: outbound.perConversation,
            global: { perSecond: outbound.global.perSecond, burst: outbound.global.burst ?? Math.max(1, Math.ceil(outbound.global.perSecond)) },
          }
        : false,
      maxRetryAfterMs: outbound.maxRetryAfter,
      giveUpMs: outbound.giveUpAfter,
      maxMessageLength: outbound.maxMessageLength,
      concurrency: outbound.concurrency,
    },
  };
}
