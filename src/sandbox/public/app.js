// The playground: a small Fleep web client of the sandbox's public API. It logs in, takes the
// initial sync, long-polls the account stream and draws conversations and messages live.

import { ApiError, createApi, newRequestId } from './api.js';
import { applyRecords, applySyncResponse, convTitle, createModel, isDirect, nameOf, reactionsOf } from './model.js';
import { createFlowView, renderConvList } from './view-lists.js';
import { avatar, hue } from './view-message.js';

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const SESSION_KEY = 'fleepkit-playground-session';
const EDITED_KEY = 'fleepkit-playground-edited';
/** Longest wait between reconnect attempts: the sandbox is local, so trying often is cheap. */
const RECONNECT_CEILING_MS = 2000;
const RESTARTED_HINT = 'The sandbox restarted without your session (a fresh world, or its data file was removed). Log in again.';
const EXPIRED_HINT = 'Your session ended. Log in again. (Logging in as someone else in another tab of this address ends this tab’s session.)';

const api = createApi();
const flowView = createFlowView(/** @type {HTMLOListElement} */ ($('flow')));
/** @type {ReturnType<typeof createModel> | null} */
let model = null;
/** @type {{ accountId: string, name: string, horizon: number, abort: AbortController } | null} */
let session = null;
/** @type {string | null} */
let openId = null;
const ui = { editNr: null, editDraft: null, confirmDeleteNr: null, reactNr: null };
/** A failed send keeps its request id so a retry of the same text is de-duplicated by the server. */
let pendingSend = null;

// ---- small helpers -------------------------------------------------------------------------

let statusTimer = 0;
function showStatus(text, kind = 'info') {
  const box = $('status');
  box.textContent = text;
  box.dataset.kind = kind;
  clearTimeout(statusTimer);
  if (text) statusTimer = window.setTimeout(() => (box.textContent = ''), kind === 'error' ? 8000 : 4000);
}

function setConn(state, label) {
  const conn = $('conn');
  conn.dataset.state = state;
  conn.textContent = label;
}

function describe(err) {
  if (err instanceof ApiError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/** Runs an API action; 401 ends the session, other errors become a status line. */
async function attempt(what, fn) {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) endSession(EXPIRED_HINT);
    else showStatus(`Couldn’t ${what}: ${describe(err)}`, 'error');
    return undefined;
  }
}

// ---- rendering -----------------------------------------------------------------------------

function flowScroll() {
  return $('flow-scroll');
}

function renderConvs() {
  if (model) renderConvList(/** @type {HTMLUListElement} */ ($('conv-list')), model, openId, openConversation);
}

function renderFlow() {
  if (!model || !openId) return;
  const scroller = flowScroll();
  const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 60;
  flowView.render(model, openId, ui, actions);
  const conv = model.convs.get(openId);
  const flow = model.messages.get(openId);
  const lowest = flow && flow.size > 0 ? Math.min(...flow.keys()) : 1;
  $('load-earlier').hidden = lowest <= Math.max(1, Number(conv?.join_message_nr ?? 1));
  $('flow-empty').hidden = $('flow').childElementCount > 0;
  $('flow-empty').textContent = 'No messages yet. Say hello!';
  if (atBottom) scroller.scrollTop = scroller.scrollHeight;
}

function renderHeader() {
  if (!model || !openId) return;
  const conv = model.convs.get(openId);
  if (!conv) return;
  $('conv-title').textContent = convTitle(model, conv);
  const m = model;
  const members = (conv.members ?? []).map((id) => (id === m.me ? 'you' : nameOf(m, id)));
  $('conv-members').textContent = members.length > 0 ? `with ${members.join(', ')}` : '';
  const canPost = conv.can_post !== false;
  const composer = /** @type {HTMLTextAreaElement} */ ($('composer'));
  composer.disabled = !canPost;
  composer.placeholder = canPost ? `Message ${convTitle(model, conv)} (Enter sends, Shift+Enter adds a line)` : 'You can no longer post here.';
  /** @type {HTMLButtonElement} */ ($('send')).disabled = !canPost;
}

/** Applies records and redraws what they touched. */
function apply(records, fromSync = false) {
  if (!model) return;
  const changed = fromSync ? applySyncResponse(model, records) : applyRecords(model, records);
  if (changed.edits) saveEdited(model.editedKeys);
  if (openId && !model.convs.has(openId)) closeConversation();
  if (changed.convs.size > 0 || changed.contacts) renderConvs();
  if (openId && (changed.messages.has(openId) || changed.contacts)) {
    renderFlow();
    markReadSoon();
  }
  if (openId && (changed.convs.has(openId) || changed.contacts)) renderHeader();
}

// ---- conversations -------------------------------------------------------------------------

async function openConversation(id) {
  if (!model || !model.convs.has(id)) return;
  if (openId !== id) {
    Object.assign(ui, { editNr: null, editDraft: null, confirmDeleteNr: null, reactNr: null });
    flowView.reset();
  }
  openId = id;
  history.replaceState(null, '', `#conv=${encodeURIComponent(id)}`);
  renderHeader();
  renderConvs();
  renderFlow();
  flowScroll().scrollTop = flowScroll().scrollHeight;
  const res = await attempt('load the conversation', () => api.call(`conversation/sync/${id}`, { mk_direction: 'ic_end' }));
  if (res && openId === id) {
    apply(res, true);
    flowScroll().scrollTop = flowScroll().scrollHeight;
    /** @type {HTMLTextAreaElement} */ ($('composer')).focus();
  }
}

function closeConversation() {
  openId = null;
  flowView.reset();
  $('conv-title').textContent = 'Pick a conversation';
  $('conv-members').textContent = '';
  $('flow-empty').hidden = false;
  $('flow-empty').textContent = 'Pick a conversation on the left.';
  $('load-earlier').hidden = true;
}

async function loadEarlier() {
  if (!model || !openId) return;
  const flow = model.messages.get(openId);
  const from = flow && flow.size > 0 ? Math.min(...flow.keys()) : 1;
  const scroller = flowScroll();
  const before = scroller.scrollHeight - scroller.scrollTop;
  const res = await attempt('load earlier messages', () => api.call(`conversation/sync/${openId}`, { mk_direction: 'ic_backward', from_message_nr: from }));
  if (!res) return;
  apply(res, true);
  scroller.scrollTop = scroller.scrollHeight - before;
  const after = model.messages.get(openId ?? '');
  if (after && Math.min(...after.keys()) >= from) $('load-earlier').hidden = true;
}

let markTimer = 0;
/** Moves the read horizon to the newest message while the conversation is on screen. */
function markReadSoon() {
  clearTimeout(markTimer);
  markTimer = window.setTimeout(async () => {
    if (!model || !openId || document.visibilityState !== 'visible') return;
    const conv = model.convs.get(openId);
    const last = Number(conv?.last_message_nr ?? 0);
    if (!conv || last <= Number(conv.read_message_nr ?? 0)) return;
    const id = openId;
    try {
      apply(await api.call(`message/mark_read/${id}`, { message_nr: last }), true);
    } catch {
      // Unread counts are cosmetic here; a failure must not disturb the reader.
    }
  }, 300);
}

// ---- new conversations ---------------------------------------------------------------------

const newConvForm = /** @type {HTMLFormElement} */ ($('new-conv-form'));

function closeNewConversation() {
  newConvForm.hidden = true;
  newConvForm.reset();
  $('new-conv-error').textContent = '';
  $('new-conv').setAttribute('aria-expanded', 'false');
}

/** Shows the form with everyone in the sandbox (not only people one already shares a conversation with). */
async function showNewConversation() {
  if (!model) return;
  newConvForm.hidden = false;
  $('new-conv').setAttribute('aria-expanded', 'true');
  const res = await attempt('load the people', () => api.call('contact/sync/all', {}));
  if (!res || !model) return;
  apply(Array.isArray(res.contacts) ? res.contacts : []);
  const m = model;
  const people = [...m.contacts.values()].filter((c) => c.account_id !== m.me).sort((a, b) => nameOf(m, a.account_id).localeCompare(nameOf(m, b.account_id)));
  const legend = $('new-conv-people').querySelector('legend');
  $('new-conv-people').replaceChildren(
    ...(legend ? [legend] : []),
    ...people.map((c) => {
      const name = nameOf(m, c.account_id);
      const box = Object.assign(document.createElement('input'), { type: 'checkbox', name: 'person', value: String(c.account_id) });
      box.dataset.testid = `new-conv-person-${name}`;
      const label = document.createElement('label');
      label.append(box, ` ${name}`);
      return label;
    }),
  );
  /** @type {HTMLInputElement} */ ($('new-conv-topic')).focus();
}

/** A direct chat with one person opens the existing one; anything else creates a conversation. */
async function startConversation(topic, accountIds) {
  if (!model) return;
  if (accountIds.length === 0) {
    $('new-conv-error').textContent = 'Pick at least one person.';
    return;
  }
  const m = model;
  if (!topic && accountIds.length === 1) {
    const existing = [...m.convs.values()].find((c) => isDirect(m, c) && (c.members ?? []).includes(accountIds[0]));
    if (existing) {
      closeNewConversation();
      return openConversation(String(existing.conversation_id));
    }
  }
  const res = await attempt('start the conversation', () => api.call('conversation/create', { topic, account_ids: accountIds, client_req_id: newRequestId() }));
  if (!res) return;
  apply(res, true);
  closeNewConversation();
  const id = res.header && typeof res.header === 'object' ? String(res.header.conversation_id) : '';
  if (id) await openConversation(id);
}

// ---- message actions (called from the message views) -----------------------------------------

async function store(what, msg, fields) {
  const res = await attempt(what, () => api.call(`message/store/${msg.conversation_id}`, { message_nr: msg.message_nr, client_req_id: newRequestId(), ...fields }));
  if (res) apply(res, true);
  return res;
}

const actions = {
  toggleReaction: (msg, reaction, mine) => store('react', msg, mine ? { del_reactions: [reaction] } : { add_reactions: [reaction] }),
  setPinned: (msg, pinned) => store(pinned ? 'pin' : 'unpin', msg, { tags: pinned ? ['pin'] : ['pin', 'is_archived'] }),
  setTask: (msg, state) => store('update the task', msg, { tags: [state === 'done' ? 'is_done' : 'is_todo'] }),
  startEdit(msg) {
    Object.assign(ui, { editNr: msg.message_nr, editDraft: null, confirmDeleteNr: null, reactNr: null });
    renderFlow();
  },
  startReaction(msg) {
    Object.assign(ui, { reactNr: msg.message_nr, confirmDeleteNr: null });
    renderFlow();
  },
  cancelReaction() {
    ui.reactNr = null;
    renderFlow();
  },
  async addReaction(msg, reaction) {
    const mine = reactionsOf(msg).some((x) => x.reaction === reaction && x.accountIds.includes(model?.me));
    ui.reactNr = null;
    if (!mine) await actions.toggleReaction(msg, reaction, false);
    renderFlow();
  },
  updateDraft(text) {
    ui.editDraft = text;
  },
  cancelEdit() {
    Object.assign(ui, { editNr: null, editDraft: null });
    renderFlow();
  },
  async saveEdit(msg, text) {
    if (!text.trim()) return showStatus('A message can’t be empty. Use Delete to remove it.', 'error');
    const res = await attempt('save the edit', () => api.call(`message/edit/${msg.conversation_id}`, { message_nr: msg.message_nr, message: text }));
    if (!res) return;
    Object.assign(ui, { editNr: null, editDraft: null });
    apply(res, true);
    renderFlow();
  },
  async deleteMessage(msg) {
    if (ui.confirmDeleteNr !== msg.message_nr) {
      ui.confirmDeleteNr = msg.message_nr;
      renderFlow();
      return;
    }
    ui.confirmDeleteNr = null;
    const res = await attempt('delete', () => api.call(`message/delete/${msg.conversation_id}`, { message_nr: msg.message_nr }));
    if (res) apply(res, true);
    renderFlow();
  },
};

async function send(text) {
  if (!openId || !text.trim()) return false;
  const reqId = pendingSend && pendingSend.text === text && pendingSend.convId === openId ? pendingSend.reqId : newRequestId();
  pendingSend = { text, convId: openId, reqId };
  const convId = openId;
  const res = await attempt('send', () => api.call(`message/send/${convId}`, { message: text, client_req_id: reqId }));
  if (!res) return false;
  pendingSend = null;
  apply(res, true);
  return true;
}

// ---- session -------------------------------------------------------------------------------

function showLogin(error = '') {
  $('login-view').hidden = false;
  $('chat-view').hidden = true;
  $('who').hidden = true;
  $('login-error').textContent = error;
}

/** Initial sync: poll from 0 without waiting until the horizon stops moving (PROTOCOL.md §3.4). */
async function initialSync(signal) {
  let horizon = 0;
  for (let round = 0; round < 50; round += 1) {
    const res = await api.poll(horizon, false, signal);
    apply(Array.isArray(res.stream) ? res.stream : []);
    const next = Number(res.event_horizon ?? horizon);
    const settled = next === horizon || !Array.isArray(res.stream) || res.stream.length === 0;
    horizon = next;
    if (settled) break;
  }
  return horizon;
}

let reconnects = 0;
/** Marks the connection live again after trouble, and tells whoever listens (tests, people). */
function reconnected() {
  reconnects += 1;
  $('conn').dataset.reconnects = String(reconnects);
  window.dispatchEvent(new CustomEvent('playground:reconnected', { detail: { reconnects } }));
  showStatus('Reconnected to the sandbox.');
}

/**
 * The live loop: long-poll, apply, repeat; on trouble retry at most every couple of seconds
 * (the sandbox restarting is the usual cause), stop on 401 or logout.
 */
async function pollLoop(current) {
  let failures = 0;
  while (session === current && !current.abort.signal.aborted) {
    try {
      // After trouble, ask without waiting: a held poll would hide the reconnection for its hold time.
      const res = await api.poll(current.horizon, failures === 0, current.abort.signal);
      if (session !== current) return;
      if (failures > 0) reconnected();
      failures = 0;
      setConn('live', 'live');
      const next = Number(res.event_horizon ?? current.horizon);
      if (next === 0) {
        // The server asks for a full resync (PROTOCOL.md §3.2).
        current.horizon = await initialSync(current.abort.signal);
        continue;
      }
      apply(Array.isArray(res.stream) ? res.stream : []);
      current.horizon = next;
    } catch (err) {
      if (current.abort.signal.aborted || session !== current) return;
      if (err instanceof ApiError && err.status === 401) return endSession(failures > 0 ? RESTARTED_HINT : EXPIRED_HINT);
      failures += 1;
      setConn('down', 'reconnecting…');
      // Half the ceiling plus jitter: never hammering, never more than RECONNECT_CEILING_MS apart.
      const ceiling = Math.min(RECONNECT_CEILING_MS, 250 * 2 ** Math.min(failures, 4));
      await new Promise((resolve) => window.setTimeout(resolve, ceiling / 2 + (Math.random() * ceiling) / 2));
    }
  }
}

async function startSession(accountId, ticket) {
  api.setTicket(ticket);
  const me = await api.call('account/sync');
  const current = { accountId, name: String(me.display_name ?? me.email ?? 'you'), horizon: 0, abort: new AbortController() };
  session = current;
  model = createModel(accountId, loadEdited());
  sessionStorage.setItem(SESSION_KEY, JSON.stringify({ accountId, ticket }));
  $('login-view').hidden = true;
  $('chat-view').hidden = false;
  $('who').hidden = false;
  $('me-name').textContent = current.name;
  $('me-avatar').replaceChildren(avatar(current.name));
  setConn('syncing', 'syncing…');
  current.horizon = await initialSync(current.abort.signal);
  setConn('live', 'live');
  renderConvs();
  const wanted = new URLSearchParams(location.hash.slice(1)).get('conv');
  if (wanted && model.convs.has(wanted)) void openConversation(wanted);
  void pollLoop(current);
}

function endSession(message = '') {
  session?.abort.abort();
  session = null;
  model = null;
  api.setTicket(null);
  sessionStorage.removeItem(SESSION_KEY);
  closeConversation();
  closeNewConversation();
  $('conv-list').replaceChildren();
  showLogin(message);
}

async function login(email, password) {
  $('login-error').textContent = '';
  document.body.classList.add('busy');
  try {
    const res = await api.login(email, password);
    await startSession(String(res.account_id), String(res.ticket));
  } catch (err) {
    endSession(err instanceof ApiError && err.status === 431 ? 'That e-mail and password don’t match. Demo people use the password “demo”.' : `Couldn’t log in: ${describe(err)}`);
  } finally {
    document.body.classList.remove('busy');
  }
}

// ---- remembered edits ---------------------------------------------------------------------

function loadEdited() {
  try {
    const list = JSON.parse(localStorage.getItem(EDITED_KEY) ?? '[]');
    return Array.isArray(list) ? list.filter((k) => typeof k === 'string') : [];
  } catch {
    return [];
  }
}

/** @param {Set<string>} keys */
function saveEdited(keys) {
  try {
    localStorage.setItem(EDITED_KEY, JSON.stringify([...keys]));
  } catch {
    // Storage full or disabled: "(edited)" then lasts until the next reload only.
  }
}

// ---- wiring --------------------------------------------------------------------------------

for (const btn of document.querySelectorAll('button.person')) {
  const face = btn.querySelector('.avatar');
  if (face instanceof HTMLElement) face.style.setProperty('--hue', String(hue(/** @type {HTMLElement} */ (btn).dataset.name ?? '')));
  btn.addEventListener('click', () => login(/** @type {HTMLElement} */ (btn).dataset.email ?? '', 'demo'));
}
$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  login(/** @type {HTMLInputElement} */ ($('login-email')).value.trim(), /** @type {HTMLInputElement} */ ($('login-password')).value);
});
$('logout').addEventListener('click', async () => {
  session?.abort.abort();
  await api.logout().catch(() => undefined);
  history.replaceState(null, '', location.pathname);
  endSession();
});
$('load-earlier').addEventListener('click', () => void loadEarlier());
$('new-conv').addEventListener('click', () => (newConvForm.hidden ? void showNewConversation() : closeNewConversation()));
$('new-conv-cancel').addEventListener('click', closeNewConversation);
newConvForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const topic = /** @type {HTMLInputElement} */ ($('new-conv-topic')).value.trim();
  const ids = [...newConvForm.querySelectorAll('input[name="person"]:checked')].map((box) => /** @type {HTMLInputElement} */ (box).value);
  void startConversation(topic, ids);
});

const composer = /** @type {HTMLTextAreaElement} */ ($('composer'));
const composerForm = /** @type {HTMLFormElement} */ ($('composer-form'));
function autosize() {
  composer.style.height = 'auto';
  composer.style.height = `${Math.min(composer.scrollHeight, 200)}px`;
}
composer.addEventListener('input', autosize);
composer.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    composerForm.requestSubmit();
  }
});
composerForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = composer.value;
  if (!text.trim()) return;
  if (await send(text)) {
    if (composer.value === text) composer.value = '';
    autosize();
    flowScroll().scrollTop = flowScroll().scrollHeight;
  }
});
document.addEventListener('visibilitychange', markReadSoon);

// Each origin keeps one login cookie, so a second person needs a second address.
const other = location.hostname === '127.0.0.1' ? 'localhost' : location.hostname === 'localhost' ? '127.0.0.1' : null;
if (other) {
  const url = `${location.protocol}//${other}${location.port ? `:${location.port}` : ''}/`;
  const link = document.createElement('a');
  link.href = url;
  link.target = '_blank';
  link.textContent = url;
  $('two-people').append('To be two people at once, open ', link, ' in another tab: each address keeps its own login.');
}

const saved = (() => {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
  } catch {
    return null;
  }
})();
if (saved && typeof saved.ticket === 'string' && typeof saved.accountId === 'string') {
  startSession(saved.accountId, saved.ticket).catch(() => endSession(EXPIRED_HINT));
} else {
  showLogin();
}
