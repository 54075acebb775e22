// Builds the DOM of one message in the flow. Pure: model + message in, element out; user
// intents go to the `actions` callbacks supplied by app.js.

import { bodyText, renderBody } from './markup.js';
import { messageFlags, nameOf, reactionsOf, systemText } from './model.js';

/** The reactions offered on hover; "＋" next to them takes any other one. */
export const QUICK_REACTIONS = ['👍', '✅', '👀', '📌'];

/** The label that shows a message's number, which commands such as `!done 12` take. */
function numberLabel(nr) {
  return el('span', { class: 'msg-nr', 'data-testid': 'message-nr', title: `Message number ${nr}: commands that take a message use it`, text: `#${nr}` });
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** Short local time; the date too when it is not today. */
export function formatTime(seconds) {
  if (!seconds) return '';
  const d = new Date(seconds * 1000);
  return d.toDateString() === new Date().toDateString() ? timeFmt.format(d) : dateFmt.format(d);
}

/** `document.createElement` with class, text and attributes in one call. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = String(v);
    else if (k === 'text') node.textContent = String(v);
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** Hues far enough apart to tell people apart at a glance. */
const PALETTE = [28, 268, 145, 185, 212, 0, 45, 338];

/** A stable hue per name, so each person keeps one avatar colour (also on the login screen). */
export function hue(name) {
  let h = 2166136261;
  for (const ch of String(name).toLowerCase()) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return PALETTE[h % PALETTE.length];
}

/** A round initial badge for an author. */
export function avatar(name) {
  return el('span', { class: 'avatar', 'aria-hidden': 'true', style: `--hue:${hue(name)}`, text: (name.trim()[0] ?? '?').toUpperCase() });
}

function button(label, text, onclick, extra = {}) {
  return el('button', { type: 'button', 'aria-label': label, title: label, text, onclick, ...extra });
}

function taskBadge(model, msg, flags, actions) {
  const assignees = Array.isArray(msg.assignee_ids) ? msg.assignee_ids : [];
  const box = el('button', {
    type: 'button',
    role: 'checkbox',
    class: 'check',
    'aria-checked': flags.done ? 'true' : 'false',
    'aria-label': flags.done ? 'Reopen task' : 'Mark task done',
    title: flags.done ? 'Reopen task' : 'Mark task done',
    text: flags.done ? '✓' : '',
    onclick: () => actions.setTask(msg, flags.done ? 'todo' : 'done'),
  });
  const names = assignees.map((id, i) => [i > 0 ? ', ' : '', el('span', { class: 'assignee', 'data-testid': 'assignee', text: nameOf(model, id) })]).flat();
  return el(
    'span',
    { class: `badge task${flags.done ? ' done' : ''}`, 'data-testid': 'task-badge', 'data-task-state': flags.done ? 'done' : 'todo' },
    box,
    el('span', { text: flags.done ? 'Done' : 'To do' }),
    assignees.length > 0 ? el('span', { class: 'assignees' }, '· ', ...names) : null,
  );
}

function reactionChips(model, msg, actions) {
  const list = reactionsOf(msg);
  if (list.length === 0) return null;
  return el(
    'div',
    { class: 'reactions' },
    ...list.map(({ reaction, accountIds }) => {
      const mine = accountIds.includes(model.me);
      const who = accountIds.map((id) => nameOf(model, id)).join(', ');
      return el('button', {
        type: 'button',
        class: `chip${mine ? ' mine' : ''}`,
        'data-testid': 'reaction',
        'data-reaction': reaction,
        'aria-pressed': mine ? 'true' : 'false',
        'aria-label': `${reaction} ${accountIds.length}: ${who}. ${mine ? 'Remove your reaction' : 'React too'}`,
        title: who,
        text: `${reaction} ${accountIds.length}`,
        onclick: () => actions.toggleReaction(msg, reaction, mine),
      });
    }),
  );
}

function toolbar(model, msg, flags, ui, actions) {
  const own = msg.account_id === model.me;
  const confirming = ui.confirmDeleteNr === msg.message_nr;
  return el(
    'div',
    { class: 'msg-actions', role: 'toolbar', 'aria-label': 'Message actions' },
    ...QUICK_REACTIONS.map((r) => button(`React with ${r}`, r, () => actions.toggleReaction(msg, r, reactionsOf(msg).some((x) => x.reaction === r && x.accountIds.includes(model.me))), { class: 'react' })),
    button('React with another emoji', '＋', () => actions.startReaction(msg), { class: 'react', 'data-testid': 'react-other' }),
    el('span', { class: 'sep', 'aria-hidden': 'true' }),
    button(flags.pinned ? 'Unpin' : 'Pin', flags.pinned ? 'Unpin' : 'Pin', () => actions.setPinned(msg, !flags.pinned)),
    flags.task
      ? button(flags.done ? 'Reopen task' : 'Mark done', flags.done ? 'Reopen' : 'Done', () => actions.setTask(msg, flags.done ? 'todo' : 'done'))
      : button('Make task', 'Task', () => actions.setTask(msg, 'todo')),
    own ? button('Edit', 'Edit', () => actions.startEdit(msg)) : null,
    button(confirming ? 'Confirm delete' : 'Delete', confirming ? 'Really delete?' : 'Delete', () => actions.deleteMessage(msg), { class: confirming ? 'danger' : 'quiet-danger' }),
  );
}

function editForm(msg, ui, actions) {
  const area = el('textarea', { 'aria-label': 'Edit message', rows: '2' });
  area.value = ui.editDraft ?? bodyText(msg.message ?? '');
  area.addEventListener('input', () => actions.updateDraft(area.value));
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') actions.cancelEdit();
    else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  const form = el(
    'form',
    { class: 'edit-form', 'aria-label': 'Edit message' },
    area,
    el('div', { class: 'edit-buttons' }, el('button', { type: 'submit', class: 'primary', text: 'Save' }), button('Cancel editing', 'Cancel', () => actions.cancelEdit())),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    actions.saveEdit(msg, area.value);
  });
  queueMicrotask(() => area.isConnected && document.activeElement !== area && area.focus());
  return form;
}

function reactionForm(msg, actions) {
  const input = el('input', { type: 'text', class: 'reaction-input', 'data-testid': 'reaction-input', 'aria-label': 'Any reaction', placeholder: 'Any emoji or word, then Enter', maxlength: '32' });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') actions.cancelReaction();
  });
  const form = el('form', { class: 'reaction-form', 'aria-label': 'Add a reaction' }, input, button('Cancel reaction', 'Cancel', () => actions.cancelReaction()));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const reaction = input.value.trim();
    if (reaction) actions.addReaction(msg, reaction);
  });
  queueMicrotask(() => input.isConnected && document.activeElement !== input && input.focus());
  return form;
}

/**
 * Builds one chat or system message element.
 * @param {ReturnType<import('./model.js').createModel>} model
 * @param {Record<string, unknown>} msg the merged message record
 * @param {{ grouped: boolean, kind: string }} place where it sits in the flow
 * @param {{ editNr: number | null, editDraft: string | null, confirmDeleteNr: number | null, reactNr: number | null }} ui
 * @param {Record<string, Function>} actions
 */
export function buildMessage(model, msg, place, ui, actions) {
  if (place.kind === 'system') {
    return el('li', { class: 'sys', 'data-testid': 'message', 'data-message-nr': msg.message_nr, 'data-kind': 'system' }, el('span', { text: systemText(model, msg) }), el('time', { text: formatTime(msg.posted_time) }));
  }
  const flags = messageFlags(msg);
  const author = msg.sender_name && msg.hook_key ? String(msg.sender_name) : nameOf(model, msg.account_id);
  const own = msg.account_id === model.me;
  const classes = ['msg', own ? 'own' : '', flags.deleted ? 'deleted' : '', flags.pinned ? 'pinned' : '', place.grouped ? 'grouped' : ''].filter(Boolean).join(' ');
  const editing = ui.editNr === msg.message_nr && !flags.deleted;
  const reacting = ui.reactNr === msg.message_nr && !flags.deleted && !editing;

  const body = flags.deleted
    ? el('div', { class: 'body', text: 'This message was deleted.' })
    : editing
      ? editForm(msg, ui, actions)
      : el('div', { class: 'body' }, renderBody(msg.message ?? ''), flags.edited ? el('span', { class: 'edited', 'data-testid': 'edited', text: ' (edited)' }) : null);

  const badges = [];
  if (flags.pinned) badges.push(el('span', { class: 'badge pin', 'data-testid': 'pin-badge', text: '📌 Pinned' }));
  if (flags.task) badges.push(taskBadge(model, msg, flags, actions));

  return el(
    'li',
    { class: classes, 'data-testid': 'message', 'data-message-nr': msg.message_nr, 'data-author': author, 'aria-label': `${author}, ${formatTime(msg.posted_time)}` },
    place.grouped ? el('span', { class: 'gutter' }, el('time', { class: 'gutter-time', text: formatTime(msg.posted_time) }), numberLabel(msg.message_nr)) : avatar(author),
    el(
      'div',
      { class: 'msg-main' },
      place.grouped
        ? null
        : el(
            'div',
            { class: 'msg-head' },
            el('span', { class: 'author', text: author }),
            el('time', { text: formatTime(msg.posted_time), datetime: msg.posted_time ? new Date(Number(msg.posted_time) * 1000).toISOString() : null }),
            numberLabel(msg.message_nr),
          ),
      body,
      badges.length > 0 ? el('div', { class: 'badges' }, ...badges) : null,
      flags.deleted ? null : reactionChips(model, msg, actions),
      reacting ? reactionForm(msg, actions) : null,
    ),
    flags.deleted || editing || reacting ? null : toolbar(model, msg, flags, ui, actions),
  );
}
