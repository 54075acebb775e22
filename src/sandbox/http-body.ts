/**
 * Request body reading with a hard size cap (counted while streaming, never buffered past the
 * cap) and a small multipart/form-data parser for `file/upload`.
 */
import type { IncomingMessage } from 'node:http';

/** Largest accepted request body (PROTOCOL.md §12 #6). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Outcome of {@link readBody}. */
export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: 'too_large' | 'aborted' };

/** Past this many bytes a refused body is no longer drained: the socket is closed instead. */
export const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

/**
 * Reads the body up to `limit` bytes. A longer body (declared or streamed) is read to its end
 * and thrown away before `too_large` is reported, so the refusal is written to a client that
 * has finished sending and reads it, instead of meeting a reset mid-upload (PROTOCOL.md §R2.14).
 * Only a body past {@link MAX_DRAIN_BYTES} is cut off.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<BodyResult> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = Number.isFinite(declared) && declared > limit;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (!over && size > limit) {
        over = true;
        chunks.length = 0;
      }
      if (over) {
        if (size > MAX_DRAIN_BYTES) {
          resolve({ ok: false, reason: 'too_large' });
          req.destroy();
        }
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? { ok: false, reason: 'too_large' } : { ok: true, body: Buffer.concat(chunks, size) }));
    req.on('error', () => resolve({ ok: false, reason: 'aborted' }));
    req.on('close', () => {
      if (!req.complete) resolve({ ok: false, reason: over ? 'too_large' : 'aborted' });
    });
  });
}

/** One part of a multipart body. */
export interface MultipartPart {
  name: string;
  filename: string | undefined;
  contentType: string;
  data: Buffer;
}

/** Parses multipart/form-data; returns undefined when the body is not well-formed. */
export function parseMultipart(body: Buffer, contentType: string): MultipartPart[] | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos === -1) return undefined;
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') return parts;
    if (body.subarray(pos, pos + 2).toString() === '\r\n') pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd === -1) return undefined;
    const next = body.indexOf(delimiter, headerEnd + 4);
    if (next === -1) return undefined;
    const headers = body.subarray(pos, headerEnd).toString('utf8');
    let end = next;
    if (body[end - 2] === 0x0d && body[end - 1] === 0x0a) end -= 2;
    const disp = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const type = /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim() ?? 'application/octet-stream';
    parts.push({
      name: /\bname="([^"]*)"/i.exec(disp)?.[1] ?? '',
      filename: /\bfilename="([^"]*)"/i.exec(disp)?.[1],
      contentType: type,
      data: body.subarray(headerEnd + 4, end),
    });
    pos = next;
  }
}
