/**
 * Static files: the playground page from src/sandbox/public/ at `/`, and uploaded files at
 * `/file/<file_id>/<name>`.
 */
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { SandboxState } from './state.js';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  json: 'application/json; charset=utf-8',
};

/** Maps a URL path to a file of the public directory; only plain names, so no path escapes it. */
function publicFile(path: string): { file: string; type: string } | undefined {
  if (path === '/') return { file: 'index.html', type: TYPES.html as string };
  const m = /^\/([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\.([a-z]+)$/.exec(path);
  const type = m ? TYPES[m[2] as string] : undefined;
  if (!m || !type) return undefined;
  return { file: `${m[1]}.${m[2]}`, type };
}

function notFound(res: ServerResponse, what: string): void {
  const body = JSON.stringify({ error_id: 'not_found', error_message: `${what} not found` });
  res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Serves a GET for a static path; returns false when the path is not a static one. */
export async function serveStatic(path: string, res: ServerResponse, state: SandboxState): Promise<boolean> {
  const page = publicFile(path);
  if (page) {
    try {
      const data = await readFile(PUBLIC_DIR + page.file);
      res.writeHead(200, { 'content-type': page.type, 'content-length': data.length, 'cache-control': 'no-cache' });
      res.end(data);
    } catch {
      notFound(res, `Playground file ${page.file}`);
    }
    return true;
  }
  const file = /^\/file\/([^/]+)(?:\/.*)?$/.exec(path);
  if (file) {
    const f = state.files.get(file[1] as string);
    if (!f) {
      notFound(res, 'File');
      return true;
    }
    const data = Buffer.from(f.data_base64, 'base64');
    // As Fleep serves files (PROTOCOL.md §R2.12): no active content, private caching, and a
    // download prompt for everything but images.
    const headers: Record<string, string | number> = {
      'content-type': f.type,
      'content-length': data.length,
      'content-security-policy': "default-src 'none'",
      'cache-control': 'private, max-age=86400',
    };
    if (!f.type.startsWith('image/')) headers['content-disposition'] = `attachment; filename="${f.name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(f.name)}`;
    res.writeHead(200, headers);
    res.end(data);
    return true;
  }
  return false;
}
