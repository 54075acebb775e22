/**
 * An effect is one Fleep call a handler asks for, as data: it is persisted in the outbox and
 * sent later with its `client_req_id` (DESIGN.md, "The path of one message").
 */

/** The mutating Fleep methods an effect may name. Object-scoped ones take `conversationId`. */
export type EffectMethod =
  | 'message/send'
  | 'message/store'
  | 'message/edit'
  | 'message/delete'
  | 'message/mark_read'
  | 'conversation/create'
  | 'conversation/store'
  | 'conversation/leave';

/**
 * One outbound effect.
 * @example { method: 'message/send', conversationId: 'c0ffee…', body: { message: 'hi' } }
 */
export interface Effect {
  method: EffectMethod;
  /** Path argument for object-scoped calls (`message/*`, `conversation/store|leave`). */
  conversationId?: string;
  /** JSON body without `ticket` and `client_req_id` (the client adds both). */
  body: Record<string, unknown>;
}
