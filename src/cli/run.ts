/**
 * `fleepkit run` as a function: config → sandbox (when embedded) → store → logger → plugins →
 * bot → health/metrics server, with a banner on the way up and an orderly stop on the way down.
 */
import { rm } from 'node:fs/promises';
import type { LoadedConfig } from '../config/types.js';
import type { ConfigEnv } from '../config/interpolate.js';
import { Bot } from '../runtime/bot.js';
import { BotStoppedError } from '../runtime/errors.js';
import { startHttpServer } from '../runtime/http-server.js';
import type { HttpServerHandle, InspectHandler } from '../runtime/http-server.js';
import { CONTROL_TOKEN_ENV, DEMO_LOGINS, DEMO_PASSWORD, startSandbox } from '../sandbox/index.js';
import type { SandboxHandle, SeedName } from '../sandbox/index.js';
import { catchStrayErrors, type StrayErrorSource } from '../runtime/stray-errors.js';
import { createStore } from '../store/index.js';
import type { Store } from '../store/store.js';
import { systemClock } from '../util/clock.js';
import type { Clock } from '../util/clock.js';
import { createLogger } from '../util/logger.js';
import type { LogDestination, Logger } from '../util/logger.js';
import { createMetrics } from '../util/metrics.js';
import { ObservedClient, instrumentBot } from './bot-metrics.js';
import { botOptionsFromConfig } from './bot-options.js';
import { UsageError } from './exit-codes.js';
import { loadPlugins, setupPlugins } from './load-plugins.js';

/**
 * Options of {@link runFromConfig}.
 * @example await runFromConfig(await loadConfig('bot.config.yaml', { env: process.env }), { stdout: process.stdout })
 */
export interface RunOptions {
  /** Delete the sandbox world file and the SQLite store (with its -wal/-shm) first. @default false */
  fresh?: boolean;
  /** Ignore the stored cursor and continue from the server's current horizon (`account/sync`). @default false */
  resync?: boolean;
  /** Environment (reserved for plugins' settings; the config is already interpolated). @default {} */
  env?: ConfigEnv;
  /** Where the banner and (unless `logger` is given) the log lines go. @default process.stdout */
  stdout?: LogDestination;
  /** A ready logger instead of one built from `log:`. */
  logger?: Logger;
  /** @default systemClock */
  clock?: Clock;
  /**
   * Catches errors that escape plugin code (rejections nobody handles, throws from timers) on
   * `source` (`process`): the bot's own are reported against their plugin and event and the bot
   * keeps running; `onUnclaimed` gets every other one (and should end the process, as Node would).
   * @default not caught
   */
  strayErrors?: { source: StrayErrorSource; onUnclaimed(error: unknown, kind: 'rejection' | 'exception'): void };
  /**
   * Aborting it stops the start wherever it is (login retries, the lease, a `--resync` login);
   * the promise then rejects with {@link BotStoppedError}.
   */
  signal?: AbortSignal;
}

/** A running bot with its embedded sandbox and health server. */
export interface RunHandle {
  readonly bot: Bot;
  /** The embedded sandbox, when `fleep.server: sandbox`. */
  readonly sandbox: SandboxHandle | undefined;
  /** The health/metrics server, unless `http.enabled: false`. */
  readonly http: HttpServerHandle | undefined;
  /** Base URL the bot talks to. */
  readonly server: string;
  readonly logger: Logger;
  /** Resolves when everything has stopped; carries the error when the bot stopped on its own after a fatal error. */
  readonly stopped: Promise<{ error?: Error }>;
  /** Stops the bot (draining handlers and the outbox), then the health server and the sandbox. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Runs a bot from a loaded config. Resolves once the bot is polling (after printing "ready").
 * @throws ConfigError/UsageError/PluginLoadError for bad input, StoreCorruptError, or the login error.
 */
export async function runFromConfig(loaded: LoadedConfig, options: RunOptions = {}): Promise<RunHandle> {
  const { config } = loaded;
  const out: LogDestination = options.stdout ?? process.stdout;
  const clock = options.clock ?? systemClock;
  const signal = options.signal ?? new AbortController().signal;
  const notStopped = (stage: string): void => {
    if (signal.aborted) throw new BotStoppedError(stage);
  };
  let liveClient: ObservedClient | undefined;
  const logger =
    options.logger ??
    createLogger({
      level: config.log.level,
      pretty: config.log.pretty,
      sensitiveLogs: config.log.sensitiveLogs,
      destination: out,
      // Configured secrets, and the live ticket and token once logged in (R-32).
      secrets: () => (liveClient ? [...loaded.secrets, ...liveClient.liveSecrets()] : loaded.secrets),
    });
  const embedded = config.fleep.server === 'sandbox';
  const seed = config.sandbox.seed;
  if (embedded && seed !== 'demo' && seed !== 'empty') throw new UsageError(`sandbox.seed must be 'demo' or 'empty', got '${seed}'`);

  if (options.fresh) await wipeData(loaded, logger);
  const loadedPlugins = await loadPlugins(config.plugins, loaded.baseDir, { file: loaded.file, locate: loaded.locate });
  const { plugins } = loadedPlugins;

  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch((error: unknown) => logger.warn({ err: error }, 'cleanup failed'));
    cleanups.length = 0;
  };
  try {
    let sandbox: SandboxHandle | undefined;
    if (embedded) {
      sandbox = await startSandbox({
        port: config.sandbox.port,
        host: config.sandbox.host,
        seed: seed as SeedName,
        holdMs: config.sandbox.holdMs,
        ...(config.sandbox.dataFile ? { dataFile: config.sandbox.dataFile } : {}),
        ...(options.env?.[CONTROL_TOKEN_ENV] ? { controlToken: options.env[CONTROL_TOKEN_ENV] } : {}),
        logger: logger.child({ component: 'sandbox' }),
      }).catch((error: unknown) => portInUse(error, 'sandbox.port', config.sandbox.host, config.sandbox.port, loaded.file));
      const s = sandbox;
      cleanups.push(() => s.close());
    }
    const server = sandbox?.url ?? config.fleep.server;
    const email = embedded ? (config.fleep.email ?? 'bot@example.com') : config.fleep.email!;
    const password = embedded ? (config.fleep.password ?? DEMO_PASSWORD) : config.fleep.password!;

    const store = openStore(loaded, clock, logger);
    cleanups.push(() => store.close());
    await store.open();
    const client = new ObservedClient({ baseUrl: server, clock, logger: logger.child({ component: 'client' }) });
    liveClient = client;
    notStopped('store');
    if (options.resync) {
      await resyncCursor(client, store, email, password, logger, signal).catch((error: unknown) => {
        notStopped('login');
        throw error;
      });
    }
    const resumeFrom = await store.getCursor();

    const bot = new Bot({
      client,
      email,
      password,
      store,
      clock,
      logger,
      ...botOptionsFromConfig(config),
    });
    if (options.strayErrors) {
      const { source, onUnclaimed } = options.strayErrors;
      const off = catchStrayErrors(source, bot, (error, kind) => {
        logger.fatal({ err: error, kind }, 'an error escaped outside any plugin\'s event handling');
        onUnclaimed(error, kind);
      });
      cleanups.push(async () => off());
    }
    // Every plugin's setup runs, and every failure is reported at once (as `fleepkit check` does).
    await setupPlugins(bot, loadedPlugins);
    const instrumentation = instrumentBot(bot, client, createMetrics({ defaultMetrics: true }), clock);

    let http: HttpServerHandle | undefined;
    if (config.http.enabled) {
      let url = '';
      let inspect: InspectHandler | undefined;
      http = await startHttpServer({
        host: config.http.host,
        port: config.http.port,
        ready: instrumentation.readiness,
        metrics: instrumentation.render,
        // Loaded on the first request: most runs are never inspected.
        inspect: async (request) => {
          inspect ??= (await import('./inspect-endpoint.js')).inspectHandler(bot, client, clock, () => url);
          return inspect(request);
        },
      });
      url = http.url;
      const h = http;
      cleanups.push(() => h.close());
    }

    logger.info(
      {
        server: embedded ? `embedded sandbox ${server}` : server,
        account: email,
        plugins: plugins.map((p) => `${p.plugin.name} (${p.entry.source})`),
        store: store.description,
        cursor: resumeFrom ?? 'none: first start, from account/sync',
      },
      'starting bot',
    );
    if (sandbox) out.write(sandboxBanner(sandbox.url, seed));
    cleanups.push(() => bot.stop());
    notStopped('login');
    const stopOnAbort = (): void => void bot.stop();
    signal.addEventListener('abort', stopOnAbort, { once: true });
    try {
      await bot.start();
    } finally {
      signal.removeEventListener('abort', stopOnAbort);
    }
    out.write(`ready: ${email} is polling ${server} from horizon ${bot.cursor}${http ? `; health and metrics on ${http.url}/healthz, /readyz, /metrics` : ''}\n`);

    let resolveStopped!: (v: { error?: Error }) => void;
    const stopped = new Promise<{ error?: Error }>((resolve) => (resolveStopped = resolve));
    let fatal: Error | undefined;
    bot.events.on('error', (error) => {
      fatal = error;
      logger.error({ err: error }, 'the bot stopped after a fatal error');
    });
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= (async () => {
        await cleanup();
        resolveStopped(fatal ? { error: fatal } : {});
      })());
    // A bot that stops by itself (fatal poll error) takes the sandbox and server down with it.
    bot.events.on('stopped', () => void stop());
    return { bot, sandbox, http, server, logger, stopped, stop };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

function openStore(loaded: LoadedConfig, clock: Clock, logger: Logger): Store {
  const s = loaded.config.store;
  const storeLogger = logger.child({ component: 'store' });
  return s.kind === 'memory'
    ? createStore({ memory: true, clock })
    : createStore({ sqlite: s.path, onCorrupt: s.onCorrupt, clock, logger: storeLogger });
}

async function resyncCursor(client: ObservedClient, store: Store, email: string, password: string, logger: Logger, signal: AbortSignal): Promise<void> {
  await client.login(email, password, { signal });
  const horizon = (await client.accountSync({ signal })).event_horizon;
  const stored = await store.getCursor();
  // The cursor never moves backwards; a server whose horizon is lower is detected by the runtime.
  if (stored === undefined || horizon > stored) await store.commit({ cursor: horizon });
  await client.logout().catch(() => undefined);
  logger.warn({ from: stored ?? null, horizon }, '--resync: skipping to the server\'s current horizon; events in between are not handled');
}

/** `--fresh`: removes the sandbox world and the SQLite store, and nothing else. */
async function wipeData(loaded: LoadedConfig, logger: Logger): Promise<void> {
  const files: string[] = [];
  if (loaded.config.sandbox.dataFile) files.push(loaded.config.sandbox.dataFile);
  const s = loaded.config.store;
  if (s.kind === 'sqlite' && s.path !== ':memory:') files.push(s.path, `${s.path}-wal`, `${s.path}-shm`, `${s.path}-journal`);
  await Promise.all(files.map((f) => rm(f, { force: true })));
  logger.info({ removed: files }, '--fresh: starting over');
}

function sandboxBanner(url: string, seed: string): string {
  const lines = [`Fleep sandbox on ${url}`, `  Playground: ${url}/  (open it in a browser)`];
  if (seed === 'demo') {
    lines.push(`  Demo logins (password "${DEMO_PASSWORD}"):`);
    for (const l of DEMO_LOGINS) lines.push(`    ${l.email.padEnd(20)} ${l.display_name}`);
  }
  return lines.join('\n') + '\n';
}

/** A port that is taken says which option moves it; other errors pass through. */
function portInUse(error: unknown, option: string, host: string, port: number, file: string): never {
  if ((error as NodeJS.ErrnoException)?.code !== 'EADDRINUSE') throw error;
  throw new UsageError(
    `${host}:${port} is already in use (${option} in ${file}): stop what listens there (another \`fleepkit run\`?) or set ${option} to a free port (0 picks any)`,
  );
}
