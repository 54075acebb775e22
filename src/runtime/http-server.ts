/**
 * The operability endpoint (node:http): `/healthz` (the process answers), `/readyz` (logged in
 * and polling, else 503 with a JSON reason) and `/metrics` (Prometheus text). It knows nothing of
 * the bot: the caller passes a readiness probe and a metrics renderer.
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
}

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

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
