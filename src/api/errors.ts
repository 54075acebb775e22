/**
 * The API client's error classes. Decisions go through `instanceof` and `code`, never through
 * message text. No message, `toString()` or serialised form ever contains a password, ticket
 * or token: callers' bodies are never copied into errors.
 */

/** Machine-readable codes of fleepkit errors. */
export type FleepErrorCode = 'FLEEP_API' | 'FLEEP_NETWORK' | 'SESSION_EXPIRED';

/** Base class of the API client's errors. */
export abstract class FleepError extends Error {
  abstract readonly code: FleepErrorCode;
  /** The API method, such as `message/send`. */
  readonly method: string;

  protected constructor(method: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.method = method;
    this.name = new.target.name;
  }
}

/** The server answered with a non-2xx status. */
export class FleepApiError extends FleepError {
  readonly code = 'FLEEP_API' as const;
  /** HTTP status, e.g. 400, 401, 429, 430, 431, 500. */
  readonly status: number;
  /** Fleep's `error_id`, e.g. `not_found`, when the body had one. */
  readonly errorId: string | undefined;
  /** Fleep's `error_message`, when the body had one. */
  readonly errorMessage: string | undefined;
  /** For 429 (or any response with Retry-After): how long to wait, in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(init: {
    method: string;
    status: number;
    errorId?: string | undefined;
    errorMessage?: string | undefined;
    retryAfterMs?: number | undefined;
    cause?: unknown;
  }) {
    const detail = init.errorMessage ?? init.errorId ?? 'no error message';
    super(init.method, `Fleep ${init.method} failed with HTTP ${init.status}: ${detail}`, { cause: init.cause });
    this.status = init.status;
    this.errorId = init.errorId;
    this.errorMessage = init.errorMessage;
    this.retryAfterMs = init.retryAfterMs;
  }

  /** 5xx: the server is in trouble; safe to retry idempotent calls. */
  get isServerError(): boolean {
    return this.status >= 500 && this.status <= 599;
  }

  /** 429: rate limited; wait `retryAfterMs`. */
  get isRateLimited(): boolean {
    return this.status === 429;
  }

  /** 401: the session is not (or no longer) valid. */
  get isUnauthorized(): boolean {
    return this.status === 401;
  }
}

/** No usable HTTP answer: timeout, connection reset, DNS, malformed response body. */
export class FleepNetworkError extends FleepError {
  readonly code = 'FLEEP_NETWORK' as const;
  /** Low-level reason, e.g. `ECONNRESET`, `ETIMEDOUT`, `BAD_JSON`. */
  readonly reason: string;

  constructor(method: string, reason: string, options?: { cause?: unknown }) {
    super(method, `Fleep ${method} failed: ${reason}`, options);
    this.reason = reason;
  }
}

/** Logging in again did not help: the credentials or the account no longer work. */
export class SessionExpiredError extends FleepError {
  readonly code = 'SESSION_EXPIRED' as const;
  /** Consecutive failed re-login attempts so far. */
  readonly attempts: number;

  constructor(method: string, attempts: number, options?: { cause?: unknown }) {
    super(
      method,
      `Fleep session expired and ${attempts} re-login attempt(s) failed during ${method}; check the bot's email and password`,
      options,
    );
    this.attempts = attempts;
  }
}
