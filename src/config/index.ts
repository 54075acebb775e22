/** Configuration: `bot.config.yaml` → a validated, typed {@link FleepkitConfig}. */
export { ConfigError, formatIssue, formatPath } from './errors.js';
export type { ConfigIssue, ConfigPath } from './errors.js';
export type { ConfigEnv } from './interpolate.js';
export { defaultConfig, loadConfig, parseConfig } from './load.js';
export type { LoadConfigOptions, ParseConfigOptions } from './load.js';
export { BUILTIN_PLUGINS } from './plugins.js';
export { MASK, collectSecrets, maskSecrets } from './secrets.js';
export type {
  BotConfig,
  FleepConfig,
  FleepkitConfig,
  HttpConfig,
  LoadedConfig,
  LogConfig,
  OutboundConfig,
  PluginEntry,
  PluginSource,
  RuntimeConfig,
  SandboxConfig,
  StoreConfig,
} from './types.js';
