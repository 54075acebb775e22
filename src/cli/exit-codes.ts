/**
 * The CLI's exit codes, one table shared by the help text, the docs and `main.ts`.
 */
import { FleepApiError, SessionExpiredError } from '../api/errors.js';
import { ConfigError } from '../config/errors.js';
import { StoreCorruptError } from '../store/store.js';
import { PluginLoadError } from './load-plugins.js';

/** Exit codes of `fleepkit`. */
export const EXIT = {
  /** Finished normally (also after Ctrl-C / SIGTERM and a graceful stop). */
  ok: 0,
  /** The bot or sandbox failed while running (network, a fatal poll error, a crash). */
  runtime: 1,
  /** Bad command line, invalid config, or a plugin that cannot be loaded, configured or set up. */
  usage: 2,
  /** The store file is unreadable (with `store.onCorrupt: refuse`). */
  storeCorrupt: 3,
  /** Fleep refused the bot's login (wrong email/password, or the session cannot be renewed). */
  loginFailed: 4,
} as const;

/** The help text's "Exit codes" paragraph. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  ok (also after Ctrl-C / SIGTERM once everything stopped)
  1  runtime failure (network, fatal poll error, crash)
  2  usage or config error (bad option, invalid bot.config.yaml, a plugin that cannot load,
     has invalid options or fails in setup(); fleepkit check finds them all)
  3  store corrupt (the SQLite file is unreadable; see store.onCorrupt)
  4  login failed (check fleep.email / fleep.password, FLEEP_EMAIL / FLEEP_PASSWORD)`;

/** A usage problem found by the CLI itself (bad option value). */
export class UsageError extends Error {
  /** Machine-readable code. */
  readonly code = 'USAGE' as const;
  /** @param message what is wrong and what to pass instead. */
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Which exit code an error leads to. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof ConfigError || error instanceof UsageError || error instanceof PluginLoadError) return EXIT.usage;
  if (error instanceof AggregateError && error.errors.every((e) => e instanceof PluginLoadError)) return EXIT.usage;
  // A recording file that cannot be used (src/record, loaded lazily): bad input.
  if ((error as { code?: unknown } | null)?.code === 'RECORDING_INVALID') return EXIT.usage;
  if (error instanceof StoreCorruptError) return EXIT.storeCorrupt;
  if (error instanceof SessionExpiredError) return EXIT.loginFailed;
  if (error instanceof FleepApiError && error.method === 'account/login') return EXIT.loginFailed;
  return EXIT.runtime;
}
