/**
 * A record a stream keeps in a compact form and builds when it is read. Streams hold up to
 * 20,000 records per account and every send adds one header per member, so the kept form
 * matters for the sandbox's heap; what a client receives is exactly `expand()`.
 */
import type { FleepRecord } from '../api/records.js';

/** Base of compact stream records. Subclasses must not change after they are pushed. */
export abstract class DeferredRecord {
  /** The record as sent. */
  abstract expand(): FleepRecord;
}
