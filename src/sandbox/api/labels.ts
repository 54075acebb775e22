/**
 * `label/store` and `label/sync_conversations` (PROTOCOL.md §R2.11).
 */
import type { FleepRecord } from '../../api/records.js';
import { badRequest, notFound } from '../errors.js';
import { labelRecord, resolveLabels } from '../labels.js';
import type { ApiContext, ApiRoute } from './context.js';
import { caller, optInt, optString, reqString } from './context.js';
import { tinyInit } from './conversation-sync.js';

/**
 * `label/store {label}` creates a user label (or renames one given `label_id`); `index: -1`
 * removes it from the caller's labels and conversations. Answers `{stream: [label]}`.
 */
function store(ctx: ApiContext): unknown {
  const { state } = ctx;
  const me = caller(ctx).account_id;
  const mine = state.labelsOf(me);
  const id = optString(ctx.body, 'label_id');
  const name = optString(ctx.body, 'label');
  const index = optInt(ctx.body, 'index');
  let label = id !== undefined ? mine.find((l) => l.label_id === id) : undefined;
  if (id !== undefined && !label) throw notFound(`Label not found: ${id}`);
  if (!label) {
    if (name === undefined || name.trim() === '') throw badRequest('Give label (the name) to create a label, or label_id to change one');
    label = resolveLabels(mine, [name]).created[0] ?? mine.find((l) => l.label.toLowerCase() === name.trim().toLowerCase());
  } else if (name !== undefined && name.trim() !== '') {
    label.label = name.trim();
  }
  if (!label) throw badRequest(`Cannot make a label named ${JSON.stringify(name)}`);
  if (index === -1) {
    if (label.mk_label_type === 'system_label') throw badRequest('System labels cannot be removed');
    state.labels.set(me, mine.filter((l) => l !== label));
    for (const conv of state.conversationsOf(me)) {
      const ms = conv.member_state[me];
      if (ms?.label_ids?.includes(label.label_id)) ms.label_ids = ms.label_ids.filter((x) => x !== label.label_id);
    }
  } else if (index !== undefined) {
    label.index = index;
  }
  const rec = labelRecord(label, index === -1 ? 'removed' : 'active');
  state.streams.push(me, rec);
  state.onChange();
  return { stream: [rec] };
}

/**
 * `label/sync_conversations {label_id}` → `{stream: [label (+ sync_cursor "{}", sync_inbox_time
 * 0), then per labelled conversation its ic_tiny header and inbox message]}`.
 */
function syncConversations(ctx: ApiContext): unknown {
  const { state } = ctx;
  const me = caller(ctx).account_id;
  const id = reqString(ctx.body, 'label_id');
  const label = state.labelsOf(me).find((l) => l.label_id === id);
  if (!label) throw notFound(`Label not found: ${id}`);
  const stream: FleepRecord[] = [Object.assign(labelRecord(label), { sync_cursor: '{}', sync_inbox_time: 0 })];
  for (const conv of state.conversationsOf(me)) {
    if (!conv.member_state[me]?.label_ids?.includes(id)) continue;
    const tiny = tinyInit(state, conv, me);
    stream.push(tiny.header, ...tiny.stream);
  }
  return { stream };
}

/** Routes of this file. */
export const labelRoutes: Record<string, ApiRoute> = {
  'label/store': { handler: store, mutating: true },
  'label/sync_conversations': { handler: syncConversations },
};
