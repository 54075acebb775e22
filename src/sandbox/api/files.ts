/**
 * `file/upload` (PROTOCOL.md §7.13, §R2.12): multipart `files` parts or a PUT of raw bytes.
 * Identical bytes keep one file id (each upload gets its own `upload_url`); the answer has
 * exactly `file_id, upload_url, name, size, file_type, file_sha256`, plus `width`/`height` for
 * an image the sandbox had not seen before.
 */
import { createHash, randomBytes } from 'node:crypto';
import { badRequest } from '../errors.js';
import { sniffFile } from '../file-sniff.js';
import { parseMultipart } from '../http-body.js';
import type { StoredFile } from '../model.js';
import type { SandboxState } from '../state.js';
import type { ApiContext, ApiRoute } from './context.js';
import { caller } from './context.js';

function dispositionName(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return undefined;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(s)?.[1];
  if (star) return decodeURIComponent(star);
  return /filename="?([^";]+)"?/i.exec(s)?.[1];
}

function inputsOf(ctx: ApiContext): Array<{ name: string; type: string; data: Buffer }> {
  const type = String(ctx.headers['content-type'] ?? '');
  if (/^multipart\/form-data/i.test(type)) {
    const parts = parseMultipart(ctx.raw, type);
    if (!parts) throw badRequest('Malformed multipart body; send form-data with one or more "files" parts');
    const inputs = parts.filter((p) => p.name === 'files').map((p) => ({ name: p.filename ?? 'file', type: p.contentType, data: p.data }));
    if (inputs.length === 0) throw badRequest('No "files" part in the upload; name the form field "files"');
    return inputs;
  }
  const name = dispositionName(ctx.headers['content-disposition']);
  if (!name) throw badRequest('PUT upload needs Content-Disposition: attachment; filename="name.ext"');
  return [{ name, type, data: ctx.raw }];
}

/** The stored file with these bytes, if any (file ids are per content). */
function bySha(files: Map<string, StoredFile>, sha: string): StoredFile | undefined {
  for (const f of files.values()) if (f.sha256 === sha) return f;
  return undefined;
}

/**
 * Stores uploaded bytes (one file id per content) and returns the upload answer: `width`/`height`
 * only for an image the sandbox had not seen before.
 */
export function storeUpload(state: SandboxState, owner: string, f: { name: string; type: string; data: Buffer }): Record<string, unknown> {
  const sha256 = createHash('sha256').update(f.data).digest('hex');
  const known = bySha(state.files, sha256);
  const stored: StoredFile = known ?? { file_id: randomBytes(16).toString('base64url'), account_id: owner, name: f.name, type: '', size: f.data.length, sha256, data_base64: f.data.toString('base64'), posted_time: state.now() };
  if (!known) {
    const sniffed = sniffFile(f.data, f.type);
    stored.type = sniffed.type;
    if (sniffed.width !== undefined) stored.width = sniffed.width;
    if (sniffed.height !== undefined) stored.height = sniffed.height;
    if (sniffed.is_animated !== undefined) stored.is_animated = sniffed.is_animated;
    state.files.set(stored.file_id, stored);
  }
  const answer: Record<string, unknown> = {
    file_id: stored.file_id,
    upload_url: `/uploads/${stored.file_id}/${randomBytes(9).toString('base64url')}`,
    name: f.name,
    size: stored.size,
    file_type: stored.type,
    file_sha256: stored.sha256,
  };
  if (!known && stored.width !== undefined && stored.height !== undefined) Object.assign(answer, { width: stored.width, height: stored.height });
  return answer;
}

function upload(ctx: ApiContext): unknown {
  const me = caller(ctx).account_id;
  const files = inputsOf(ctx).map((f) => storeUpload(ctx.state, me, f));
  ctx.state.onChange();
  return { files };
}

/** Routes of this file. */
export const fileRoutes: Record<string, ApiRoute> = {
  'file/upload': { handler: upload },
};
