// The playground's Fleep API client: plain fetch against the same origin, exactly as any
// other Fleep client talks to the server (POST JSON, `token_id` cookie + `ticket` in the body).

/** An error the server answered with (non-2xx), carrying Fleep's `error_id`. */
export class ApiError extends Error {
  /**
   * @param {string} method API method, e.g. `message/send`
   * @param {number} status HTTP status
   * @param {string} errorId Fleep `error_id` ('' when the body had none)
   * @param {string} message human-readable text from `error_message`
   */
  constructor(method, status, errorId, message) {
    super(message);
    this.name = 'ApiError';
    this.method = method;
    this.status = status;
    this.errorId = errorId;
  }
}

/** The request never got an answer (network down, server gone, timeout). */
export class NetworkError extends Error {
  /** @param {string} method @param {unknown} cause */
  constructor(method, cause) {
    super(`Could not reach the sandbox (${method}). Is it still running?`);
    this.name = 'NetworkError';
    this.cause = cause;
  }
}

/** Normal calls give up after this long; the long poll gets its own, longer timeout. */
const CALL_TIMEOUT_MS = 30_000;
const POLL_TIMEOUT_MS = 130_000;

/**
 * Creates a client bound to one session. The ticket lives only in memory here (and in
 * sessionStorage, see app.js); the cookie is HttpOnly and managed by the browser.
 */
export function createApi() {
  /** @type {string | null} */
  let ticket = null;

  /**
   * POSTs `body` (plus the ticket) to `/api/<method>` and returns the parsed JSON.
   * @param {string} method
   * @param {Record<string, unknown>} [body]
   * @param {{ signal?: AbortSignal, timeoutMs?: number }} [opts]
   */
  async function call(method, body = {}, opts = {}) {
    const payload = ticket === null ? body : { ...body, ticket };
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? CALL_TIMEOUT_MS);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    let res;
    try {
      res = await fetch(`/api/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(payload),
        credentials: 'same-origin',
        signal,
      });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new NetworkError(method, err);
    }
    const text = await res.text();
    /** @type {Record<string, unknown>} */
    let data = {};
    try {
      data = text ? JSON.parse(text) : {};
    } catch {
      data = {};
    }
    if (!res.ok) {
      const errorId = typeof data.error_id === 'string' ? data.error_id : '';
      const msg = typeof data.error_message === 'string' && data.error_message ? data.error_message : errorId || `HTTP ${res.status}`;
      throw new ApiError(method, res.status, errorId, msg);
    }
    return data;
  }

  return {
    call,
    /** @param {string | null} value */
    setTicket(value) {
      ticket = value;
    },
    /**
     * Logs in; the server sets the `token_id` cookie and returns the ticket.
     * @param {string} email @param {string} password
     */
    async login(email, password) {
      ticket = null;
      const res = await call('account/login', { email, password });
      ticket = String(res.ticket);
      return res;
    },
    /** Ends the session on the server; local state is dropped even if that fails. */
    async logout() {
      try {
        if (ticket !== null) await call('account/logout');
      } finally {
        ticket = null;
      }
    },
    /**
     * One `account/poll`. `wait: true` is a long poll held by the server.
     * @param {number} horizon @param {boolean} wait @param {AbortSignal} [signal]
     */
    poll(horizon, wait, signal) {
      return call('account/poll', { event_horizon: horizon, wait }, { signal, timeoutMs: wait ? POLL_TIMEOUT_MS : CALL_TIMEOUT_MS });
    },
  };
}

/** A v4 UUID for `client_req_id`; falls back to getRandomValues outside secure contexts. */
export function newRequestId() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
