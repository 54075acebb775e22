/**
 * A Bot built in code redacts its password and live session from the logger it was given, the
 * same as the CLI does: redaction does not depend on how the bot was started.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FleepClient } from '../../src/api/client.js';
import { Bot } from '../../src/runtime/bot.js';
import { createLogger } from '../../src/util/logger.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';

let sandbox: SandboxHandle | undefined;
let bot: Bot | undefined;
afterEach(async () => {
  await bot?.stop();
  await sandbox?.close();
  bot = undefined;
  sandbox = undefined;
});

describe('Bot in code: secrets in logs', () => {
  it('redacts the password, ticket and token_id from every line of a logger made with createLogger', async () => {
    sandbox = await startSandbox({ port: 0, seed: 'demo', holdMs: 5_000 });
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', pretty: false, destination: { write: (line: string) => lines.push(line) } });
    const password = 'demo';
    bot = new Bot({ server: sandbox.url, email: 'bot@example.com', password, logger, outbound: { rates: false } });
    let live: string[] = [];
    bot.command('leak', { description: 'Logs what it should not' }, async (ctx) => {
      live = bot!.client.liveSecrets();
      // A careless plugin puts the secrets in a log line's message, fields and an error.
      ctx.deps.logger.warn({ pw: `x${password}x`, session: live.join(' ') }, `password=${password} ticket=${live[0]}`);
      ctx.deps.logger.error(new Error(`login with ${password} failed, token ${live[1]}`));
      await ctx.reply('done');
    });
    await bot.start();
    const client = new FleepClient({ baseUrl: sandbox.url });
    await client.login('alice@example.com', 'demo');
    const { conversations } = (await (await fetch(`${sandbox.url}/sandbox/conversations`)).json()) as { conversations: Array<{ conversation_id: string; topic: string }> };
    await client.sendMessage(conversations.find((c) => c.topic === 'Team')!.conversation_id, '!leak');
    await bot.idle();
    expect(live.length).toBeGreaterThanOrEqual(2);
    const text = lines.join('');
    expect(text).toContain('[REDACTED]');
    for (const secret of [password, ...live]) expect(text).not.toContain(secret);
  });
});
