/**
 * `search` (PROTOCOL.md §7.12, §R2.10): every keyword must be the start of a word (prefix
 * matching, case-insensitive). `search_types` picks what is searched — `topic` (topic, member
 * names and e-mails), `chat` (text messages), `pin`, `task`, `file` (attachment names),
 * `subject` (the sandbox has no e-mail subjects) — none given means all of them.
 */
import type { FleepRecord } from '../../api/records.js';
import { badRequest } from '../errors.js';
import type { StoredConversation, StoredMessage } from '../model.js';
import type { SandboxState } from '../state.js';
import { forViewer } from '../views.js';
import type { ApiContext, ApiRoute } from './context.js';
import { caller, optString, optStrings } from './context.js';

const TYPES = ['topic', 'chat', 'file', 'pin', 'task', 'subject'] as const;
type SearchType = (typeof TYPES)[number];

const WORD = /[\p{L}\p{N}]+/gu;

/** True when each keyword starts some word of `text`. */
function matches(text: string, keywords: string[]): boolean {
  const words = text.toLowerCase().match(WORD) ?? [];
  return keywords.every((k) => words.some((w) => w.startsWith(k)));
}

function types(ctx: ApiContext): Set<SearchType> {
  const raw = optStrings(ctx.body, 'search_types');
  if (!raw || raw.length === 0) return new Set(TYPES);
  for (const t of raw) if (!(TYPES as readonly string[]).includes(t)) throw badRequest(`Unknown search type ${JSON.stringify(t)}; use ${TYPES.join(', ')}`);
  return new Set(raw as SearchType[]);
}

/** Whether one message matches under the chosen types. */
function messageHit(state: SandboxState, m: StoredMessage, keywords: string[], want: Set<SearchType>): boolean {
  if (m.mk_message_type !== 'text' || m.deleted) return false;
  const text = matches(m.text, keywords);
  if (want.has('chat') && text) return true;
  if (want.has('pin') && m.kind === 'pin' && text) return true;
  if (want.has('task') && m.kind === 'task' && text) return true;
  return want.has('file') && m.attachments.some((id) => matches(state.files.get(id)?.name ?? '', keywords));
}

function topicHit(state: SandboxState, conv: StoredConversation, keywords: string[]): boolean {
  const names = conv.members.flatMap((id) => {
    const a = state.accounts.get(id);
    return a ? [a.display_name, a.email] : [];
  });
  return matches([conv.topic, ...names].join(' '), keywords);
}

function search(ctx: ApiContext): unknown {
  const { state } = ctx;
  const me = caller(ctx).account_id;
  const raw = ctx.body.keywords;
  const text = Array.isArray(raw) ? raw.filter((k): k is string => typeof k === 'string').join(' ') : raw;
  if (typeof text !== 'string' || text.trim() === '') throw badRequest('keywords must be a non-empty string');
  const keywords = text.toLowerCase().match(WORD) ?? [];
  if (keywords.length === 0) throw badRequest('keywords must contain a letter or digit');
  const want = types(ctx);
  const only = optString(ctx.body, 'conversation_id');
  const ignore = new Set(optStrings(ctx.body, 'ignore_conversation_ids') ?? []);
  const matchList: FleepRecord[] = [];
  const headers: FleepRecord[] = [];
  for (const conv of state.conversationsOf(me)) {
    if ((only && conv.conversation_id !== only) || ignore.has(conv.conversation_id)) continue;
    let hit = want.has('topic') && topicHit(state, conv, keywords);
    for (const m of Object.values(conv.messages)) {
      if (!messageHit(state, m, keywords, want)) continue;
      hit = true;
      matchList.push(forViewer(state.messageRecord(conv, m), me, { marked_text: m.text }));
    }
    if (hit) headers.push({ mk_rec_type: 'conv', conversation_id: conv.conversation_id, members: [...conv.members], topic: conv.topic });
  }
  return { headers, matches: matchList, stream: [], suggestions: null };
}

/** Routes of this file. */
export const searchRoutes: Record<string, ApiRoute> = {
  search: { handler: search },
};
