/** A sandbox with the demo team and N conversations, for runtime tests. */
import { FleepClient } from '../../src/api/client.js';
import { markup } from '../../src/api/markup.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import type { Clock } from '../../src/util/clock.js';

export interface World {
  sandbox: SandboxHandle;
  people: FleepClient[];
  conversations: string[];
  close(): Promise<void>;
}

/** Starts a sandbox and creates `count` conversations with alice, bob, carol and the bot. */
export async function world(count: number, holdMs = 5_000, clock?: Clock): Promise<World> {
  const sandbox = await startSandbox({ port: 0, seed: 'demo', holdMs, clock });
  const people = await Promise.all(
    ['alice', 'bob', 'carol'].map(async (p) => {
      const c = new FleepClient({ baseUrl: sandbox.url, retry: { baseMs: 5, capMs: 50 } });
      await c.login(`${p}@example.com`, 'demo');
      return c;
    }),
  );
  const ids = sandbox.accounts;
  const conversations: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await people[0]!.createConversation({
      topic: `conv-${i}`,
      accountIds: [ids['bob@example.com']!, ids['carol@example.com']!, ids['bot@example.com']!],
    });
    conversations.push(res.header.conversation_id);
  }
  return {
    sandbox,
    people,
    conversations,
    close: () => sandbox.close(),
  };
}

/** Sends `total` messages `msg <i>` round-robin over conversations and people, `parallel` at a time. */
export async function sendMany(w: World, total: number, parallel = 8, from = 0): Promise<void> {
  let next = from;
  const end = from + total;
  // Keep per-conversation order: each worker owns a fixed set of conversations.
  const workers = Array.from({ length: parallel }, async (_, worker) => {
    for (;;) {
      const i = next++;
      if (i >= end) return;
      void worker;
      const conv = w.conversations[i % w.conversations.length]!;
      const person = w.people[i % w.people.length]!;
      await person.sendMessage(conv, markup(`msg ${i}`));
    }
  });
  await Promise.all(workers);
}

/** Replies stored in the sandbox per conversation, by the bot, in order. */
export async function sandboxMessages(url: string, conv: string): Promise<Array<{ message_nr: number; email: string | null; text: string; mk_message_type: string }>> {
  const res = (await (await fetch(`${url}/sandbox/conversations/${conv}/messages`)).json()) as {
    messages: Array<{ message_nr: number; email: string | null; text: string; mk_message_type: string }>;
  };
  return res.messages;
}
