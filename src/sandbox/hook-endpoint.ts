/**
 * `POST /hook/<key>` (PROTOCOL.md §8.1, §R2.15): posting into a conversation without a login.
 * Accepts JSON `{message, user?}`, a form (`message=`, `user=`), multipart (`message` plus
 * `files` parts) and, for `import` hooks, `{messages: [{message, posted_time, sender_name,
 * message_key}]}`. The message is authored by the hook's owner and carries `hook_key`; `user`
 * becomes `sender_name`. Answers 200 `{}`.
 */
import { storeUpload } from './api/files.js';
import { sendText } from './api/message-ops.js';
import { SandboxHttpError, badRequest } from './errors.js';
import { findHook } from './hooks.js';
import { parseMultipart } from './http-body.js';
import type { SandboxState } from './state.js';

/** One message to post. */
interface HookPost {
  text: string;
  user?: string | undefined;
  postedTime?: number | undefined;
  uploads: string[];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Reads the posts out of a hook request body. */
function postsOf(state: SandboxState, owner: string, isImport: boolean, contentType: string, raw: Buffer): HookPost[] {
  if (/^multipart\/form-data/i.test(contentType)) {
    const parts = parseMultipart(raw, contentType);
    if (!parts) throw badRequest('Malformed multipart body; send a "message" field and optional "files" parts');
    const field = (name: string): string | undefined => parts.find((p) => p.name === name && p.filename === undefined)?.data.toString('utf8');
    const uploads = parts.filter((p) => p.name === 'files' && p.filename !== undefined).map((p) => String(storeUpload(state, owner, { name: p.filename as string, type: p.contentType, data: p.data }).upload_url));
    return [{ text: field('message') ?? '', user: field('user'), uploads }];
  }
  const text = raw.toString('utf8');
  if (/^application\/x-www-form-urlencoded/i.test(contentType)) {
    const form = new URLSearchParams(text);
    return [{ text: form.get('message') ?? '', user: form.get('user') ?? undefined, uploads: [] }];
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest('Send JSON {"message": "text", "user": "name"}, a form with message=, or multipart');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('The body must be a JSON object');
  const b = body as Record<string, unknown>;
  if (isImport && Array.isArray(b.messages)) {
    return b.messages.map((m: unknown) => {
      const o = (typeof m === 'object' && m !== null ? m : {}) as Record<string, unknown>;
      return { text: str(o.message) ?? '', user: str(o.sender_name), postedTime: typeof o.posted_time === 'number' ? o.posted_time : undefined, uploads: [] };
    });
  }
  return [{ text: str(b.message) ?? '', user: str(b.user), uploads: [] }];
}

/** Handles one hook request; throws SandboxHttpError on refusals. */
export function handleHookPost(state: SandboxState, key: string, contentType: string, raw: Buffer): unknown {
  const found = findHook(state, key);
  if (!found) throw new SandboxHttpError(404, 'not_found', `No hook with key ${key}; create one with conversation/create_hook`);
  const { conv, hook } = found;
  state.requireMember(conv, hook.account_id);
  const posts = postsOf(state, hook.account_id, hook.mk_hook_type === 'import', contentType, raw);
  for (const p of posts) {
    sendText(state, conv, hook.account_id, { text: p.text, attachments: p.uploads, hookKey: hook.hook_key, senderName: p.user, postedTime: p.postedTime });
  }
  return {};
}
