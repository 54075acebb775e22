/** Start/close behaviour and option validation. */
import { describe, expect, it } from 'vitest';
import { runSandboxCli, startSandbox } from '../../src/sandbox/index.js';
import { clientFor, start } from './helpers.js';

describe('lifecycle', () => {
  it('close() answers held polls at once and frees the port', async () => {
    const sb = await start({ holdMs: 600_000 });
    const bob = await clientFor(sb, 'bob@example.com');
    const h = (await bob.accountSync()).event_horizon;
    const poll = bob.poll(h, { wait: true });
    for (let i = 0; i < 10_000 && sb.state.streams.waiting < 1; i++) await new Promise<void>((r) => setImmediate(r));
    expect(sb.state.streams.waiting).toBe(1);
    // The 10 min hold outlasts the 60 s test timeout: only close() can have answered the poll.
    await sb.close();
    const res = await poll;
    expect(res).toMatchObject({ event_horizon: h, stream: [] });
    expect(sb.state.streams.waiting).toBe(0);
    const again = await startSandbox({ port: sb.port, seed: 'empty' });
    expect(again.port).toBe(sb.port);
    await again.close();
  });

  it('binds 127.0.0.1 by default and validates options', async () => {
    const sb = await start();
    expect(sb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await sb.close();
    await expect(startSandbox({ port: 0, seed: 'nope' as 'demo' })).rejects.toThrow(/seed/);
    await expect(startSandbox({ port: 0, holdMs: -1 })).rejects.toThrow(/holdMs/);
  });

  it('serves the playground page at / and 404s unknown paths with JSON', async () => {
    const sb = await start();
    try {
      const page = await fetch(`${sb.url}/`);
      expect([200, 404]).toContain(page.status);
      if (page.status === 200) expect(page.headers.get('content-type')).toContain('text/html');
      const missing = await fetch(`${sb.url}/../../etc/passwd`);
      expect(missing.status).toBe(404);
    } finally {
      await sb.close();
    }
  });

  it('runSandboxCli prints the URL and the demo logins', async () => {
    let printed = '';
    const sb = await runSandboxCli({ port: 0, holdMs: 1000, out: { write: (t: string) => (printed += t) } });
    try {
      expect(printed).toContain(sb.url);
      expect(printed).toContain('alice@example.com');
      expect(printed).toContain('password "demo"');
    } finally {
      await sb.close();
    }
  });
});
