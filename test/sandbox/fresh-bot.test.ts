/**
 * A bot on a fresh, empty account (PROTOCOL.md §R2.1, issue 15): it starts, its poll is held
 * (no resync loop at horizon 0), and the first thing that happens to it reaches it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FleepClient } from '../../src/api/client.js';
import { Bot } from '../../src/runtime/bot.js';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import { start } from './helpers.js';

let sb: SandboxHandle | undefined;
let bot: Bot | undefined;
afterAll(async () => {
  await bot?.stop();
  await sb?.close();
});

async function account(email: string): Promise<void> {
  const res = await fetch(`${sb!.url}/sandbox/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'demo' }) });
  expect(res.status).toBe(200);
}

/** Event-loop turns until `n` polls are held, failing on a stall (no timers). */
async function heldPolls(n: number): Promise<void> {
  for (let i = 0; i < 100_000 && sb!.state.streams.waiting !== n; i++) await new Promise<void>((r) => setImmediate(r));
  expect(sb!.state.streams.waiting).toBe(n);
}

describe('a bot on a fresh empty account', () => {
  it('polls quietly, then gets the first message sent to it', async () => {
    sb = await start({ seed: 'empty', holdMs: 600_000 });
    await account('bot@example.com');
    await account('alice@example.com');
    const seen: string[] = [];
    bot = new Bot({ server: sb.url, email: 'bot@example.com', password: 'demo', outbound: { rates: false } });
    bot.command('ping', { description: 'pong' }, async (ctx) => {
      seen.push(ctx.text);
      await ctx.reply('pong');
    });
    await bot.start();
    await heldPolls(1);
    // Held, not spinning: many turns later it is still the same single held poll.
    for (let i = 0; i < 1_000; i++) await new Promise<void>((r) => setImmediate(r));
    expect(sb.state.streams.waiting).toBe(1);

    const alice = new FleepClient({ baseUrl: sb.url });
    await alice.login('alice@example.com', 'demo');
    const conv = (await alice.createConversation({ topic: 'hello bot', accountIds: [sb.accounts['bot@example.com'] as string] })).header.conversation_id;
    await alice.sendMessage(conv, '!ping');
    await bot.idle();
    for (let i = 0; i < 100_000 && seen.length === 0; i++) await new Promise<void>((r) => setImmediate(r));
    await bot.idle();
    expect(seen).toEqual(['!ping']);
    const msgs = (await (await fetch(`${sb.url}/sandbox/conversations/${conv}/messages`)).json()) as { messages: Array<{ text: string }> };
    expect(msgs.messages.map((m) => m.text)).toContain('pong');
  });
});
