/**
 * The control API refuses what a web page on another origin can send: `text/plain` and form
 * POSTs (no CORS preflight), requests for a foreign Host (DNS rebinding), and, beyond loopback,
 * anything without the control token. Raw node:http requests, so the Host header is exactly ours.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxHandle, SandboxOptions } from '../../src/sandbox/index.js';
import { start } from './helpers.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** Sends one request to 127.0.0.1:<port> with exactly these headers. */
function send(sb: SandboxHandle, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: sb.port, method, path, headers: { host: `127.0.0.1:${sb.port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };
const dave = JSON.stringify({ email: 'dave@example.com', password: 'pw' });

async function emails(sb: SandboxHandle): Promise<string[]> {
  const res = await send(sb, 'GET', '/sandbox/accounts', {});
  return (res.body.accounts as Array<{ email: string }>).map((a) => a.email);
}

const open: SandboxHandle[] = [];
async function sandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const sb = await start(options);
  open.push(sb);
  return sb;
}
afterEach(async () => {
  for (const sb of open.splice(0)) await sb.close();
});

describe('control API guard', () => {
  it('refuses a cross-origin text/plain POST and a form POST with 403; nothing changes', async () => {
    const sb = await sandbox();
    const plain = await send(sb, 'POST', '/sandbox/accounts', { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://evil.example' }, dave);
    expect(plain.status).toBe(403);
    expect(plain.body.error_message).toMatch(/Content-Type: application\/json/);
    const form = await send(sb, 'POST', '/sandbox/reset', { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' }, '');
    expect(form.status).toBe(403);
    const bare = await send(sb, 'POST', '/sandbox/faults', {}, JSON.stringify({ error_rate: 1 }));
    expect(bare.status).toBe(403);
    expect(await emails(sb)).not.toContain('dave@example.com');
    expect((await send(sb, 'GET', '/sandbox/faults', {})).body.faults).toBeNull();
    // The same call as JSON from a local tool works.
    expect((await send(sb, 'POST', '/sandbox/accounts', { 'content-type': 'application/json; charset=utf-8' }, dave)).status).toBe(200);
    expect(await emails(sb)).toContain('dave@example.com');
  });

  it('refuses a foreign Host (DNS rebinding) with 403, for reads and writes; loopback names pass', async () => {
    const sb = await sandbox();
    const read = await send(sb, 'GET', '/sandbox/requests', { host: `evil.example:${sb.port}` });
    expect(read.status).toBe(403);
    expect(read.body.error_message).toMatch(/localhost, 127\.0\.0\.1 or \[::1\]/);
    expect((await send(sb, 'POST', '/sandbox/accounts', { ...JSON_TYPE, host: 'evil.example' }, dave)).status).toBe(403);
    expect((await send(sb, 'DELETE', '/sandbox/faults', { host: 'evil.example' })).status).toBe(403);
    expect(await emails(sb)).not.toContain('dave@example.com');
    for (const host of [`localhost:${sb.port}`, `127.0.0.1:${sb.port}`, `[::1]:${sb.port}`, 'localhost']) {
      expect((await send(sb, 'GET', '/sandbox/accounts', { host })).status).toBe(200);
    }
    // The Fleep API itself is not behind the guard (the playground and bots use it).
    expect((await send(sb, 'POST', '/api/account/login', { ...JSON_TYPE, host: 'playground.example' }, JSON.stringify({ email: 'alice@example.com', password: 'demo' }))).status).toBe(200);
  });

  it('beyond loopback the control API is closed without a token and needs the token with one', async () => {
    const closed = await sandbox({ host: '0.0.0.0' });
    const refused = await send(closed, 'GET', '/sandbox/accounts', {});
    expect(refused.status).toBe(403);
    expect(refused.body.error_message).toMatch(/FLEEPKIT_SANDBOX_TOKEN/);

    const guarded = await sandbox({ host: '0.0.0.0', controlToken: 's3cret-token' });
    expect((await send(guarded, 'GET', '/sandbox/accounts', {})).status).toBe(403);
    expect((await send(guarded, 'GET', '/sandbox/accounts', { authorization: 'Bearer wrong-token!' })).status).toBe(403);
    const ok = await send(guarded, 'POST', '/sandbox/accounts', { ...JSON_TYPE, authorization: 'Bearer s3cret-token', host: 'bots.internal:8700' }, dave);
    expect(ok.status).toBe(200);
    // Still JSON only, token or not.
    expect((await send(guarded, 'POST', '/sandbox/reset', { authorization: 'Bearer s3cret-token', 'content-type': 'text/plain' }, '')).status).toBe(403);
  });

  it('an empty control token is a clear error at start', async () => {
    await expect(start({ controlToken: ' ' })).rejects.toThrow(/FLEEPKIT_SANDBOX_TOKEN/);
  });
});
