import { afterEach, describe, expect, it } from 'vitest';
import { FleepClient } from '../../src/api/client.js';
import { Bot } from '../../src/runtime/bot.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';

let sandbox: SandboxHandle | undefined;
let bot: Bot | undefined;

afterEach(async () => {
  await bot?.stop();
  await sandbox?.close();
  bot = undefined;
  sandbox = undefined;
});

async function setup(): Promise<{ sandbox: SandboxHandle; bot: Bot; alice: FleepClient; team: string }> {
  sandbox = await startSandbox({ port: 0, seed: 'demo', holdMs: 5_000 });
  bot = new Bot({ server: sandbox.url, email: 'bot@example.com', password: 'demo', outbound: { rates: false } });
  const alice = new FleepClient({ baseUrl: sandbox.url });
  await alice.login('alice@example.com', 'demo');
  const { conversations: convs } = (await (await fetch(`${sandbox.url}/sandbox/conversations`)).json()) as { conversations: Array<{ conversation_id: string; topic: string }> };
  const team = convs.find((c) => c.topic === 'Team')!.conversation_id;
  return { sandbox, bot, alice, team };
}

async function messages(url: string, conv: string): Promise<Array<{ text: string; author_email?: string }>> {
  return ((await (await fetch(`${url}/sandbox/conversations/${conv}/messages`)).json()) as { messages: Array<{ text: string }> }).messages;
}

describe('Bot against the sandbox', () => {
  it('answers a command, ignores history and its own replies', async () => {
    const { sandbox, bot, alice, team } = await setup();
    await alice.sendMessage(team, '!ping from before the bot started');
    const seen: string[] = [];
    bot.command('ping', { description: 'Answers pong' }, async (ctx) => {
      seen.push(ctx.text);
      await ctx.reply(`pong, ${ctx.sender?.displayName ?? 'stranger'}`);
    });
    await bot.start();
    await alice.sendMessage(team, '!ping');
    await bot.idle();
    expect(seen).toEqual(['!ping']);
    const texts = (await messages(sandbox.url, team)).map((m) => m.text);
    expect(texts.filter((t) => t.startsWith('pong'))).toEqual(['pong, Alice']);
  });
});
