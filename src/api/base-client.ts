/**
 * The transport core of {@link FleepClient}: session handling (login, logout, transparent
 * re-login on 401), the generic `call()`, retries with full-jitter back-off on the injected
 * clock, and error classification. Typed methods live in `client.ts`.
 */
import { randomUUID } from 'node:crypto';
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { inspect } from 'node:util';
import type { AxiosInstance, AxiosRequestConfig } from 'axios';
import { fullJitter } from '../util/backoff.js';
import { FleepApiError, FleepNetworkError, SessionExpiredError } from './errors.js';
import { apiErrorFrom, createHttp, networkErrorFrom, parseSuccessBody } from './http.js';
import type { RawResponse } from './http.js';
import { resolveClientOptions } from './options.js';
import type { FleepClientOptions, ResolvedClientOptions } from './options.js';
import type { ContactRecord, LoginResponse } from './records.js';
import { parseTokenCookie, Session } from './session.js';
import type { CallOptions } from './types.js';

/** What {@link FleepClient.login} returns (the ticket and token stay inside the client). */
export interface LoginResult {
  accountId: string;
  /** The bot's own ContactInfo (`profiles[0]`). */
  profile: ContactRecord | undefined;
}

/** Options of {@link FleepClient.login}. */
export interface LoginOptions {
  /** Ask for a long-lived cookie (`remember_me`). @default true */
  rememberMe?: boolean;
  signal?: AbortSignal;
}

/** Which transport a request uses: `poll` has its own instance and longer timeout. */
export type Transport = 'call' | 'poll';

/** How one request is built from the current ticket and cookie. */
export interface RequestSpec {
  method: string;
  transport: Transport;
  /** Safe to retry on network errors and 5xx. */
  retryable: boolean;
  build(ticket: string, cookie: string): AxiosRequestConfig;
}

/** Read methods: safe to retry, no `client_req_id` (PROTOCOL.md §7). */
export function isReadMethod(method: string): boolean {
  return (
    method === 'account/poll' ||
    method === 'search' ||
    method.startsWith('account/sync') ||
    method.startsWith('conversation/sync') ||
    method.startsWith('contact/')
  );
}

const SESSION_METHODS = new Set(['account/login', 'account/logout']);
const METHOD_SHAPE = /^[a-z][a-z0-9_]*(\/[a-z0-9_]+)*$/;

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** An auth refusal (4xx other than 429) as opposed to trouble reaching the server. */
function isAuthRefusal(error: unknown): boolean {
  return error instanceof FleepApiError && error.status >= 400 && error.status < 500 && error.status !== 429;
}

function isTransient(error: unknown): boolean {
  return error instanceof FleepNetworkError || (error instanceof FleepApiError && error.isServerError);
}

/** Validates a path id (conversation id) and returns it URL-encoded. */
export function pathId(what: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`${what} must be a non-empty id string such as a conversation UUID, got ${JSON.stringify(value)}`);
  }
  return encodeURIComponent(value);
}

/**
 * The transport core of the Fleep client. Use {@link FleepClient}, which adds typed methods.
 */
export class FleepClientBase {
  readonly #options: ResolvedClientOptions;
  readonly #session = new Session();
  readonly #http: AxiosInstance;
  readonly #pollHttp: AxiosInstance;
  #rememberMe = true;
  #authFailures = 0;
  #relogin: Promise<void> | undefined;

  /** @throws TypeError naming the offending option value. */
  constructor(options: FleepClientOptions = {}) {
    this.#options = resolveClientOptions(options);
    const { baseUrl, userAgent } = this.#options;
    this.#http = createHttp({ baseUrl, userAgent, timeoutMs: this.#options.requestTimeoutMs });
    this.#pollHttp = createHttp({ baseUrl, userAgent, timeoutMs: this.#options.pollTimeoutMs });
  }

  /** The logged-in account id, or undefined before login / after logout. */
  get accountId(): string | undefined {
    return this.#session.accountId;
  }

  /**
   * The live `ticket` and `token_id`, so a logger can redact them by value wherever they turn
   * up (R-32). Hand them to nothing else.
   * @example createLogger({ secrets: () => [...configSecrets, ...client.liveSecrets()] })
   */
  liveSecrets(): string[] {
    return this.#session.liveSecrets();
  }

  /** True while the client holds a session. */
  get isLoggedIn(): boolean {
    return this.#session.active;
  }

  /** The bot's own ContactInfo from login. */
  get profile(): ContactRecord | undefined {
    return this.#session.profile;
  }

  /** Consecutive failed re-logins since the last successful call. */
  get authFailures(): number {
    return this.#authFailures;
  }

  /** The server root this client talks to. */
  get baseUrl(): string {
    return this.#options.baseUrl;
  }

  /**
   * Logs in (`account/login`) and keeps the credentials, privately, for transparent re-login.
   * Network errors and 5xx are retried; a refusal (431 wrong credentials) surfaces at once.
   * @example const { accountId } = await client.login('bot@example.com', process.env.FLEEP_PASSWORD!);
   */
  async login(email: string, password: string, options: LoginOptions = {}): Promise<LoginResult> {
    if (typeof email !== 'string' || email.trim() === '') {
      throw new TypeError('login(email, password): email must be a non-empty string (an e-mail or Fleep address)');
    }
    if (typeof password !== 'string' || password === '') {
      throw new TypeError('login(email, password): password must be a non-empty string');
    }
    const rememberMe = options.rememberMe ?? true;
    await this.#withRetry('account/login', true, options.signal, () => this.#doLogin(email, password, rememberMe, options.signal));
    this.#session.remember(email, password);
    this.#rememberMe = rememberMe;
    this.#authFailures = 0;
    return { accountId: this.#session.accountId ?? '', profile: this.#session.profile };
  }

  /**
   * Logs out (`account/logout`) and forgets ticket, token and credentials, even when the call
   * fails. A 401 (session already gone) counts as success.
   */
  async logout(options: { signal?: AbortSignal } = {}): Promise<void> {
    const ticket = this.#session.ticket();
    const cookie = this.#session.cookie();
    if (ticket === undefined || cookie === undefined) return;
    try {
      await this.#send('account/logout', 'call', { method: 'post', url: '/api/account/logout', data: { ticket }, headers: { Cookie: cookie } }, options.signal);
    } catch (error) {
      if (!(error instanceof FleepApiError && error.status === 401)) throw error;
    } finally {
      this.#session.clear();
      this.#authFailures = 0;
    }
  }

  /**
   * Calls any Fleep method: POST JSON to `${baseUrl}/api/${method}[/${conversationId}]` with the
   * ticket in the body and the `token_id` cookie. Mutating methods get a `client_req_id`.
   * The body is sent verbatim (no escaping of message text; the typed methods do that).
   * Read calls and calls carrying `client_req_id` are retried on network errors and 5xx until
   * `retry.giveUpMs`; 401 triggers one re-login and one retry; other 4xx and 429 surface at once.
   * @throws FleepApiError, FleepNetworkError, SessionExpiredError, or the signal's reason on abort.
   * @example await client.call('message/send', { message: 'hi' }, { conversationId })
   */
  async call<T = Record<string, unknown>>(method: string, body: Record<string, unknown> = {}, options: CallOptions = {}): Promise<T> {
    return this.request<T>(method, body, options, 'call');
  }

  /** `call()` on a chosen transport; the typed `poll()` uses the `poll` one. */
  protected async request<T>(method: string, body: Record<string, unknown>, options: CallOptions, transport: Transport): Promise<T> {
    if (typeof method !== 'string' || !METHOD_SHAPE.test(method)) {
      throw new TypeError(`Fleep method must look like 'message/send', got ${JSON.stringify(method)}`);
    }
    if (SESSION_METHODS.has(method)) {
      throw new TypeError(`Use client.${method === 'account/login' ? 'login(email, password)' : 'logout()'} instead of call('${method}')`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new TypeError(`Body of ${method} must be a plain object, got ${JSON.stringify(body)}`);
    }
    const read = isReadMethod(method) || options.idempotent === true;
    const given = options.clientReqId ?? (typeof body['client_req_id'] === 'string' ? body['client_req_id'] : undefined);
    const clientReqId = read ? given : (given ?? randomUUID());
    const url = `/api/${method}${options.conversationId === undefined ? '' : `/${pathId('conversationId', options.conversationId)}`}`;
    const extra = clientReqId === undefined ? {} : { client_req_id: clientReqId };
    return this.execute<T>(
      {
        method,
        transport,
        retryable: options.retry !== false && (read || clientReqId !== undefined),
        build: (ticket, cookie) => ({
          method: 'post',
          url,
          data: { ...body, ...extra, ticket },
          headers: { Cookie: cookie, 'Content-Type': 'application/json' },
        }),
      },
      options.signal,
    );
  }

  /** Runs an authenticated request with retries and transparent re-login. */
  protected async execute<T>(spec: RequestSpec, signal: AbortSignal | undefined): Promise<T> {
    return this.#withRetry(spec.method, spec.retryable, signal, () => this.#authed<T>(spec, signal));
  }

  /**
   * Closes the idle keep-alive sockets of both connection pools. The client stays usable (new
   * requests open new sockets); call it on shutdown so no socket outlives the bot.
   */
  close(): void {
    for (const http of [this.#http, this.#pollHttp]) {
      (http.defaults.httpAgent as HttpAgent | undefined)?.destroy();
      (http.defaults.httpsAgent as HttpsAgent | undefined)?.destroy();
    }
  }

  /** Serialises without secrets. */
  toJSON(): Record<string, unknown> {
    return { baseUrl: this.#options.baseUrl, accountId: this.accountId, isLoggedIn: this.isLoggedIn };
  }

  /** Inspects without secrets. */
  [inspect.custom](): string {
    return `FleepClient { baseUrl: '${this.#options.baseUrl}', accountId: ${String(this.accountId)}, isLoggedIn: ${this.isLoggedIn} }`;
  }

  async #withRetry<T>(method: string, retryable: boolean, signal: AbortSignal | undefined, attempt: () => Promise<T>): Promise<T> {
    const { clock, retry, random, logger } = this.#options;
    const start = clock.now();
    for (let n = 0; ; n++) {
      if (signal?.aborted) throw abortReason(signal);
      try {
        return await attempt();
      } catch (error) {
        if (signal?.aborted) throw abortReason(signal);
        if (!retryable || !isTransient(error)) throw error;
        const elapsed = clock.now() - start;
        if (elapsed >= retry.giveUpMs) {
          logger.warn({ method, attempts: n + 1, elapsedMs: elapsed }, 'fleep call gave up');
          throw error;
        }
        const delayMs = Math.min(fullJitter(n, retry, random), retry.giveUpMs - elapsed);
        const reason = error instanceof FleepNetworkError ? error.reason : `HTTP ${(error as FleepApiError).status}`;
        logger.warn({ method, attempt: n + 1, delayMs, reason }, 'fleep call failed; retrying');
        await clock.sleep(delayMs, signal);
      }
    }
  }

  async #authed<T>(spec: RequestSpec, signal: AbortSignal | undefined): Promise<T> {
    if (this.#authFailures >= this.#options.maxReloginAttempts) {
      throw new SessionExpiredError(spec.method, this.#authFailures);
    }
    const generation = this.#session.generation;
    try {
      return await this.#sendAuthed<T>(spec, signal);
    } catch (error) {
      if (!(error instanceof FleepApiError && error.status === 401)) throw error;
      this.#options.logger.info({ method: spec.method }, 'fleep session rejected (401); logging in again');
      await this.#reloginOnce(spec.method, generation, signal, error);
    }
    try {
      return await this.#sendAuthed<T>(spec, signal);
    } catch (error) {
      if (!(error instanceof FleepApiError && error.status === 401)) throw error;
      this.#authFailures++;
      throw new SessionExpiredError(spec.method, this.#authFailures, { cause: error });
    }
  }

  async #sendAuthed<T>(spec: RequestSpec, signal: AbortSignal | undefined): Promise<T> {
    const ticket = this.#session.ticket();
    const cookie = this.#session.cookie();
    if (ticket === undefined || cookie === undefined) {
      throw new Error(`FleepClient is not logged in: call login(email, password) before ${spec.method}`);
    }
    const { data } = await this.#send<T>(spec.method, spec.transport, spec.build(ticket, cookie), signal);
    this.#authFailures = 0;
    return data;
  }

  /** Logs in again unless another caller already did since `generation`; shares one login. */
  async #reloginOnce(method: string, generation: number, signal: AbortSignal | undefined, cause: FleepApiError): Promise<void> {
    if (this.#session.generation !== generation && this.#session.active) return;
    const credentials = this.#session.credentials();
    if (credentials === undefined) {
      throw new SessionExpiredError(method, this.#authFailures, { cause });
    }
    if (this.#relogin === undefined) {
      const { clock, retry, random } = this.#options;
      const failures = this.#authFailures;
      this.#relogin = (async () => {
        // Back off between consecutive failed re-logins (RELIABILITY.md R-09: 1 s → 60 s, jittered).
        if (failures > 0) await clock.sleep(fullJitter(failures - 1, retry, random));
        try {
          await this.#doLogin(credentials.email, credentials.password, this.#rememberMe, undefined);
        } catch (error) {
          if (isAuthRefusal(error)) this.#authFailures++;
          throw error;
        }
      })().finally(() => {
        this.#relogin = undefined;
      });
    }
    try {
      await abortable(this.#relogin, signal);
    } catch (error) {
      if (isAuthRefusal(error)) throw new SessionExpiredError(method, this.#authFailures, { cause: error });
      throw error;
    }
  }

  async #doLogin(email: string, password: string, rememberMe: boolean, signal: AbortSignal | undefined): Promise<void> {
    const { raw, data } = await this.#send<LoginResponse>(
      'account/login',
      'call',
      { method: 'post', url: '/api/account/login', data: { email, password, remember_me: rememberMe }, headers: { 'Content-Type': 'application/json' } },
      signal,
    );
    const token = parseTokenCookie(raw.headers['set-cookie']);
    if (token === undefined || typeof data.ticket !== 'string' || typeof data.account_id !== 'string') {
      throw new FleepNetworkError('account/login', 'BAD_LOGIN_RESPONSE', {
        cause: new Error('account/login answered 2xx without a token_id cookie, ticket or account_id'),
      });
    }
    const profile = Array.isArray(data.profiles) ? data.profiles[0] : undefined;
    this.#session.establish({ ticket: data.ticket, token, accountId: data.account_id, profile });
    this.#options.logger.info({ accountId: data.account_id }, 'fleep login ok');
  }

  #tap(method: string, config: AxiosRequestConfig, raw: RawResponse): void {
    const tap = this.#options.onExchange;
    if (!tap) return;
    try {
      tap({ method, url: config.url ?? '', request: config.data, status: raw.status, headers: raw.headers, body: raw.body });
    } catch {
      // A recorder's failure must not fail the call it watches.
    }
  }

  /** One HTTP exchange: 2xx → decoded body; anything else → a classified error. */
  async #send<T>(method: string, transport: Transport, config: AxiosRequestConfig, signal: AbortSignal | undefined): Promise<{ raw: RawResponse; data: T }> {
    if (signal?.aborted) throw abortReason(signal);
    const http = transport === 'poll' ? this.#pollHttp : this.#http;
    let raw: RawResponse;
    try {
      const response = await http.request<unknown>({ ...config, signal });
      raw = {
        status: response.status,
        headers: { ...(response.headers as Record<string, unknown>) },
        body: typeof response.data === 'string' ? response.data : '',
      };
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      throw networkErrorFrom(method, error, (text) => this.#session.redact(text));
    }
    this.#options.logger.debug({ method, status: raw.status }, 'fleep call');
    this.#tap(method, config, raw);
    // Any answer may set a new token_id (PROTOCOL.md §1, IOS): keep the session's cookie current.
    const renewed = method === 'account/login' ? undefined : parseTokenCookie(raw.headers['set-cookie']);
    if (renewed !== undefined && this.#session.renewToken(renewed)) {
      this.#options.logger.debug({ method }, 'fleep session cookie renewed');
    }
    if (raw.status >= 200 && raw.status < 300) return { raw, data: parseSuccessBody<T>(method, raw) };
    throw apiErrorFrom(method, raw, this.#options.clock.now());
  }
}
