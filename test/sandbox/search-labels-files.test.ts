/**
 * `search` honours `search_types` (PROTOCOL.md §R2.10); labels set with `conversation/store`
 * are kept and returned (§R2.11); uploads sniff the type, read image sizes and keep one file id
 * per content; file downloads carry Fleep's headers (§R2.12); an oversized body is refused with
 * a readable 413 (§R2.14).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import { rawLogin, start } from './helpers.js';
import type { Raw } from './helpers.js';

type Rec = Record<string, unknown>;

let sb: SandboxHandle;
let alice: Raw;
let conv: string;

/** A 3×2 PNG (IHDR only is enough for the sniffer). */
function png(width: number, height: number): Buffer {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return b;
}

async function put(name: string, type: string, body: Buffer): Promise<Rec> {
  const res = await fetch(`${sb.url}/api/file/upload/?ticket=${alice.ticket}`, { method: 'PUT', headers: { cookie: alice.cookie, 'content-type': type, 'content-disposition': `attachment; filename="${name}"` }, body });
  expect(res.status).toBe(200);
  return ((await res.json()) as { files: Rec[] }).files[0] as Rec;
}

beforeAll(async () => {
  sb = await start();
  alice = await rawLogin(sb, 'alice@example.com');
  conv = ((await alice.call('conversation/create', { topic: 'search partial', account_ids: [sb.accounts['bob@example.com']] })).body.header as Rec).conversation_id as string;
  await alice.call(`message/send/${conv}`, { message: 'plain deploy note' });
  await alice.call(`message/store/${conv}`, { message: 'pinned deploy', tags: ['pin'] });
  await alice.call(`message/store/${conv}`, { message: 'deploy todo', tags: ['is_todo'] });
  await alice.call(`message/store/${conv}`, { message: 'deploy done', tags: ['is_done'] });
});
afterAll(() => sb.close());

describe('search_types', () => {
  const search = async (body: Rec): Promise<Rec> => (await alice.call('search', body)).body;

  it('no types: every kind of message; the answer has headers, matches, stream and suggestions', async () => {
    const res = await search({ keywords: 'deploy' });
    expect((res.matches as Rec[]).map((m) => m.message)).toHaveLength(4);
    expect(res).toMatchObject({ stream: [], suggestions: null });
    expect(res.headers).toEqual([{ mk_rec_type: 'conv', conversation_id: conv, members: [alice.accountId, sb.accounts['bob@example.com']], topic: 'search partial' }]);
  });

  it('["task"] finds tasks only (pins are not tasks); ["pin"] the pin', async () => {
    expect(((await search({ keywords: 'deploy', search_types: ['task'] })).matches as Rec[]).map((m) => m.mk_message_state)).toEqual([
      'urn:fleep:message:mk_message_state:todo',
      'urn:fleep:message:mk_message_state:done',
    ]);
    expect(((await search({ keywords: 'deploy', search_types: ['pin'] })).matches as Rec[])).toHaveLength(1);
    expect(((await search({ keywords: 'plain', search_types: ['task'] })).matches as Rec[])).toHaveLength(0);
  });

  it('["topic"] matches the topic and member names, by word prefix, with no message matches', async () => {
    const res = await search({ keywords: 'searc Partia', search_types: ['topic'] });
    expect(res.matches).toEqual([]);
    expect((res.headers as Rec[]).map((h) => h.conversation_id)).toEqual([conv]);
    expect(((await search({ keywords: 'Bob', search_types: ['topic'] })).headers as Rec[]).map((h) => h.conversation_id)).toContain(conv);
  });

  it('an unknown search type is a 400 naming the known ones', async () => {
    const res = await alice.call('search', { keywords: 'x', search_types: ['everything'] });
    expect(res.status).toBe(400);
    expect(String(res.body.error_message)).toContain('topic, chat, file, pin, task, subject');
  });
});

describe('labels', () => {
  it('conversation/store {labels} creates label records, the header carries labels and label_ids; a later set replaces it', async () => {
    const h = (await alice.call('account/sync')).body.event_horizon as number;
    const res = await alice.call(`conversation/store/${conv}`, { labels: ['backend', 'frontend'] });
    const header = res.body.header as Rec;
    expect(header.labels).toEqual(['backend', 'frontend']);
    expect(header.label_ids).toHaveLength(2);
    const stream = (await alice.call('account/poll', { event_horizon: h, wait: false })).body.stream as Rec[];
    expect(stream.filter((r) => r.mk_rec_type === 'label').map((r) => r.label)).toEqual(['backend', 'frontend']);
    expect(stream.find((r) => r.mk_rec_type === 'label')).toMatchObject({ mk_label_type: 'user_label', mk_label_subtype: 'user', mk_label_status: 'active' });
    const replaced = (await alice.call(`conversation/store/${conv}`, { labels: ['finance'] })).body.header as Rec;
    expect(replaced.labels).toEqual(['finance']);
    const again = (await alice.call(`conversation/sync/${conv}`, { mk_direction: 'ic_header' })).body.header as Rec;
    expect(again).toMatchObject({ labels: ['finance'], label_ids: replaced.label_ids });
  });
});

describe('label calls', () => {
  it('label/store creates a user label; label/sync_conversations answers it and the labelled conversations as ic_tiny; index -1 removes it', async () => {
    const made = (await alice.call('label/store', { label: 'full-stack' })).body.stream as Rec[];
    expect(made[0]).toMatchObject({ mk_rec_type: 'label', label: 'full-stack', mk_label_type: 'user_label', mk_label_subtype: 'user', mk_label_status: 'active', is_on_left_pane: true, is_in_muted: true, is_in_recent: true });
    const id = made[0]?.label_id;
    await alice.call(`conversation/store/${conv}`, { label_ids: [id] });
    const synced = (await alice.call('label/sync_conversations', { label_id: id })).body.stream as Rec[];
    expect(synced[0]).toMatchObject({ mk_rec_type: 'label', label_id: id, sync_cursor: '{}', sync_inbox_time: 0 });
    const header = synced.find((r) => r.mk_rec_type === 'conv') as Rec;
    expect(header).toMatchObject({ conversation_id: conv, mk_init_mode: 'ic_tiny', labels: ['full-stack'] });
    expect(header.bw_message_nr).toBe(header.fw_message_nr);
    const removed = (await alice.call('label/store', { label_id: id, index: -1 })).body.stream as Rec[];
    expect(removed[0]).toMatchObject({ mk_label_status: 'removed', index: -1 });
    expect(((await alice.call(`conversation/sync/${conv}`, { mk_direction: 'ic_header' })).body.header as Rec).label_ids).toEqual([]);
  });

  it('system labels are set by subtype or name: ["starred"]', async () => {
    const header = (await alice.call(`conversation/store/${conv}`, { labels: ['starred'] })).body.header as Rec;
    expect(header.labels).toEqual(['Starred']);
  });
});

describe('files', () => {
  it('sniffs a PNG sent as octet-stream, reads its size once, keeps the file id for identical bytes', async () => {
    const first = await put('a.png', 'application/octet-stream', png(640, 480));
    expect(Object.keys(first).sort()).toEqual(['file_id', 'file_sha256', 'file_type', 'height', 'name', 'size', 'upload_url', 'width']);
    expect(first).toMatchObject({ file_type: 'image/png', width: 640, height: 480 });
    const again = await put('a.png', 'application/octet-stream', png(640, 480));
    expect(Object.keys(again).sort()).toEqual(['file_id', 'file_sha256', 'file_type', 'name', 'size', 'upload_url']);
    expect(again.file_id).toBe(first.file_id);
    expect(again.upload_url).not.toBe(first.upload_url);
    const txt = await put('t.txt', 'application/octet-stream', Buffer.from('text'));
    expect(txt.file_type).toBe('application/octet-stream');
  });

  it('the file record of an image has its size and thumbnails; the download has CSP and private caching, no disposition', async () => {
    const up = await put('b.png', 'image/png', png(800, 600));
    const res = await alice.call(`message/send/${conv}`, { message: '', attachments: [up.upload_url] });
    const rec = (res.body.stream as Rec[]).find((r) => r.mk_rec_type === 'file') as Rec;
    expect(rec).toMatchObject({ width: 800, height: 600, is_animated: false, file_type: 'image/png' });
    expect(rec).toHaveProperty('thumb_url_50');
    expect(rec).toHaveProperty('thumb_url_575');
    const dl = await fetch(sb.url + String(rec.file_url));
    expect(dl.headers.get('content-type')).toBe('image/png');
    expect(dl.headers.get('content-security-policy')).toBe("default-src 'none'");
    expect(dl.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    expect(dl.headers.get('content-disposition')).toBeNull();
  });
});

describe('oversized bodies', () => {
  /** POSTs `size` bytes with node:http and resolves the status and body, or rejects on a socket error. */
  function bigPost(size: number): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(`${sb.url}/api/message/send/${conv}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': size } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = (): void => {
        while (sent < size) {
          const n = Math.min(chunk.length, size - sent);
          sent += n;
          if (!req.write(chunk.subarray(0, n))) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
  }

  it('twenty 2 MiB posts each read a 413 with its JSON error, none a broken pipe', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await bigPost(2 * 1024 * 1024);
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({ error_id: 'request_too_large' });
    }
  });
});
