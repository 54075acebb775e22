/**
 * Deterministic `client_req_id`s. Fleep's `client_req_id` is a UUID; deriving it from the event
 * identity means a re-handled event (after a crash) asks for the same ids, and Fleep and the
 * sandbox answer the repeat from their de-duplication record instead of posting twice.
 */
import { hash } from 'node:crypto';

/** Variant nibble (8, 9, a or b) for a hex digit's char code: its low two bits with the top bit set. */
const VARIANT: string[] = [];
for (const digit of '0123456789abcdef') VARIANT[digit.charCodeAt(0)] = ((parseInt(digit, 16) & 0x3) | 0x8).toString(16);

/**
 * A v4-shaped UUID derived from `key` by SHA-256: the same key always gives the same id.
 * @example clientReqId('conv-1:42:0:0') // '3f0c…-…-4…-a…-…'
 */
export function clientReqId(key: string): string {
  // One-shot hash (Node ≥ 20.12): the same SHA-256 hex as createHash without a Hash object per id.
  const hex = hash('sha256', key, 'hex');
  // Version nibble 4 and RFC 4122 variant bits, so strict UUID parsers accept the id.
  const variant = VARIANT[hex.charCodeAt(16)]!;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Whether `id` is a UUID in the canonical 8-4-4-4-12 lowercase or uppercase hex form. */
export function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu.test(id);
}
