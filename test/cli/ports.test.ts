import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { describe, expect, test } from 'vitest';
import { PING_PLUGIN, runCli, tempProject, testConfig } from './helpers.js';

async function occupied(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe('a port that is taken', () => {
  test('says which option moves it: sandbox.port and http.port for run, --port for sandbox', async () => {
    const { server, port } = await occupied();
    try {
      const sandbox = await tempProject({ 'bot.config.yaml': testConfig().replace('  port: 0\n  holdMs', `  port: ${port}\n  holdMs`), 'ping.ts': PING_PLUGIN });
      const r1 = await runCli(['run'], { cwd: sandbox });
      expect(r1.code, r1.stderr).toBe(2);
      expect(r1.stderr).toContain(`127.0.0.1:${port} is already in use (sandbox.port in bot.config.yaml): stop what listens there (another \`fleepkit run\`?) or set sandbox.port to a free port (0 picks any)`);

      const http = await tempProject({ 'bot.config.yaml': testConfig().replace('http:\n  port: 0', `http:\n  port: ${port}`), 'ping.ts': PING_PLUGIN });
      const r2 = await runCli(['run'], { cwd: http });
      expect(r2.code, r2.stderr).not.toBe(0);
      expect(r2.stderr).toContain(`127.0.0.1:${port} (EADDRINUSE); set http.port to a free port, or http.enabled: false`);

      const r3 = await runCli(['sandbox', '--port', String(port)]);
      expect(r3.code, r3.stderr).toBe(2);
      expect(r3.stderr).toContain(`127.0.0.1:${port} is already in use: stop what listens there or pass another --port (0 picks any)`);
    } finally {
      server.close();
    }
  });
});
