/**
 * The operability endpoint (node:http): `/healthz` (the process answers), `/readyz` (logged in
 * and polling, else 503 with a JSON reason), `/metrics` (Prometheus text) and, when given,
 * `/inspect` (what `fleepkit inspect` reads and does; loopback clients only). It knows nothing of
 * the bot: the caller passes a readiness probe, a metrics renderer and an inspect handler.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What a readiness probe answers. */
export interface Readiness {
  /** `true` when the bot is logged in and polling. */
  ready: boolean;
  /** Why it is not ready (or a short status when it is), shown in the JSON body. */
  reason: string;
}

/**
 * Options of {@link startHttpServer}.
 * @example startHttpServer({ port: 8701, ready: () => ({ ready: bot.isRunning, reason: 'polling' }), metrics: () => registry.metrics() })
 */
export interface HttpServerOptions {
  /** Interface to bind. @default '127.0.0.1' */
  host?: string;
  /** TCP port; 0 picks a free one. @default 8701 */
  port?: number;
  /** Readiness probe, called for each `/readyz`. */
  ready: () => Readiness;
  /** Renders the Prometheus exposition text, called for each `/metrics`. */
  metrics: () => Promise<string>;
  /** Content type of the metrics text. @default 'text/plain; version=0.0.4; charset=utf-8' */
  metricsContentType?: string;
  /**
   * Serves `GET /inspect` (a report) and `POST /inspect` (an action, JSON body) to clients on
   * the loopback interface that name a loopback host; others get 403. Resolves the status and
   * JSON body to answer. @default not served
   */
  inspect?: InspectHandler;
}

/** The `/inspect` handler: `body` is the parsed JSON of a POST, `undefined` for a GET. */
export type InspectHandler = (request: { method: 'GET' | 'POST'; body: unknown }) => Promise<{ status: number; body: unknown }>;

/** Largest `POST /inspect` body read. */
const MAX_INSPECT_BODY = 64 * 1024;

/** A running operability server. */
export interface HttpServerHandle {
  /** Base URL, e.g. `http://127.0.0.1:8701`. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and closes open connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the health/readiness/metrics server.
 * @throws Error naming the address when the port is taken or the host cannot be bound.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServerHandle> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8701;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`http port must be an integer 0–65535, got ${String(port)}`);
  const contentType = options.metricsContentType ?? 'text/plain; version=0.0.4; charset=utf-8';
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    void handle(req, res, options, contentType);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const hint = err.code === 'EADDRINUSE' ? '; set http.port to a free port, or http.enabled: false' : '';
      reject(new Error(`cannot start the health/metrics server on ${host}:${port} (${err.code ?? err.message})${hint}`, { cause: err }));
    });
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
    port: actual,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: HttpServerOptions, contentType: string): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === '/inspect' && options.inspect) return inspect(req, res, options.inspect);
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed; use GET' });
  try {
    switch (path) {
      case '/healthz':
        return send(res, 200, { status: 'ok' });
      case '/readyz': {
        const r = options.ready();
        return send(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', reason: r.reason });
      }
      case '/metrics': {
        const text = await options.metrics();
        res.writeHead(200, { 'content-type': contentType });
        res.end(text);
        return;
      }
      default:
        return send(res, 404, { error: `unknown path ${path}; try /healthz, /readyz or /metrics` });
    }
  } catch (error) {
    // A failing probe or collector must not take the endpoint down; report it as not ready.
    send(res, 500, { error: error instanceof Error ? error.message : String(error) });
  }
}

/**
 * `/inspect` shows dead-lettered message texts and changes state, so it answers only local
 * clients: the peer must be on loopback (not the network, even with `http.host: 0.0.0.0`), the
 * Host header must name loopback (no DNS rebinding from a browser) and a POST must carry JSON
 * (a cross-site form cannot send that without a preflight this server never grants).
 */
async function inspect(req: IncomingMessage, res: ServerResponse, handler: InspectHandler): Promise<void> {
  if (!isLoopback(req.socket.remoteAddress) || !isLoopbackHost(req.headers.host)) {
    return send(res, 403, { error: 'inspect is served to loopback clients only: run `fleepkit inspect` on the bot\'s host (or through a port forward to 127.0.0.1)' });
  }
  try {
    if (req.method === 'GET' || req.method === 'HEAD') {
      const r = await handler({ method: 'GET', body: undefined });
      return send(res, r.status, r.body);
    }
    if (req.method !== 'POST') return send(res, 405, { error: 'method not allowed; use GET /inspect or POST /inspect' });
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      return send(res, 415, { error: 'POST /inspect needs Content-Type: application/json and a body like {"action":"retry","id":"…"}' });
    }
    const text = await readBody(req);
    if (text === undefined) return send(res, 413, { error: `body larger than ${MAX_INSPECT_BODY} bytes` });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return send(res, 400, { error: 'body is not JSON; send {"action":"retry"|"drop"|"cancel","id":"…"}' });
    }
    const r = await handler({ method: 'POST', body });
    return send(res, r.status, r.body);
  } catch (error) {
    send(res, 500, { error: error instanceof Error ? error.message : String(error) });
  }
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_INSPECT_BODY) {
        resolve(undefined);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\./.test(a);
}

function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
