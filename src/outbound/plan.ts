/**
 * Turning a handler's effects into outbox entries: stable ids, lanes, and long texts split
 * (DESIGN.md "The path of one message", step 6; ).
 */
import type { Effect, EffectMethod } from '../api/effects.js';
import type { NewOutboxEntry } from '../store/store.js';
import { clientReqId } from './client-req-id.js';
import { MIN_SPLIT_LIMIT, splitMessage } from './split-text.js';

/** Lane of effects that name no conversation (e.g. `conversation/create`). */
export const GLOBAL_LANE = '~global';

/** Default `maxMessageLength`: well under the 100,000 characters the sandbox accepts. */
export const DEFAULT_MAX_MESSAGE_LENGTH = 10_000;

const METHODS: ReadonlySet<string> = new Set<EffectMethod>([
  'message/send',
  'message/store',
  'message/edit',
  'message/delete',
  'message/mark_read',
  'conversation/create',
  'conversation/store',
  'conversation/leave',
]);

/**
 * Options of {@link planEffects}.
 * @example { maxMessageLength: 4000 }
 */
export interface PlanOptions {
  /** Longest `message` text sent in one call; longer `message/send` texts are split. @default 10000 */
  maxMessageLength?: number;
}

/** Thrown when an effect's text is too long and the method cannot be split (edits). */
export class MessageTooLongError extends RangeError {
  readonly code = 'MESSAGE_TOO_LONG' as const;
  constructor(
    readonly method: string,
    readonly length: number,
    readonly limit: number,
  ) {
    super(
      `${method} text is ${length} characters, over the limit of ${limit}; ` +
        'shorten it, send the long text as a new message (which is split automatically), or raise maxMessageLength',
    );
    this.name = 'MessageTooLongError';
  }
}

/**
 * Plans the outbox entries for the effects of one handled event or fired schedule slot.
 * `baseId` is that event's identity (or the schedule's fire key): entry `i` gets the id
 * `clientReqId(`${baseId}:${i}`)`, and part `k` of a split text `clientReqId(`${baseId}:${i}:${k}`)`,
 * so planning the same event again yields the same ids. A split keeps every body field on each
 * part except `attachments`, which only the last part carries (files follow the whole text).
 * @throws TypeError for a malformed effect, {@link MessageTooLongError} for an over-long edit.
 * @example store.commit({ eventKey, outbox: planEffects(eventKey, effects, clock.now()) })
 */
export function planEffects(baseId: string, effects: readonly Effect[], now: number, options: PlanOptions = {}): NewOutboxEntry[] {
  if (typeof baseId !== 'string' || baseId.length === 0) {
    throw new TypeError(`planEffects needs a non-empty baseId (the event key or fire key), got ${JSON.stringify(baseId)}`);
  }
  const entries: NewOutboxEntry[] = [];
  for (let i = 0; i < effects.length; i++) {
    for (const entry of planEffect(`${baseId}:${i}`, effects[i]!, now, options, i)) entries.push(entry);
  }
  return entries;
}

/**
 * Plans the outbox entries of one effect whose identity is `key`: one entry with the id
 * `clientReqId(key)`, or for a split text part `k` with `clientReqId(`${key}:${k}`)`.
 * `index` only names the effect in error messages.
 * @throws as {@link planEffects}.
 */
export function planEffect(key: string, effect: Effect, now: number, options: PlanOptions = {}, index = 0): NewOutboxEntry[] {
  const limit = options.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH;
  if (!Number.isInteger(limit) || limit < MIN_SPLIT_LIMIT) {
    throw new RangeError(`maxMessageLength must be an integer of at least ${MIN_SPLIT_LIMIT}, got ${String(limit)}`);
  }
  checkEffect(effect, index);
  const lane = effect.conversationId ?? GLOBAL_LANE;
  const text = effect.body['message'];
  if (typeof text !== 'string' || text.length <= limit) return [{ id: clientReqId(key), lane, effect, createdAt: now }];
  if (effect.method !== 'message/send') throw new MessageTooLongError(effect.method, text.length, limit);
  const parts = splitMessage(text, limit);
  const { attachments, ...rest } = effect.body;
  const entries: NewOutboxEntry[] = [];
  for (let k = 0; k < parts.length; k++) {
    const last = k === parts.length - 1;
    const body = last && attachments !== undefined ? { ...rest, attachments, message: parts[k] } : { ...rest, message: parts[k] };
    entries.push({ id: clientReqId(`${key}:${k}`), lane, effect: { ...effect, body }, createdAt: now });
  }
  return entries;
}

function checkEffect(effect: Effect, index: number): void {
  if (typeof effect !== 'object' || effect === null || !METHODS.has(effect.method)) {
    const method = typeof effect === 'object' && effect !== null ? JSON.stringify(effect.method) : String(effect);
    throw new TypeError(`Effect ${index} has an unknown method ${method}; use one of ${[...METHODS].join(', ')}`);
  }
  if (typeof effect.body !== 'object' || effect.body === null || Array.isArray(effect.body)) {
    throw new TypeError(`Effect ${index} (${effect.method}) needs a body object`);
  }
  if (effect.conversationId !== undefined && (typeof effect.conversationId !== 'string' || effect.conversationId === '')) {
    throw new TypeError(`Effect ${index} (${effect.method}) has an invalid conversationId ${JSON.stringify(effect.conversationId)}`);
  }
}
