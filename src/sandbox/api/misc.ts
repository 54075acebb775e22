/**
 * Contacts, search, file upload and classificators (PROTOCOL.md §7.11–7.13, §10).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FleepRecord } from '../../api/records.js';
import { badRequest, notFound } from '../errors.js';
import { visibleMessages } from '../flow.js';
import { parseMultipart } from '../http-body.js';
import type { StoredFile } from '../model.js';
import { contactRecord, convHeader, forViewer } from '../views.js';
import type { ApiContext, ApiRoute } from './context.js';
import { caller, optString, optStrings, reqString } from './context.js';

function contactSync(ctx: ApiContext): unknown {
  const id = reqString(ctx.body, 'contact_id');
  const a = ctx.state.accounts.get(id);
  if (!a) throw notFound(`Contact not found: ${id}`);
  return contactRecord(a);
}

function contactList(ctx: ApiContext): unknown {
  const ids = optStrings(ctx.body, 'contacts') ?? [];
  return { contacts: ids.flatMap((id) => (ctx.state.accounts.has(id) ? [contactRecord(ctx.state.accounts.get(id)!)] : [])) };
}

function contactAll(ctx: ApiContext): unknown {
  const ignore = new Set(optStrings(ctx.body, 'ignore') ?? []);
  const search = optString(ctx.body, 'search_str')?.toLowerCase();
  const contacts = [...ctx.state.accounts.values()]
    .filter((a) => !ignore.has(a.account_id))
    .filter((a) => !search || [a.email, a.display_name, a.fleep_address].some((s) => s.toLowerCase().includes(search)))
    .map(contactRecord);
  return { contacts };
}

function search(ctx: ApiContext): unknown {
  const { state } = ctx;
  const me = caller(ctx).account_id;
  const raw = ctx.body.keywords;
  const keywords = Array.isArray(raw) ? raw.filter((k): k is string => typeof k === 'string').join(' ') : raw;
  if (typeof keywords !== 'string' || keywords.trim() === '') throw badRequest('keywords must be a non-empty string');
  const words = keywords.toLowerCase().split(/\s+/).filter(Boolean);
  const only = optString(ctx.body, 'conversation_id');
  const matches: FleepRecord[] = [];
  const headers: FleepRecord[] = [];
  for (const conv of state.conversations.values()) {
    if (only && conv.conversation_id !== only) continue;
    if (!conv.members.includes(me) && !conv.leavers.includes(me)) continue;
    let hit = false;
    for (const m of visibleMessages(conv)) {
      if (m.mk_message_type !== 'text' || m.deleted) continue;
      const text = m.text.toLowerCase();
      if (!words.every((w) => text.includes(w))) continue;
      hit = true;
      matches.push(forViewer(state.messageRecord(conv, m), me, { marked_text: m.text }));
    }
    if (hit) headers.push(convHeader(conv, me, state.displayName, 'ic_header'));
  }
  return { matches, headers };
}

function dispositionName(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return undefined;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(s)?.[1];
  if (star) return decodeURIComponent(star);
  return /filename="?([^";]+)"?/i.exec(s)?.[1];
}

function upload(ctx: ApiContext): unknown {
  const { state } = ctx;
  const me = caller(ctx).account_id;
  const type = String(ctx.headers['content-type'] ?? '');
  const inputs: Array<{ name: string; type: string; data: Buffer }> = [];
  if (/^multipart\/form-data/i.test(type)) {
    const parts = parseMultipart(ctx.raw, type);
    if (!parts) throw badRequest('Malformed multipart body; send form-data with one or more "files" parts');
    for (const p of parts) if (p.name === 'files') inputs.push({ name: p.filename ?? 'file', type: p.contentType, data: p.data });
    if (inputs.length === 0) throw badRequest('No "files" part in the upload; name the form field "files"');
  } else {
    const name = dispositionName(ctx.headers['content-disposition']);
    if (!name) throw badRequest('PUT upload needs Content-Disposition: attachment; filename="name.ext"');
    inputs.push({ name, type: type || 'application/octet-stream', data: ctx.raw });
  }
  const files = inputs.map((f) => {
    const stored: StoredFile = {
      file_id: randomBytes(16).toString('base64url'),
      account_id: me,
      name: f.name,
      type: f.type,
      size: f.data.length,
      sha256: createHash('sha256').update(f.data).digest('hex'),
      data_base64: f.data.toString('base64'),
      posted_time: state.now(),
    };
    state.files.set(stored.file_id, stored);
    return {
      file_id: stored.file_id,
      upload_url: `/uploads/${stored.file_id}`,
      name: stored.name,
      size: stored.size,
      file_type: stored.type,
      file_sha256: stored.sha256,
      width: null,
      height: null,
      is_animated: false,
    };
  });
  state.onChange();
  return { files };
}

function classificators(): unknown {
  return {
    mk_account_status: ['new', 'active', 'banned', 'closed'],
    mk_alert_level: ['never', 'default'],
    mk_email_interval: ['default', 'daily', 'never'],
    mk_push_new_message: ['first', 'all'],
    mk_message_type: ['text', 'email', 'create', 'add', 'leave', 'kick', 'topic', 'alerts', 'disclose', 'hook', 'unhook', 'separator', 'replace', 'share', 'unshare', 'autojoin', 'delfile'],
    mk_message_state: ['plain', 'system', 'deleted', 'pinned', 'unpinned', 'todo', 'done'].map((s) => `urn:fleep:message:mk_message_state:${s}`),
  };
}

/** Routes of this file. */
export const miscRoutes: Record<string, ApiRoute> = {
  'contact/sync': { handler: contactSync },
  'contact/sync/list': { handler: contactList },
  'contact/sync/all': { handler: contactAll },
  search: { handler: search },
  'file/upload': { handler: upload },
  classificators: { handler: classificators, auth: false },
};
