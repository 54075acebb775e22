/**
 * The HTTP layer under {@link FleepClient}: axios instances configured to hand back raw text
 * for every status, and the mapping of answers and failures onto the error classes.
 * Nothing here keeps an axios error or config: those carry the request body (ticket) and
 * headers (cookie).
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { isAxiosError } from 'axios';
import type { AxiosInstance } from 'axios';
import { FleepApiError, FleepNetworkError } from './errors.js';

/** A response as the client sees it: status, headers and the undecoded body. */
export interface RawResponse {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

/**
 * Creates an axios instance that never throws on status and never parses the body, so the
 * client classifies everything itself. Each instance has its own keep-alive agents: a pending
 * long poll must never hold the socket a send is waiting for (PROTOCOL.md §1).
 */
export function createHttp(options: { baseUrl: string; timeoutMs: number; userAgent: string }): AxiosInstance {
  return axios.create({
    baseURL: options.baseUrl,
    timeout: options.timeoutMs,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
    maxRedirects: 0,
    transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: false },
    headers: { 'User-Agent': options.userAgent, Accept: 'application/json' },
    httpAgent: new HttpAgent({ keepAlive: true }),
    httpsAgent: new HttpsAgent({ keepAlive: true }),
  });
}

/**
 * Parses a Retry-After value: seconds (number or numeric string) or an HTTP date.
 * @returns milliseconds to wait from `nowMs` (never negative), or undefined when unusable.
 */
export function parseRetryAfter(value: unknown, nowMs: number): number | undefined {
  if (Array.isArray(value)) return parseRetryAfter(value[0], nowMs);
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

function parseObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function header(headers: Record<string, unknown>, name: string): unknown {
  const found = Object.keys(headers).find((key) => key.toLowerCase() === name);
  return found === undefined ? undefined : headers[found];
}

/** Builds the {@link FleepApiError} for a non-2xx answer from its JSON body and headers. */
export function apiErrorFrom(method: string, response: RawResponse, nowMs: number): FleepApiError {
  const body = parseObject(response.body) ?? {};
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
  const retryAfterMs =
    parseRetryAfter(header(response.headers, 'retry-after'), nowMs) ?? parseRetryAfter(body['retry_after'], nowMs);
  return new FleepApiError({
    method,
    status: response.status,
    errorId: text(body['error_id']),
    errorMessage: text(body['error_message']),
    retryAfterMs,
  });
}

/**
 * Decodes a 2xx body, which must be a JSON object (an empty body counts as `{}`).
 * @throws FleepNetworkError with reason `BAD_JSON` otherwise.
 */
export function parseSuccessBody<T>(method: string, response: RawResponse): T {
  if (response.body.trim() === '') return {} as T;
  const parsed = parseObject(response.body);
  if (parsed === undefined) {
    const cause = new Error(`HTTP ${response.status} body is not a JSON object (${response.body.length} chars)`);
    throw new FleepNetworkError(method, 'BAD_JSON', { cause });
  }
  return parsed as T;
}

/** A stand-in for a low-level error that keeps only its name, code and (redacted) message. */
export class SanitizedCause extends Error {
  /** The low-level code, e.g. `ECONNRESET`. */
  readonly code: string | undefined;

  constructor(name: string, code: string | undefined, message: string) {
    super(message);
    this.name = name;
    this.code = code;
  }
}

/**
 * Maps a transport failure to a {@link FleepNetworkError} whose `cause` is a
 * {@link SanitizedCause}: axios errors carry the request config (body with the ticket,
 * Cookie header), so they are never kept.
 */
export function networkErrorFrom(method: string, error: unknown, redact: (text: string) => string): FleepNetworkError {
  if (error instanceof FleepNetworkError) return error;
  let code: string | undefined;
  let name = 'Error';
  let message = 'unknown transport failure';
  if (isAxiosError(error)) {
    // Prefer the socket-level code (ECONNRESET…) over axios' generic ERR_NETWORK.
    const inner = (error.cause as { code?: unknown } | undefined)?.code;
    code = typeof inner === 'string' ? inner : error.code;
    name = 'AxiosError';
    message = error.message;
  } else if (error instanceof Error) {
    const own = (error as { code?: unknown }).code;
    code = typeof own === 'string' ? own : undefined;
    name = error.name;
    message = error.message;
  }
  if (code === 'ECONNABORTED' && /timeout/i.test(message)) code = 'ETIMEDOUT';
  const reason = code ?? 'NETWORK';
  return new FleepNetworkError(method, reason, { cause: new SanitizedCause(name, code, redact(message)) });
}
