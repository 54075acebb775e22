/** Errors the outbound queue hands to `waitFor()` callers. */

/** The effect was moved to the dead-letter table and will not be sent. */
export class DeadLetterError extends Error {
  readonly code = 'DEAD_LETTER' as const;

  /**
   * @param entryId the entry's `client_req_id`.
   * @param reason why it was given up, as stored in the dead-letter table.
   */
  constructor(
    readonly entryId: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Outbound effect ${entryId} was dead-lettered: ${reason}`, options);
    this.name = 'DeadLetterError';
  }
}

/** The queue stopped before the effect was sent; it stays in the outbox for the next start. */
export class OutboundStoppedError extends Error {
  readonly code = 'OUTBOUND_STOPPED' as const;

  /** @param entryId the entry's `client_req_id`. */
  constructor(readonly entryId: string) {
    super(`The outbound queue stopped before effect ${entryId} was sent; it stays in the outbox and is sent after the next start`);
    this.name = 'OutboundStoppedError';
  }
}

/**
 * The effect was never committed to the outbox: the handler attempt that queued it failed (the
 * event is handled again, or dead-lettered), or its plugin failed on the event. A retry queues
 * the effect again under the same id.
 */
export class EffectDroppedError extends Error {
  readonly code = 'EFFECT_DROPPED' as const;

  /** @param entryId the entry's `client_req_id`. */
  constructor(readonly entryId: string) {
    super(`Effect ${entryId} was not sent: the handler attempt that queued it failed before it was committed`);
    this.name = 'EffectDroppedError';
  }
}
