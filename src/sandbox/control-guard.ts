/**
 * Who may call the control API (`/sandbox/…`). It creates accounts, injects faults and resets
 * the world, so a web page on another origin must not reach it:
 * - calls other than GET, HEAD and DELETE need `Content-Type: application/json`: a cross-site
 *   form or a `text/plain` fetch cannot set that without a CORS preflight, which the sandbox
 *   never grants (DELETE is always preflighted);
 * - the `Host` header must name a loopback address (`localhost`, `127.x.x.x`, `[::1]`), so a
 *   DNS-rebinding page whose host name now points at 127.0.0.1 is refused;
 * - with a control token set, every call needs `Authorization: Bearer <token>` (the token also
 *   lets calls through under a non-loopback Host). A sandbox bound beyond loopback without a
 *   token keeps its control API closed; the Fleep API and the playground are not affected.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { SandboxHttpError } from './errors.js';

/** The environment variable the CLI reads the control token from. */
export const CONTROL_TOKEN_ENV = 'FLEEPKIT_SANDBOX_TOKEN';

/** Whether `host` (an interface to bind, or a Host header's name without port) is loopback. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  return name === '::1' || name === '::ffff:127.0.0.1';
}

/** The host name of a Host header, without its port. */
function hostName(header: string): string {
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1);
  const colon = header.indexOf(':');
  return colon === -1 ? header : header.slice(0, colon);
}

function refuse(message: string): SandboxHttpError {
  return new SandboxHttpError(403, 'forbidden', message);
}

/** Checks control requests against the rules above. */
export class ControlGuard {
  private readonly token: Buffer | undefined;

  /**
   * @param boundHost the interface the sandbox listens on.
   * @param token the control token; required to use the control API beyond loopback.
   * @throws TypeError for an empty token.
   */
  constructor(
    private readonly boundHost: string,
    token: string | undefined,
  ) {
    if (token !== undefined && token.trim() === '') throw new TypeError(`The sandbox control token is empty; set ${CONTROL_TOKEN_ENV} to a long random string, or unset it.`);
    this.token = token === undefined ? undefined : Buffer.from(token);
  }

  /** Whether the control API is usable at all (bound to loopback, or a token is set). */
  get open(): boolean {
    return this.token !== undefined || isLoopbackHost(this.boundHost);
  }

  /** @throws SandboxHttpError 403 saying what is missing. */
  check(method: string, headers: IncomingHttpHeaders): void {
    if (method !== 'GET' && method !== 'HEAD' && method !== 'DELETE') {
      const type = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json') {
        throw refuse(`The control API takes ${method} requests only with Content-Type: application/json (got ${type === '' ? 'none' : JSON.stringify(type)}); cross-site requests are refused.`);
      }
    }
    if (this.token) {
      if (!this.hasToken(headers.authorization)) throw refuse('The control API needs the sandbox token: send Authorization: Bearer <token>.');
      return;
    }
    if (!isLoopbackHost(this.boundHost)) {
      throw refuse(`The control API is closed: the sandbox listens on ${this.boundHost}, beyond loopback. Set ${CONTROL_TOKEN_ENV} and send Authorization: Bearer <token>.`);
    }
    const host = headers.host;
    if (host === undefined || !isLoopbackHost(hostName(host))) {
      throw refuse(`The control API answers only requests for localhost, 127.0.0.1 or [::1] (Host was ${host === undefined ? 'missing' : JSON.stringify(host)}); this refuses DNS-rebinding pages.`);
    }
  }

  private hasToken(authorization: string | undefined): boolean {
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    if (!match || !this.token) return false;
    const given = Buffer.from(match[1]!.trim());
    return given.length === this.token.length && timingSafeEqual(given, this.token);
  }
}
