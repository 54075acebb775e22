/**
 * Deterministic `client_req_id`s. Fleep's `client_req_id` is a UUID; deriving it from the event
 * identity means a re-handled event (after a crash) asks for the same ids, and Fleep and the
 * sandbox answer the repeat from their de-duplication record instead of posting twice.
 */
import { createHash } from 'node:crypto';

/**
 * A v4-shaped UUID derived from `key` by SHA-256: the same key always gives the same id.
 * @example clientReqId('conv-1:42:0:0') // '3f0c…-…-4…-a…-…'
 */
export function clientReqId(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  // Version nibble 4 and RFC 4122 variant bits, so strict UUID parsers accept the id.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Whether `id` is a UUID in the canonical 8-4-4-4-12 lowercase or uppercase hex form. */
export function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu.test(id);
}
