// The client-side cache of Fleep records. Records are partial updates (PROTOCOL.md §6):
// every incoming record is merged into what we hold, never replaces it.

const STATE = 'urn:fleep:message:mk_message_state:';

/** Message types drawn as chat bubbles; everything else in the flow is a system line. */
const CHAT_TYPES = new Set(['text', 'email', 'emailV2']);
/** System message types worth a line in the flow. Others (replace, url_previews…) are bookkeeping. */
const SYSTEM_TYPES = new Set(['create', 'add', 'leave', 'kick', 'topic', 'hook', 'unhook', 'add_team', 'kick_team', 'disclose', 'autojoin', 'share', 'unshare', 'sysmsg', 'delfile']);

/** How many edited messages the page remembers (see `editedKeys`). */
const EDITED_MEMORY = 2000;

/**
 * Creates an empty cache. `me` is the logged-in account id; `edited` the keys
 * (`conversation_id:message_nr`) of messages this browser saw being edited before.
 */
export function createModel(me, edited = []) {
  return {
    me,
    /**
     * Messages seen being edited. A record does not say whether its text was edited or it was
     * pinned, tasked or reacted to (all set `edited_time`), so the page remembers the edits it
     * saw, and keeps showing "(edited)" after a reload.
     * @type {Set<string>}
     */
    editedKeys: new Set(edited),
    /** @type {Map<string, Record<string, unknown>>} account_id → contact */
    contacts: new Map(),
    /** @type {Map<string, Record<string, unknown>>} conversation_id → conv */
    convs: new Map(),
    /** @type {Map<string, Map<number, Record<string, unknown>>>} conversation_id → message_nr → message */
    messages: new Map(),
    /** Bumped when a contact changes, so message views that show names re-render. */
    contactsVersion: 0,
  };
}

/**
 * Merges records into the model and reports what changed (`edits`: a message was newly seen
 * being edited, so `editedKeys` should be saved).
 * @param {ReturnType<typeof createModel>} model
 * @param {Array<Record<string, unknown>>} records
 * @returns {{ convs: Set<string>, messages: Set<string>, contacts: boolean, edits: boolean }}
 */
export function applyRecords(model, records) {
  const changed = { convs: new Set(), messages: new Set(), contacts: false, edits: false };
  for (const rec of records ?? []) {
    if (!rec || typeof rec !== 'object') continue;
    switch (rec.mk_rec_type) {
      case 'contact':
        if (!rec.account_id) break;
        model.contacts.set(rec.account_id, { ...model.contacts.get(rec.account_id), ...rec });
        model.contactsVersion += 1;
        changed.contacts = true;
        break;
      case 'conv':
        if (!rec.conversation_id) break;
        if (rec.is_deleted === true) model.convs.delete(rec.conversation_id);
        else model.convs.set(rec.conversation_id, { ...model.convs.get(rec.conversation_id), ...rec });
        changed.convs.add(rec.conversation_id);
        break;
      case 'message': {
        if (!rec.conversation_id || typeof rec.message_nr !== 'number') break;
        let flow = model.messages.get(rec.conversation_id);
        if (!flow) model.messages.set(rec.conversation_id, (flow = new Map()));
        const prev = flow.get(rec.message_nr);
        const merged = { ...prev, ...rec };
        // Any change (task, pin, reaction) sets edited_time, so a text edit is recognised by
        // seeing the body itself change; the flag is local to this page.
        const key = `${rec.conversation_id}:${rec.message_nr}`;
        if (prev && typeof prev.message === 'string' && prev.message !== '' && typeof rec.message === 'string' && rec.message !== '' && rec.message !== prev.message) {
          merged.seen_body_edit = true;
          if (!model.editedKeys.has(key)) {
            model.editedKeys.add(key);
            if (model.editedKeys.size > EDITED_MEMORY) model.editedKeys.delete(model.editedKeys.values().next().value);
            changed.edits = true;
          }
        } else if (model.editedKeys.has(key)) merged.seen_body_edit = true;
        flow.set(rec.message_nr, merged);
        changed.messages.add(rec.conversation_id);
        changed.convs.add(rec.conversation_id);
        break;
      }
      default:
        // activity, request, poke, file, hook… carry nothing the playground draws.
        break;
    }
  }
  return changed;
}

/** Applies a "conversation/sync output" response (PROTOCOL.md §4): partial header + stream. */
export function applySyncResponse(model, res) {
  const header = res && typeof res.header === 'object' && res.header ? [{ mk_rec_type: 'conv', ...res.header }] : [];
  return applyRecords(model, [...header, ...(Array.isArray(res?.stream) ? res.stream : [])]);
}

/** Display name of an account, with a readable fallback. */
export function nameOf(model, accountId) {
  const c = model.contacts.get(accountId);
  return (c && (c.display_name || c.email || c.fleep_address)) || 'Someone';
}

/** Members other than me, in a stable order. */
function others(model, conv) {
  return (conv.members ?? []).filter((id) => id !== model.me);
}

/** True for a one-to-one conversation without a topic. */
export function isDirect(model, conv) {
  return !conv.topic && others(model, conv).length === 1;
}

/** What the conversation is called in the list: its topic, or the other members' names. */
export function convTitle(model, conv) {
  if (conv.topic) return String(conv.topic);
  const names = others(model, conv).map((id) => nameOf(model, id));
  if (names.length > 0) return names.join(', ');
  return conv.default_topic ? String(conv.default_topic) : 'Just you';
}

/** Conversations, most recent activity first. */
export function sortedConvs(model) {
  const time = (c) => Number(c.last_message_time ?? c.inbox_time ?? 0);
  return [...model.convs.values()].sort((a, b) => time(b) - time(a) || convTitle(model, a).localeCompare(convTitle(model, b)));
}

/** `chat` (a bubble), `system` (a centred line) or `hidden` (not drawn). */
export function messageKind(msg) {
  const type = msg.mk_message_type ?? 'text';
  if (CHAT_TYPES.has(type)) return 'chat';
  if (SYSTEM_TYPES.has(type)) return 'system';
  return 'hidden';
}

/** The drawable messages of a conversation, oldest first. */
export function visibleMessages(model, convId) {
  const flow = model.messages.get(convId);
  if (!flow) return [];
  return [...flow.values()].filter((m) => messageKind(m) !== 'hidden').sort((a, b) => a.message_nr - b.message_nr);
}

/** The derived flags the view draws, from tags and `mk_message_state` (PROTOCOL.md §6.1). */
export function messageFlags(msg) {
  const tags = new Set(Array.isArray(msg.tags) ? msg.tags : []);
  const state = typeof msg.mk_message_state === 'string' ? msg.mk_message_state : '';
  const deleted = state === `${STATE}deleted` || tags.has('is_deleted');
  const archived = tags.has('is_archived') || tags.has('unpin');
  const done = state === `${STATE}done` || tags.has('is_done');
  const todo = !done && (state === `${STATE}todo` || tags.has('is_todo'));
  const hasReactions = Array.isArray(msg.reactions) && msg.reactions.length > 0;
  const pinned = !deleted && !archived && (state === `${STATE}pinned` || tags.has('pin') || (tags.has('is_shared') && !todo && !done && !tags.has('is_task')));
  return {
    deleted,
    pinned,
    task: !deleted && (todo || done),
    done: !deleted && done,
    edited: !deleted && (msg.seen_body_edit === true || (Boolean(msg.edited_time) && msg.edit_account_id === msg.account_id && !todo && !done && !pinned && !archived && !hasReactions)),
  };
}

/** Reactions in a stable shape: `[{ reaction, accountIds }]`, empty ones dropped. */
export function reactionsOf(msg) {
  if (!Array.isArray(msg.reactions)) return [];
  return msg.reactions
    .filter((r) => r && typeof r.reaction === 'string' && Array.isArray(r.account_ids) && r.account_ids.length > 0)
    .map((r) => ({ reaction: r.reaction, accountIds: r.account_ids }));
}

/** Text for a system message (its body is JSON text, PROTOCOL.md §6.1). */
export function systemText(model, msg) {
  /** @type {Record<string, unknown>} */
  let body = {};
  try {
    body = msg.message ? JSON.parse(msg.message) : {};
  } catch {
    body = {};
  }
  const who = nameOf(model, msg.account_id);
  const list = (ids) => (Array.isArray(ids) ? ids.map((id) => nameOf(model, id)).join(', ') : 'someone');
  switch (msg.mk_message_type) {
    case 'create':
      return `${who} started the conversation${body.topic ? ` “${body.topic}”` : ''}`;
    case 'add':
      return `${who} added ${list(body.members)}`;
    case 'kick':
      return `${who} removed ${list(body.members)}`;
    case 'leave':
      return `${who} left`;
    case 'topic':
      return `${who} renamed the conversation to “${body.topic ?? ''}”`;
    case 'hook':
      return `${who} added the hook ${body.hook_name ?? ''}`;
    case 'unhook':
      return `${who} removed the hook ${body.hook_name ?? ''}`;
    default:
      return typeof body.sysmsg_text === 'string' ? body.sysmsg_text : `${who}: ${msg.mk_message_type}`;
  }
}
