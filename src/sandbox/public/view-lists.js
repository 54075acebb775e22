// The two lists on screen: conversations (left) and the message flow (main). The flow is
// reconciled by message_nr so a live update rebuilds only the messages that changed and the
// reader's scroll position, focus and hover survive.

import { bodyText } from './markup.js';
import { convTitle, messageFlags, messageKind, nameOf, sortedConvs, systemText, visibleMessages } from './model.js';
import { buildMessage, el } from './view-message.js';

/** Consecutive messages by one author within this window share one header. */
const GROUP_WINDOW_S = 5 * 60;

/** One-line preview of a conversation's latest drawable message. */
function preview(model, convId) {
  const flow = visibleMessages(model, convId);
  const last = flow[flow.length - 1];
  if (!last) return '';
  if (messageKind(last) === 'system') return systemText(model, last);
  if (messageFlags(last).deleted) return 'Message deleted';
  const who = last.account_id === model.me ? 'You' : nameOf(model, last.account_id);
  return `${who}: ${bodyText(last.message ?? '').replace(/\s+/g, ' ')}`;
}

/**
 * Renders the conversation list into `ul`.
 * @param {HTMLUListElement} ul
 * @param {ReturnType<import('./model.js').createModel>} model
 * @param {string | null} openId
 * @param {(id: string) => void} onOpen
 */
export function renderConvList(ul, model, openId, onOpen) {
  const items = sortedConvs(model).map((conv) => {
    const id = conv.conversation_id;
    const title = convTitle(model, conv);
    const unread = id === openId ? 0 : Number(conv.unread_count ?? 0);
    const open = id === openId;
    return el(
      'li',
      {},
      el(
        'button',
        {
          type: 'button',
          class: `conv${open ? ' open' : ''}${unread > 0 ? ' unread' : ''}`,
          'data-testid': `conv-${title}`,
          'data-conversation-id': id,
          'aria-current': open ? 'true' : null,
          'aria-label': unread > 0 ? `${title}, ${unread} unread` : title,
          onclick: () => onOpen(id),
        },
        el('span', { class: 'conv-title', text: title }),
        unread > 0 ? el('span', { class: 'unread-badge', 'data-testid': 'unread-badge', 'aria-hidden': 'true', text: unread > 99 ? '99+' : String(unread) }) : null,
        el('span', { class: 'conv-preview', text: preview(model, id) }),
      ),
    );
  });
  ul.replaceChildren(...items);
  if (items.length === 0) ul.replaceChildren(el('li', { class: 'empty', text: 'No conversations yet.' }));
}

/** Creates the message flow view on an `<ol>`. */
export function createFlowView(list) {
  /** @type {Map<number, { key: string, node: HTMLElement }>} */
  let cache = new Map();
  let convId = null;

  return {
    /** Forgets all built nodes (switching conversations). */
    reset() {
      cache = new Map();
      convId = null;
      list.replaceChildren();
    },
    /**
     * Draws the flow of `id`, rebuilding only changed messages.
     * @param {ReturnType<import('./model.js').createModel>} model
     * @param {string} id
     * @param {{ editNr: number | null, editDraft: string | null, confirmDeleteNr: number | null }} ui
     * @param {Record<string, Function>} actions
     */
    render(model, id, ui, actions) {
      if (id !== convId) {
        this.reset();
        convId = id;
      }
      const next = new Map();
      let prev = null;
      const nodes = visibleMessages(model, id).map((msg) => {
        const kind = messageKind(msg);
        const grouped =
          kind === 'chat' &&
          prev !== null &&
          messageKind(prev) === 'chat' &&
          prev.account_id === msg.account_id &&
          !messageFlags(prev).deleted &&
          Number(msg.posted_time ?? 0) - Number(prev.posted_time ?? 0) < GROUP_WINDOW_S;
        prev = msg;
        const nr = msg.message_nr;
        const mine = { edit: ui.editNr === nr, confirm: ui.confirmDeleteNr === nr, react: ui.reactNr === nr };
        // The key holds everything the element shows, so equal keys mean an equal element.
        const key = JSON.stringify([msg, grouped, kind, mine, model.contactsVersion]);
        const old = cache.get(nr);
        const node = old && old.key === key ? old.node : buildMessage(model, msg, { grouped, kind }, ui, actions);
        next.set(nr, { key, node });
        return node;
      });
      cache = next;
      let cursor = list.firstChild;
      for (const node of nodes) {
        if (node === cursor) cursor = cursor.nextSibling;
        else list.insertBefore(node, cursor);
      }
      while (cursor) {
        const after = cursor.nextSibling;
        cursor.remove();
        cursor = after;
      }
    },
  };
}
