/**
 * The sandbox HTTP server (node:http): Fleep's API under `/api/`, the control API under
 * `/sandbox/`, the playground at `/`. Start it with {@link startSandbox}.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import type { ApiContext, ApiRoute } from './api/context.js';
import { ROUTES } from './api/routes.js';
import { handleControl } from './control.js';
import { ControlGuard } from './control-guard.js';
import { SandboxHttpError, badRequest, notAuthenticated } from './errors.js';
import { FaultInjector } from './faults.js';
import { handleHookPost } from './hook-endpoint.js';
import { readBody } from './http-body.js';
import { RequestLedger } from './ledger.js';
import { SnapshotWriter, readSnapshot } from './persistence.js';
import type { SeedName } from './seed.js';
import { applySeed } from './seed.js';
import { SandboxState } from './state.js';
import type { WorldSnapshot } from './state.js';
import { serveStatic } from './static.js';

/** A pino-compatible logger subset. */
export interface SandboxLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Options of {@link startSandbox}.
 * @example { port: 0, seed: 'demo', holdMs: 200 }
 */
export interface SandboxOptions {
  /** TCP port; 0 picks a free one. @default 8700 */
  port?: number;
  /** Interface to bind. @default '127.0.0.1' */
  host?: string;
  /** World to start with (ignored when `dataFile` exists). @default 'demo' */
  seed?: SeedName;
  /** How long a waiting `account/poll` is held, ms. @default 90000 */
  holdMs?: number;
  /** JSON snapshot file that keeps the world across restarts. @default none (memory only) */
  dataFile?: string;
  /** Clock for `posted_time`, `edited_time` and rate-limit windows. @default systemClock */
  clock?: Clock;
  /** Logger. @default silent */
  logger?: SandboxLogger;
  /**
   * Token the control API (`/sandbox/…`) requires as `Authorization: Bearer <token>`; without
   * one, a sandbox bound beyond loopback keeps its control API closed. The CLI reads it from
   * `FLEEPKIT_SANDBOX_TOKEN`. @default none
   */
  controlToken?: string;
}

/** A running sandbox. */
export interface SandboxHandle {
  /** Base URL, e.g. `http://127.0.0.1:8700` (API at `${url}/api/`). */
  readonly url: string;
  readonly port: number;
  /** The world, for in-process inspection. */
  readonly state: SandboxState;
  /** Accepted mutating requests and the `client_req_id` table. */
  readonly ledger: RequestLedger;
  /** The fault schedule. */
  readonly faults: FaultInjector;
  /** Account ids by email. */
  readonly accounts: Readonly<Record<string, string>>;
  /** Releases held polls, writes the snapshot and frees the port. */
  close(): Promise<void>;
}

/** The parts of a request URL the handlers read. */
type RequestUrl = Pick<URL, 'pathname' | 'searchParams'>;

/** An API path without query, escapes or dot segments: `new URL` would return it unchanged. */
const PLAIN_API_PATH = /^\/api\/[A-Za-z0-9_/-]*$/;


const silent: SandboxLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function lookupRoute(name: string): { route: ApiRoute; pathId: string | undefined } | undefined {
  const exact = ROUTES[name];
  if (exact) return { route: exact, pathId: undefined };
  const slash = name.lastIndexOf('/');
  if (slash === -1) return undefined;
  const scoped = ROUTES[name.slice(0, slash)];
  return scoped?.scoped ? { route: scoped, pathId: name.slice(slash + 1) } : undefined;
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendText(res, status, JSON.stringify(body), headers);
}

/** Sends a body that is already JSON text. */
function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, err: SandboxHttpError, extra: Record<string, string> = {}): void {
  sendJson(res, err.status, err.toBody(), { ...err.headers, ...extra });
}

/** Starts a sandbox. Resolves when it listens. */
export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const host = options.host ?? '127.0.0.1';
  const seed: SeedName = options.seed ?? 'demo';
  if (seed !== 'demo' && seed !== 'empty') throw new TypeError(`seed must be 'demo' or 'empty', got ${JSON.stringify(seed)}`);
  const holdMs = options.holdMs ?? 90_000;
  if (!Number.isFinite(holdMs) || holdMs < 0) throw new TypeError(`holdMs must be a non-negative number of ms, got ${holdMs}`);
  const log = options.logger ?? silent;
  const state = new SandboxState(options.clock ?? systemClock);
  const ledger = new RequestLedger();
  const faults = new FaultInjector();
  const inFlight = new Set<AbortController>();
  const guard = new ControlGuard(host, options.controlToken);
  if (!guard.open) log.warn({ host }, 'sandbox bound beyond loopback without a control token: /sandbox/ control API closed (set FLEEPKIT_SANDBOX_TOKEN)');

  const snapshot = (): unknown => ({ world: state.snapshot(), dedup: ledger.snapshot() });
  const writer = options.dataFile ? new SnapshotWriter(options.dataFile, snapshot, 250, (err) => log.error({ err }, 'sandbox snapshot write failed')) : undefined;
  const loaded = options.dataFile ? (readSnapshot(options.dataFile) as { world: WorldSnapshot; dedup: Parameters<RequestLedger['restore']>[0] } | undefined) : undefined;
  if (loaded) {
    state.restore(loaded.world);
    ledger.restore(loaded.dedup ?? []);
    log.info({ dataFile: options.dataFile }, 'sandbox world restored');
  } else {
    applySeed(state, seed);
  }
  if (writer) {
    state.onChange = () => writer.schedule();
    writer.schedule();
  }

  const reset = (): void => {
    state.clear();
    ledger.clear();
    faults.clear();
    applySeed(state, seed);
    writer?.schedule();
  };

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: RequestUrl): Promise<void> {
    const name = url.pathname.slice('/api/'.length).replace(/\/+$/, '');
    const found = lookupRoute(name);
    if (!found) return sendError(res, new SandboxHttpError(404, 'unknown_method', `Unknown API method ${name}`));
    const isUpload = name === 'file/upload';
    const verb = isUpload && url.searchParams.get('_method') === 'PUT' ? 'PUT' : req.method;
    if (verb !== 'POST' && !(isUpload && verb === 'PUT')) {
      return sendError(res, new SandboxHttpError(404, 'unknown_method', `${req.method} is not supported; Fleep API calls are POST with a JSON body`));
    }
    const read = await readBody(req);
    if (!read.ok) {
      if (read.reason === 'too_large') {
        sendJson(res, 413, { error_id: 'request_too_large', error_message: 'Request body exceeds 1 MiB; send less data per call' }, { connection: 'close' });
      }
      return;
    }
    let body: Record<string, unknown> = {};
    if (isUpload) {
      for (const [k, v] of url.searchParams) body[k] = v;
    } else if (read.body.length > 0) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(read.body.toString('utf8'));
      } catch {
        return sendError(res, badRequest('Malformed JSON body; send a JSON object with Content-Type: application/json'));
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return sendError(res, badRequest('Body must be a JSON object'));
      body = parsed as Record<string, unknown>;
    }
    const { route, pathId } = found;
    let session;
    if (route.auth !== false) {
      const token = cookie(req, 'token_id');
      const ticket = typeof body.ticket === 'string' ? body.ticket : undefined;
      if (!token || !ticket) return sendError(res, notAuthenticated('Missing ticket or token_id cookie; log in with account/login first'));
      session = state.sessions.get(token);
      if (!session || session.ticket !== ticket) return sendError(res, notAuthenticated());
      if (faults.expireSession()) {
        state.sessions.delete(session.token_id);
        return sendError(res, notAuthenticated());
      }
    }
    const account = session ? state.accounts.get(session.account_id) : undefined;
    if (session && !account) return sendError(res, notAuthenticated());
    const retryAfter = faults.rateLimited(account?.account_id ?? req.socket.remoteAddress ?? '?', state.now());
    if (retryAfter !== undefined) {
      // The fault limiter counts per account (or for everyone): say so, so clients pause every conversation (R-11).
      const errorId = faults.rateLimitScope() === 'global' ? 'global_rate_limited' : 'account_rate_limited';
      return sendJson(res, 429, { error_id: errorId, error_message: `Too many requests; retry after ${retryAfter} s`, retry_after: retryAfter }, { 'retry-after': String(retryAfter) });
    }
    if (faults.serverError(pathId)) return sendJson(res, 500, { error_id: 'internal_error', error_message: 'Injected server error (sandbox fault schedule)' });
    const latency = faults.latencyMs();
    if (latency > 0) await new Promise<void>((resolve) => setTimeout(resolve, latency));

    const clientReqId = route.mutating && typeof body.client_req_id === 'string' && body.client_req_id !== '' ? body.client_req_id : undefined;
    const extraHeaders: Record<string, string> = {};
    let response: unknown;
    // Mutating calls with a client_req_id are serialised once, for the de-dup table and the wire.
    let text: string | undefined;
    const repeat = clientReqId && account ? ledger.repeat(account.account_id, clientReqId, state.now()) : undefined;
    if (repeat) {
      text = repeat.responseJson;
    } else {
      // Only waiting calls (account/poll) read the signal, so the controller and the close
      // listener are made on first use instead of for every request.
      let controller: AbortController | undefined;
      const onClose = (): void => controller?.abort();
      const ctx: ApiContext = {
        state,
        account,
        session,
        body,
        pathId: pathId ? decodeURIComponent(pathId) : undefined,
        raw: read.body,
        headers: req.headers,
        setHeader: (k, v) => {
          extraHeaders[k] = v;
        },
        get signal(): AbortSignal {
          if (!controller) {
            controller = new AbortController();
            inFlight.add(controller);
            res.on('close', onClose);
            if (res.destroyed || req.socket.destroyed) controller.abort();
          }
          return controller.signal;
        },
        holdMs: faults.holdMs(holdMs),
        faults,
      };
      try {
        // A synchronous result is not awaited, so the `request` record pushed below lands before
        // any queued poll wake-up runs (one change, one batch) without relying on microtask order.
        const out = route.handler(ctx);
        response = out instanceof Promise ? await out : out;
      } catch (err) {
        if (err instanceof SandboxHttpError) return sendError(res, err);
        log.error({ err, method: name }, 'sandbox handler failed');
        return sendJson(res, 500, { error_id: 'internal_error', error_message: 'Internal sandbox error' });
      } finally {
        if (controller) {
          inFlight.delete(controller);
          res.off('close', onClose);
        }
      }
      if (route.mutating && account) {
        const sync = response as { header?: { conversation_id?: string }; result_message_nr?: number };
        const convId = pathId ?? sync.header?.conversation_id ?? null;
        if (clientReqId) {
          text = JSON.stringify(Object.assign({}, response, { client_req_id: clientReqId }));
          const rec: Record<string, unknown> = { mk_rec_type: 'request', client_req_id: clientReqId, conversation_id: convId };
          if (sync.result_message_nr !== undefined) rec.result_message_nr = sync.result_message_nr;
          state.streams.push(account.account_id, rec as { mk_rec_type: 'request'; client_req_id: string });
        }
        const { ticket: _ticket, ...logged } = body;
        const method = pathId ? name.slice(0, name.lastIndexOf('/')) : name;
        ledger.accept({ method, account_id: account.account_id, conversation_id: convId, body: logged, client_req_id: clientReqId ?? null, at: state.now() }, text);
        state.onChange();
      }
    }
    text ??= JSON.stringify(response);
    if (faults.connectionReset()) {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.write(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
      res.socket?.destroy();
      return;
    }
    sendText(res, 200, text, extraHeaders);
  }

  async function handleControlHttp(req: IncomingMessage, res: ServerResponse, url: RequestUrl): Promise<void> {
    guard.check(req.method ?? 'GET', req.headers);
    const read = await readBody(req);
    if (!read.ok) {
      if (read.reason === 'too_large') sendJson(res, 413, { error_id: 'request_too_large', error_message: 'Request body exceeds 1 MiB' }, { connection: 'close' });
      return;
    }
    let body: unknown = {};
    if (read.body.length > 0) {
      try {
        body = JSON.parse(read.body.toString('utf8'));
      } catch {
        return sendError(res, badRequest('Malformed JSON body'));
      }
    }
    const segments = url.pathname.slice('/sandbox/'.length).split('/').filter(Boolean).map(decodeURIComponent);
    sendJson(res, 200, handleControl({ state, ledger, faults, reset }, { method: req.method ?? 'GET', segments, query: url.searchParams, body }));
  }

  /** `POST /hook/<key>`: an incoming webhook post (no login). */
  async function handleHookHttp(req: IncomingMessage, res: ServerResponse, url: RequestUrl): Promise<void> {
    const read = await readBody(req);
    if (!read.ok) {
      if (read.reason === 'too_large') sendJson(res, 413, { error_id: 'request_too_large', error_message: 'Request body exceeds 1 MiB' }, { connection: 'close' });
      return;
    }
    const key = decodeURIComponent(url.pathname.slice('/hook/'.length).replace(/\/+$/, ''));
    sendJson(res, 200, handleHookPost(state, key, String(req.headers['content-type'] ?? ''), read.body));
  }

  const server = createServer((req, res) => {
    const raw = req.url ?? '/';
    const url: RequestUrl = PLAIN_API_PATH.test(raw) ? { pathname: raw, searchParams: new URLSearchParams() } : new URL(raw, 'http://sandbox.local');
    const run = async (): Promise<void> => {
      if (url.pathname.startsWith('/api/')) return handleApi(req, res, url);
      if (url.pathname.startsWith('/sandbox/')) return handleControlHttp(req, res, url);
      if (url.pathname.startsWith('/hook/') && req.method === 'POST') return handleHookHttp(req, res, url);
      if ((req.method === 'GET' || req.method === 'HEAD') && (await serveStatic(url.pathname, res, state))) return;
      sendError(res, new SandboxHttpError(404, 'unknown_method', `Nothing at ${req.method} ${url.pathname}; the API is POST /api/<method>`));
    };
    run().catch((err: unknown) => {
      if (err instanceof SandboxHttpError) return sendError(res, err);
      log.error({ err }, 'sandbox request failed');
      sendJson(res, 500, { error_id: 'internal_error', error_message: 'Internal sandbox error' });
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8700, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ url }, 'sandbox listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    state,
    ledger,
    faults,
    get accounts(): Readonly<Record<string, string>> {
      return Object.fromEntries([...state.accounts.values()].map((a) => [a.email, a.account_id]));
    },
    close(): Promise<void> {
      closing ??= (async () => {
        for (const c of inFlight) c.abort();
        // Let released polls write their answers before the sockets go.
        await new Promise<void>((resolve) => setImmediate(resolve));
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setImmediate(() => {
            for (const s of sockets) s.destroy();
          });
        });
        writer?.flush();
      })();
      return closing;
    },
  };
}
