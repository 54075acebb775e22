/**
 * The Fleep API layer: the HTTP client, wire records, errors, effects and message markup.
 */
export { FleepClient } from './client.js';
export { FleepClientBase, isReadMethod } from './base-client.js';
export type { LoginOptions, LoginResult } from './base-client.js';
export { MIN_POLL_TIMEOUT_MS, resolveClientOptions } from './options.js';
export type { FleepClientOptions, HttpExchange, RetryOptions } from './options.js';
export { parseRetryAfter, SanitizedCause } from './http.js';
export type * from './types.js';
export { escapeText, findMentions, isMarkup, markup, toWireText, WORD_JOINER, xmlToText } from './markup.js';
export type { Markup, MessageFile, MessageLink, ParsedMessage } from './markup.js';
export { FleepApiError, FleepError, FleepNetworkError, SessionExpiredError } from './errors.js';
export type { FleepErrorCode } from './errors.js';
export type * from './records.js';
export { isKnownRecord, isRecord, MessageState } from './records.js';
export type * from './effects.js';
