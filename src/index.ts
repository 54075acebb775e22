/**
 * fleepkit — write Fleep team bots as plugins.
 * @packageDocumentation
 */
export { FleepApiError, FleepNetworkError, SessionExpiredError, FleepError } from './api/errors.js';
export type * from './api/records.js';
export { MessageState } from './api/records.js';
export type * from './pipeline/events.js';
export { EVENT_TYPES } from './pipeline/events.js';
export { ManualClock, systemClock, parseDuration } from './util/clock.js';
export type { Clock } from './util/clock.js';
