/**
 * How the queue reacts to a failed send. The rules, in order:
 * - `FleepApiError` 429 → rate limited: wait `retryAfterMs` (or a backoff when absent). The limit is
 *   treated as **global** (pause every lane, R-11) when its `error_id` says it is counted over the
 *   account or everyone (`account…`, `…global…`), or when the effect names no conversation (its
 *   lane is the global lane); otherwise only that lane pauses.
 * - `FleepApiError` 5xx or 401 (a re-login race), `FleepNetworkError`, `SessionExpiredError` and
 *   unknown errors → retried with full-jitter backoff and the same `client_req_id`.
 * - any other `FleepApiError` (400, 403, 404, 430, 431, …) → refused: dead-letter at once.
 */
import { FleepApiError, FleepError } from '../api/errors.js';
import { GLOBAL_LANE } from './plan.js';

/** `error_id`s of limits counted over the whole account (or every caller), not one conversation. */
const ACCOUNT_WIDE = /global|account/i;

/** What to do after a failed attempt. */
export type FailureAction =
  | { kind: 'rate-limited'; retryAfterMs: number | undefined; global: boolean }
  | { kind: 'retry' }
  | { kind: 'refused'; reason: string };

/**
 * Classifies a transport failure for the entry of `lane` (see the module comment for the rules).
 * @example classifyFailure(new FleepApiError({ method: 'message/send', status: 430 }), 'c1').kind // 'refused'
 */
export function classifyFailure(error: unknown, lane: string): FailureAction {
  if (error instanceof FleepApiError) {
    if (error.isRateLimited) {
      const global = lane === GLOBAL_LANE || ACCOUNT_WIDE.test(error.errorId ?? '');
      return { kind: 'rate-limited', retryAfterMs: error.retryAfterMs, global };
    }
    if (error.isServerError || error.isUnauthorized) return { kind: 'retry' };
    return { kind: 'refused', reason: describeError(error) };
  }
  return { kind: 'retry' };
}

/** A one-line reason for logs and the dead-letter table (API errors never hold secrets). */
export function describeError(error: unknown): string {
  if (error instanceof FleepApiError) return `HTTP ${error.status}${error.errorId ? ` ${error.errorId}` : ''}: ${error.message}`;
  if (error instanceof FleepError) return error.message;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
