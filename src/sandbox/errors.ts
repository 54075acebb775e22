/**
 * Errors the sandbox answers with. Every non-200 reply is JSON `{error_id, error_message}`
 * (PROTOCOL.md §5.3, §12 #3/#4).
 */

/** A refusal with its HTTP status and Fleep-style error body. */
export class SandboxHttpError extends Error {
  /** HTTP status, e.g. 400, 401, 430, 431. */
  readonly status: number;
  /** Fleep's `error_id`, e.g. `not_found`. */
  readonly errorId: string;
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers: Record<string, string>;

  constructor(status: number, errorId: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'SandboxHttpError';
    this.status = status;
    this.errorId = errorId;
    this.headers = headers;
  }

  /** The JSON body sent to the client. */
  toBody(): { error_id: string; error_message: string } {
    return { error_id: this.errorId, error_message: this.message };
  }
}

/** 400: malformed or missing input. */
export function badRequest(message: string): SandboxHttpError {
  return new SandboxHttpError(400, 'bad_request', message);
}

/** 401: missing, wrong or expired session. */
export function notAuthenticated(message = 'Expired token, please relogin'): SandboxHttpError {
  return new SandboxHttpError(401, 'not_authenticated', message);
}

/** 430: unknown conversation or message. */
export function notFound(message: string): SandboxHttpError {
  return new SandboxHttpError(430, 'not_found', message);
}

/** 431: business-rule refusal (not a member, left, not author, wrong password…). */
export function forbidden(message: string, errorId = 'forbidden'): SandboxHttpError {
  return new SandboxHttpError(431, errorId, message);
}
