import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { FleepClient } from '../../src/api/client.js';
import { PING_PLUGIN, conversationId, messages, startCli, tempProject, testConfig } from './helpers.js';

/** Resolves when `output()` satisfies `done` (checked on every chunk the child prints). */
function whenPrinted(child: { stdout: NodeJS.ReadableStream | null; stderr: NodeJS.ReadableStream | null }, output: () => string, done: (out: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!done(output())) return;
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      resolve(output());
    };
    // Runs after the helper's own listener has appended the chunk.
    const onData = (): void => void setImmediate(check);
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    check();
  });
}

const readyCount = (out: string): number => out.match(/^ready: /gm)?.length ?? 0;
const lastSandbox = (out: string): string => [...out.matchAll(/Fleep sandbox on (http:\/\/\S+)/g)].at(-1)![1]!;

/** Alice says `!ping` in Team; resolves the bot's answer (polls the sandbox's record of the conversation). */
async function ping(url: string): Promise<string> {
  const client = new FleepClient({ baseUrl: url });
  await client.login('alice@example.com', 'demo');
  const team = await conversationId(url, 'Team');
  const { result_message_nr: asked } = await client.sendMessage(team, '!ping');
  for (;;) {
    const answer = (await messages(url, team)).find((m) => m.email === 'bot@example.com' && m.message_nr > (asked ?? 0));
    if (answer) return answer.text;
    await delay(20); // wait for the next look, not a deadline: a bot that never answers stalls the test
  }
}

describe('fleepkit run --watch', () => {
  test('restarts the bot when a plugin file or the config changes, and stops cleanly on SIGTERM', async () => {
    const dir = await tempProject({ 'bot.config.yaml': testConfig(), 'ping.ts': PING_PLUGIN });
    const run = await startCli(['run', '--watch'], 'ready:', dir);
    expect(await ping(lastSandbox(run.output()))).toBe('pong');

    await writeFile(path.join(dir, 'ping.ts'), PING_PLUGIN.replace("ctx.reply('pong')", "ctx.reply('pong, v2')"));
    let out = await whenPrinted(run.child, run.output, (o) => readyCount(o) === 2);
    expect(out).toContain('--watch: ping.ts changed; restarting the bot');
    // Same world (the sandbox keeps it in ./data), new code.
    expect(await ping(lastSandbox(out))).toBe('pong, v2');

    await appendFile(path.join(dir, 'bot.config.yaml'), '# a comment\n');
    out = await whenPrinted(run.child, run.output, (o) => readyCount(o) === 3);
    expect(out).toContain('--watch: bot.config.yaml changed; restarting the bot');

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output()).toMatch(/stopped\n$/);
  });
});
