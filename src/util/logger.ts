/**
 * The structured logger (pino 9) with secret redaction built in.
 *
 * Correlation ids: components add context with `logger.child(...)`, always under these names so
 * logs can be joined across components:
 * - `eventId` — the framework event being handled (also the dead-letter / outbox key),
 * - `conversationId` — the Fleep conversation,
 * - `plugin` — the plugin whose handler, job or error this is.
 */
import { pino } from 'pino';
import type { Bindings, ChildLoggerOptions, DestinationStream, Logger as PinoLogger, LoggerOptions as PinoOptions } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { createRedactor } from './redact.js';
import type { SecretSet } from './redact.js';

/** The logger type every fleepkit component accepts (a pino logger). */
export type Logger = PinoLogger;

/** Log levels, most to least severe, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A stream the logger writes finished lines to; `isTTY` decides `pretty: 'auto'`. */
export type LogDestination = DestinationStream & { isTTY?: boolean };

/**
 * Options of {@link createLogger}.
 * @example
 * createLogger({ level: 'debug', pretty: 'auto', secrets: () => [config.fleep.password, session.ticket] })
 */
export interface LoggerOptions {
  /** Minimum level written. @default 'info' */
  level?: LogLevel;
  /** Human-readable output; `'auto'` means pretty when the destination is a TTY. @default 'auto' */
  pretty?: boolean | 'auto';
  /** Where lines go. @default process.stdout */
  destination?: LogDestination;
  /**
   * Current secret values (configured password, the live `ticket` and `token_id`…). Called for
   * every line, so a new ticket is redacted from the moment it exists.
   * @default () => []
   */
  secrets?: () => Iterable<string>;
  /**
   * Turns off value redaction (keys such as `password` stay censored). Local debugging only:
   * never enable it where logs are shipped or kept.
   * @default false
   */
  sensitiveLogs?: boolean;
  /** Fields on every line. @default {} (no pid/hostname) */
  base?: Record<string, unknown>;
}

/**
 * Creates the logger. Every line is redacted in two passes: the arguments of the call (keys
 * such as `password`/`ticket`/`authorization` at any depth, and every secret value inside
 * strings, URLs, Errors with their stacks and `cause` chains) and then the finished line.
 * Key redaction is done by our deep walk rather than pino's `redact` paths, which cannot match
 * a key case-insensitively at any depth.
 * @throws TypeError when `level` is not one of {@link LOG_LEVELS}.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new TypeError(`Unknown log level ${JSON.stringify(level)}; use one of ${LOG_LEVELS.join(', ')}`);
  }
  const destination: LogDestination = options.destination ?? process.stdout;
  const sources = new Set<() => Iterable<string>>(options.secrets ? [options.secrets] : []);
  const redactor = createRedactor({ secrets: () => [...sources].flatMap((source) => [...source()]), redactValues: options.sensitiveLogs !== true });
  const pretty = options.pretty === 'auto' || options.pretty === undefined ? destination.isTTY === true : options.pretty;

  const pinoOptions: PinoOptions = {
    level,
    base: options.base ? (redactor.snapshot().value(options.base) as Record<string, unknown>) : {},
    serializers: { err: (err: unknown) => redactor.snapshot().value(err) },
    hooks: {
      logMethod(args, method) {
        const redacted = redactArgs(args as unknown[], redactor.snapshot());
        (method as (...a: unknown[]) => void).apply(this, redacted);
      },
      // Safety net: whatever reached the line (interpolation, bindings made before a secret
      // was known) is redacted once more in its serialised form.
      streamWrite: (line) => redactor.snapshot().line(line),
    },
  };
  const logger = pino(pinoOptions, pretty ? prettyDestination(destination) : destination);
  redactChildBindings(logger, () => redactor.snapshot());
  // Children are created from their parent object, so they find the root's sources too.
  Object.defineProperty(logger, SECRET_SOURCES, { value: sources });
  return logger;
}

const SECRET_SOURCES = Symbol('fleepkit.logger.secretSources');

/**
 * Adds secret values to a logger made by {@link createLogger} (or a child of one), redacted from
 * every line from now on: a `Bot` registers its password and live session this way, however it
 * was started. Returns a function that removes them again, or `undefined` when the logger was not
 * made by {@link createLogger} (its redaction is then up to whoever made it).
 * @example const forget = addLogSecrets(logger, () => [password, ...client.liveSecrets()]);
 */
export function addLogSecrets(logger: Logger, secrets: () => Iterable<string>): (() => void) | undefined {
  const sources = (logger as unknown as { [SECRET_SOURCES]?: Set<() => Iterable<string>> })[SECRET_SOURCES];
  if (sources === undefined) return undefined;
  sources.add(secrets);
  return () => sources.delete(secrets);
}

/** A logger that drops everything; the default wherever a logger is optional. */
export const silentLogger: Logger = pino({ level: 'silent' });

function redactArgs(args: unknown[], secrets: SecretSet): unknown[] {
  const [first, ...rest] = args;
  const tail = rest.map((a) => (typeof a === 'string' ? secrets.string(a) : secrets.value(a)));
  if (first instanceof Error) {
    // Keep pino's convention (`err` key, message defaults to the error's) on the redacted copy.
    const msg = tail.length > 0 ? tail : [secrets.string(first.message)];
    return [{ err: secrets.value(first) }, ...msg];
  }
  if (typeof first === 'string') return [secrets.string(first), ...tail];
  if (first !== null && typeof first === 'object') return [secrets.value(first), ...tail];
  return [first, ...tail];
}

/** pino copies child bindings straight into its output; redact them on the way in. */
function redactChildBindings(logger: Logger, snapshot: () => SecretSet): void {
  // Unbound on purpose: `this` must be the logger `.child()` is called on (root or a child).
  const original = logger.child as unknown as (this: Logger, b: Bindings, o?: ChildLoggerOptions) => Logger;
  const child = function (this: Logger, bindings: Bindings, opts?: ChildLoggerOptions): Logger {
    return original.call(this, snapshot().value(bindings) as Bindings, opts);
  };
  // Children inherit from their parent object, so they pick up this wrapper too.
  (logger as { child: unknown }).child = child;
}

function prettyDestination(destination: LogDestination): DestinationStream {
  const prettify = prettyFactory({
    colorize: destination.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
  return {
    write(line: string): void {
      destination.write(prettify(line));
    },
  };
}
