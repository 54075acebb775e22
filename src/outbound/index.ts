/**
 * The outbound path: planning effects into outbox entries and draining them to Fleep.
 * @packageDocumentation
 */
export { OutboundQueue } from './queue.js';
export type { OutboundEvents, OutboundStats } from './queue.js';
export type { OutboundQueueOptions, OutboundRates, OutboxStore, Transport } from './queue-options.js';
export type { Rate } from './token-bucket.js';
export { DeadLetterError, EffectDroppedError, OutboundStoppedError } from './errors.js';
export { planEffect, planEffects, GLOBAL_LANE, DEFAULT_MAX_MESSAGE_LENGTH, MessageTooLongError } from './plan.js';
export type { PlanOptions } from './plan.js';
export { splitText, splitMessage, MIN_SPLIT_LIMIT } from './split-text.js';
export type { TextPart } from './split-text.js';
export { clientReqId, isUuid } from './client-req-id.js';
export { classifyFailure } from './failure.js';
export type { FailureAction } from './failure.js';
