import { afterEach, describe, expect, test } from 'vitest';
import { startHttpServer } from '../../src/runtime/http-server.js';
import type { HttpServerHandle, Readiness } from '../../src/runtime/http-server.js';

const servers: HttpServerHandle[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function serve(ready: () => Readiness, metrics: () => Promise<string> = async () => 'x_total 1\n'): Promise<HttpServerHandle> {
  const s = await startHttpServer({ port: 0, ready, metrics });
  servers.push(s);
  return s;
}

describe('startHttpServer', () => {
  test('/healthz answers 200 whatever readiness says', async () => {
    const s = await serve(() => ({ ready: false, reason: 'starting' }));
    const res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  test('/readyz follows the probe: 200 when ready, 503 with the reason otherwise', async () => {
    let state: Readiness = { ready: false, reason: 'not logged in to Fleep' };
    const s = await serve(() => state);
    const down = await fetch(`${s.url}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'not ready', reason: 'not logged in to Fleep' });
    state = { ready: true, reason: 'polling from horizon 7' };
    const up = await fetch(`${s.url}/readyz`);
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ status: 'ready', reason: 'polling from horizon 7' });
  });

  test('/metrics serves the renderer output as Prometheus text, computed per scrape', async () => {
    let n = 0;
    const s = await serve(
      () => ({ ready: true, reason: '' }),
      async () => `scrapes_total ${++n}\n`,
    );
    const first = await fetch(`${s.url}/metrics`);
    expect(first.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await first.text()).toBe('scrapes_total 1\n');
    expect(await (await fetch(`${s.url}/metrics`)).text()).toBe('scrapes_total 2\n');
  });

  test('a failing renderer answers 500 and the server keeps serving', async () => {
    const s = await serve(
      () => ({ ready: true, reason: '' }),
      async () => {
        throw new Error('collector broke');
      },
    );
    const res = await fetch(`${s.url}/metrics`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'collector broke' });
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  });

  test('unknown paths get 404 naming the endpoints; other methods 405', async () => {
    const s = await serve(() => ({ ready: true, reason: '' }));
    const res = await fetch(`${s.url}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toContain('/healthz');
    expect((await fetch(`${s.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  test('a taken port fails with a message that says what to do', async () => {
    const s = await serve(() => ({ ready: true, reason: '' }));
    await expect(startHttpServer({ port: s.port, ready: () => ({ ready: true, reason: '' }), metrics: async () => '' })).rejects.toThrow(
      /EADDRINUSE.*http\.port/,
    );
  });

  test('close() is idempotent and frees the port', async () => {
    const s = await startHttpServer({ port: 0, ready: () => ({ ready: true, reason: '' }), metrics: async () => '' });
    await fetch(`${s.url}/healthz`);
    await Promise.all([s.close(), s.close()]);
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
  });
});
