/**
 * Builds wire records (PROTOCOL.md §6) from the stored world: the builders live in
 * `records/`; this module holds the per-viewer copy and re-exports them.
 */
export { attachmentId, fileRecord, fileRecords, messageRecord, stateAndTags, todoSectionId, unixSeconds } from './records/message.js';
export { deltaHeader, initHeader, memberState, noteMessage, shortId, streamDelta, withMembership } from './records/conv.js';
export type { HeaderEnv } from './records/conv.js';
export { contactRecord, ownContactRecord } from './records/contact.js';
export type { ContactNote } from './records/contact.js';

/**
 * `{ ...rec, profile_id: viewer }` (same keys, same order), built with `Object.assign`: on V8 11
 * (Node 20) an object made by a spread followed by more properties gets a hidden class of its
 * own, which is slow to create and costs about 0.4 KB for every record a stream keeps.
 */
export function forViewer<T extends object, E extends object = object>(rec: T, viewer: string, extra?: E): T & { profile_id: string } & E {
  return Object.assign({}, rec, { profile_id: viewer }, extra);
}
