/**
 * The login session: the credentials kept for transparent re-login, the `token_id` cookie and
 * the `ticket`. All of them live in private fields so they cannot reach logs, errors,
 * `JSON.stringify` or `util.inspect`.
 */
import { inspect } from 'node:util';
import type { ContactRecord } from './records.js';

/** What a successful `account/login` establishes. */
export interface SessionState {
  ticket: string;
  token: string;
  accountId: string;
  profile: ContactRecord | undefined;
}

/**
 * Extracts the `token_id` value from `Set-Cookie` header(s).
 * @returns the token, or undefined when no `token_id` cookie was set.
 */
export function parseTokenCookie(setCookie: unknown): string | undefined {
  const lines = Array.isArray(setCookie) ? setCookie : typeof setCookie === 'string' ? [setCookie] : [];
  for (const line of lines) {
    if (typeof line !== 'string') continue;
    const first = line.split(';', 1)[0] ?? '';
    const eq = first.indexOf('=');
    if (eq < 0) continue;
    if (first.slice(0, eq).trim() !== 'token_id') continue;
    const value = first.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    if (value !== '') return value;
  }
  return undefined;
}

/** Holds one account's session. Internal to the client; never exported from the package. */
export class Session {
  #email: string | undefined;
  #password: string | undefined;
  #state: SessionState | undefined;
  #generation = 0;
  /** Tokens replaced by a later `Set-Cookie`, still redacted wherever they turn up. */
  #retired: string[] = [];

  /** Remembers the credentials for re-login. */
  remember(email: string, password: string): void {
    this.#email = email;
    this.#password = password;
  }

  /** The remembered credentials, for re-login only. */
  credentials(): { email: string; password: string } | undefined {
    return this.#email !== undefined && this.#password !== undefined ? { email: this.#email, password: this.#password } : undefined;
  }

  /** Installs a fresh ticket and token; bumps the generation so stale 401s are recognised. */
  establish(state: SessionState): void {
    this.#state = state;
    this.#generation++;
  }

  /**
   * Takes a `token_id` the server set on any later answer (Fleep's own iOS library re-reads it
   * from every response). A changed token bumps the generation, so a request that still carried
   * the old cookie and got 401 retries with the new one instead of logging in again.
   * @returns true when the token changed.
   */
  renewToken(token: string): boolean {
    if (this.#state === undefined || token === this.#state.token) return false;
    this.#retired = [this.#state.token, ...this.#retired].slice(0, 4);
    this.#state = { ...this.#state, token };
    this.#generation++;
    return true;
  }

  /** Forgets the ticket, token and credentials (after logout). */
  clear(): void {
    this.#retired = [];
    this.#state = undefined;
    this.#email = undefined;
    this.#password = undefined;
    this.#generation++;
  }

  /** Increases with every login or logout. */
  get generation(): number {
    return this.#generation;
  }

  /** True while a ticket and token are held. */
  get active(): boolean {
    return this.#state !== undefined;
  }

  /** The logged-in account id. */
  get accountId(): string | undefined {
    return this.#state?.accountId;
  }

  /** The bot's own contact record from login. */
  get profile(): ContactRecord | undefined {
    return this.#state?.profile;
  }

  /** The ticket to put in a body, or undefined when logged out. */
  ticket(): string | undefined {
    return this.#state?.ticket;
  }

  /** The `Cookie` header value, or undefined when logged out. */
  cookie(): string | undefined {
    return this.#state ? `token_id=${this.#state.token}` : undefined;
  }

  /** The live ticket and token (not the password), for value-based log redaction only. */
  liveSecrets(): string[] {
    return this.#state ? [this.#state.ticket, this.#state.token] : [];
  }

  /** Replaces every secret this session knows with `[redacted]`. */
  redact(text: string): string {
    let out = text;
    for (const secret of [this.#password, this.#state?.ticket, this.#state?.token, ...this.#retired]) {
      if (secret !== undefined && secret.length > 0) out = out.split(secret).join('[redacted]');
    }
    return out;
  }

  /** Serialises without secrets. */
  toJSON(): Record<string, unknown> {
    return { accountId: this.accountId, active: this.active };
  }

  /** Inspects without secrets. */
  [inspect.custom](): string {
    return `Session { accountId: ${String(this.accountId)}, active: ${this.active} }`;
  }
}
