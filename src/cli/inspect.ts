/**
 * `fleepkit inspect`: looks inside a bot — through a running bot's HTTP port (`/inspect`) when
 * one answers, else in the configured store file — and retries, drops or cancels by id.
 */
import { existsSync } from 'node:fs';
import type { ConfigEnv } from '../config/interpolate.js';
import { loadConfig } from '../config/load.js';
import type { FleepkitConfig } from '../config/types.js';
import { createStore } from '../store/index.js';
import { systemClock } from '../util/clock.js';
import { EXIT, UsageError } from './exit-codes.js';
import { formatReport } from './inspect-format.js';
import { InspectActionError, collectReport, runAction } from './inspect-report.js';
import type { ActionResult, InspectAction, InspectReport } from './inspect-report.js';

/** Options of `fleepkit inspect`, as commander parses them. */
export interface InspectCliOptions {
  /** Config file. */
  config: string;
  /** A running bot's HTTP base URL (e.g. `http://127.0.0.1:8701`); skips the config's. */
  url?: string;
  /** Read the store file even when a bot answers. */
  store?: boolean;
  /** Print JSON instead of text. */
  json?: boolean;
  retry?: string;
  drop?: string;
  cancel?: string;
}

/** Where the output goes. */
export interface InspectIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: ConfigEnv;
}

/** What inspect talks to: a running bot or the store, one method per operation. */
interface Source {
  report(): Promise<InspectReport>;
  act(action: InspectAction): Promise<ActionResult>;
  close(): Promise<void>;
}

/** Runs `fleepkit inspect`; resolves to the exit code. @throws ConfigError/UsageError for bad input. */
export async function runInspect(opts: InspectCliOptions, io: InspectIo): Promise<number> {
  const action = actionOf(opts);
  const source = await openSource(opts, io);
  try {
    if (!action) {
      const report = await source.report();
      io.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
      return EXIT.ok;
    }
    try {
      const result = await source.act(action);
      io.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `${result.message}\n`);
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof InspectActionError)) throw error;
      if (opts.json) io.stdout.write(`${JSON.stringify({ error: error.message, code: error.code }, null, 2)}\n`);
      io.stderr.write(`error: ${error.message}\n`);
      return error.code === 'FAILED' ? EXIT.runtime : EXIT.usage;
    }
  } finally {
    await source.close();
  }
}

function actionOf(opts: InspectCliOptions): InspectAction | undefined {
  const given = (['retry', 'drop', 'cancel'] as const).filter((a) => opts[a] !== undefined);
  if (given.length > 1) throw new UsageError(`Give one of --retry, --drop and --cancel at a time, got ${given.map((a) => `--${a}`).join(' and ')}.`);
  const a = given[0];
  if (a === undefined) return undefined;
  const id = opts[a]!;
  if (id.trim() === '') throw new UsageError(`--${a} needs an id; \`fleepkit inspect\` lists them (column ID).`);
  return { action: a, id };
}

async function openSource(opts: InspectCliOptions, io: InspectIo): Promise<Source> {
  if (opts.url !== undefined) {
    if (opts.store) throw new UsageError('Give either --url (a running bot) or --store (the store file), not both.');
    return botSource(normaliseUrl(opts.url));
  }
  const { config } = await loadConfig(opts.config, { env: io.env });
  if (!opts.store && config.http.enabled && config.http.port !== 0) {
    const url = configuredUrl(config);
    const bot = botSource(url);
    try {
      // Asking first tells "no bot running" apart from a bot that answers; one run reports once,
      // so that answer is the report.
      const report = await bot.report();
      return { ...bot, report: async () => report };
    } catch (error) {
      if (!(error instanceof BotUnreachableError)) throw error;
      // Nothing listens: the bot is not running, so its store file can be read directly.
    }
  }
  return storeSource(config, opts.config);
}

/** Nothing answers at the URL (connection refused). */
class BotUnreachableError extends Error {}

function botSource(url: string): Source {
  return {
    report: async () => (await request(url, 'GET')) as InspectReport,
    act: async (action) => (await request(url, 'POST', action)) as ActionResult,
    close: async () => undefined,
  };
}

async function request(url: string, method: 'GET' | 'POST', body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${url}/inspect`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code === 'ECONNREFUSED') throw new BotUnreachableError(`nothing answers at ${url}`);
    throw new Error(`cannot reach the bot at ${url}: ${code ?? (error as Error).message}`, { cause: error });
  }
  const text = await res.text();
  let json: { error?: string; code?: InspectActionError['code'] } | undefined;
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    json = undefined;
  }
  if (res.ok && json) return json;
  if (res.status === 404 && json?.code === undefined) {
    throw new UsageError(`${url} does not serve /inspect: is it a fleepkit bot's HTTP port (http.port in bot.config.yaml)?`);
  }
  if (json?.code) throw new InspectActionError(json.code, json.error ?? `HTTP ${res.status}`);
  throw new Error(`the bot at ${url} answered HTTP ${res.status}: ${json?.error ?? text.slice(0, 200)}`);
}

function normaliseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(/^https?:\/\//.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(raw)} is not a URL; pass the bot's HTTP base, e.g. http://127.0.0.1:8701`);
  }
  return url.origin;
}

function configuredUrl(config: FleepkitConfig): string {
  const { host, port } = config.http;
  // A bot bound to every interface is reached on loopback; /inspect answers loopback only.
  const reach = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reach.includes(':') ? `[${reach}]` : reach}:${port}`;
}

async function storeSource(config: FleepkitConfig, file: string): Promise<Source> {
  const s = config.store;
  if (s.kind === 'memory' || s.path === ':memory:') {
    throw new UsageError(
      `${file} keeps the store in memory, inside the bot process: start the bot with its HTTP port on (http.enabled, http.port) and inspect it there, or pass --url.`,
    );
  }
  if (!existsSync(s.path)) throw new UsageError(`There is no store at ${s.path} (store.path of ${file}) yet: the bot has not run with this config.`);
  // No integrity check: a running bot shares the file, and its own start checks it.
  const store = createStore({ sqlite: s.path, onCorrupt: 'refuse', sqliteOptions: { openCheck: 'none' } });
  await store.open();
  const target = { source: `store ${store.description}`, store, now: () => systemClock.now() };
  return {
    report: () => collectReport(target),
    act: (action) => runAction(target, action),
    close: () => store.close(),
  };
}
