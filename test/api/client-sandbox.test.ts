/** The client against the real sandbox over real HTTP on 127.0.0.1 (port 0). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleepClient } from '../../src/api/client.js';
import { markup, xmlToText } from '../../src/api/markup.js';
import type { FleepRecord, MessageRecord } from '../../src/api/records.js';
import { startSandbox } from '../../src/sandbox/server.js';
import type { SandboxHandle } from '../../src/sandbox/server.js';

let sandbox: SandboxHandle;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 'demo', holdMs: 200 });
});

afterAll(async () => {
  await sandbox.close();
});

const messages = (stream: FleepRecord[]): MessageRecord[] => stream.filter((r): r is MessageRecord => r.mk_rec_type === 'message');

async function client(email: string): Promise<FleepClient> {
  // Tiny back-off so fault-schedule retries finish fast on the real clock.
  const c = new FleepClient({ baseUrl: sandbox.url, retry: { baseMs: 1, capMs: 5, giveUpMs: 30_000 } });
  await c.login(email, 'demo');
  return c;
}

describe('FleepClient against the sandbox', () => {
  it('sends text literally, markup as typed, and the other member receives both through poll', async () => {
    const bot = await client('bot@example.com');
    const alice = await client('alice@example.com');
    const aliceId = alice.accountId as string;
    const { event_horizon: start } = await alice.accountSync();

    const created = await bot.createConversation({ topic: 'api test', accountIds: [aliceId] });
    const convId = created.header.conversation_id;

    const literal = '*not bold* _nor italic_ @alice https://x.io www.y.com u<<l>>\n> no quote\n:::\nno code\n:::\n\n\ntrailing\n';
    const sent = await bot.sendMessage(convId, literal);
    const plain = messages(sent.stream).find((m) => m.message_nr === sent.result_message_nr) as MessageRecord;
    expect(plain.message).not.toMatch(/<(b|i|a|q|pre)[ >]/);
    expect(plain.mention_ids ?? []).toEqual([]);
    expect(xmlToText(plain.message ?? '').text).toBe(literal);

    const formatted = await bot.sendMessage(convId, markup('*bold* for @alice'));
    const rich = messages(formatted.stream).find((m) => m.message_nr === formatted.result_message_nr) as MessageRecord;
    expect(rich.message).toContain('<b flp="*" fls="*">bold</b>');
    expect(rich.mention_ids).toEqual([aliceId]);
    expect(xmlToText(rich.message ?? '')).toMatchObject({ text: 'bold for @alice', typedText: '*bold* for @alice', mentions: ['alice'] });

    const seen: MessageRecord[] = [];
    let horizon = start;
    while (!seen.some((m) => m.message_nr === formatted.result_message_nr)) {
      const batch = await alice.poll(horizon, { wait: true });
      horizon = batch.event_horizon;
      seen.push(...messages(batch.stream).filter((m) => m.conversation_id === convId));
    }
    expect(seen.map((m) => xmlToText(m.message ?? '').text)).toContain(literal);
  });

  it('pins, completes and reads through message/store and the typed helpers', async () => {
    const bot = await client('bot@example.com');
    const convId = (await bot.createConversation({ topic: 'store test' })).header.conversation_id;
    const nr = (await bot.sendMessage(convId, 'task one')).result_message_nr as number;
    const todo = await bot.storeMessage(convId, { messageNr: nr, tags: ['is_todo'] });
    expect(messages(todo.stream).find((m) => m.message_nr === nr)?.tags).toContain('is_todo');
    const edited = await bot.editMessage(convId, nr, 'task one (edited)');
    expect(xmlToText(messages(edited.stream).find((m) => m.message_nr === nr)?.message ?? '').text).toBe('task one (edited)');
    await bot.markRead(convId, nr);
    const header = await bot.syncConversation(convId, { mode: 'ic_header' });
    expect(header.header.conversation_id).toBe(convId);
    const contacts = await bot.syncAllContacts();
    expect(contacts.contacts.map((c) => c.fleep_address)).toContain('alice');
  });

  it('uploads a file and attaches it', async () => {
    const bot = await client('bot@example.com');
    const convId = (await bot.createConversation({ topic: 'files' })).header.conversation_id;
    const { files } = await bot.uploadFile([{ name: 'notes.txt', data: Buffer.from('hello'), contentType: 'text/plain' }]);
    expect(files).toHaveLength(1);
    const sent = await bot.sendMessage(convId, 'see file', { attachments: [(files[0] as { upload_url: string }).upload_url] });
    const record = messages(sent.stream).find((m) => m.message_nr === sent.result_message_nr) as MessageRecord;
    expect(xmlToText(record.message ?? '').files.map((f) => f.name)).toEqual(['notes.txt']);
  });

  it('survives expiring sessions, 5xx and connection resets transparently, sending each keyed message once', async () => {
    const bot = await client('bot@example.com');
    const convId = (await bot.createConversation({ topic: 'faults' })).header.conversation_id;
    sandbox.faults.set({ seed: 3, error_rate: 0.3, reset_rate: 0.1, expire_sessions_every: 4 });
    try {
      for (let i = 0; i < 20; i++) await bot.sendMessage(convId, `msg ${i}`, { clientReqId: `faults-${i}` });
      expect(sandbox.faults.stats.errors + sandbox.faults.stats.resets).toBeGreaterThan(0);
      expect(sandbox.faults.stats.expired_sessions).toBeGreaterThan(0);
    } finally {
      sandbox.faults.clear();
    }
    const bodies: string[] = [];
    for (let from = 1; ; ) {
      const page = messages((await bot.syncConversation(convId, { fromMessageNr: from })).stream).filter((m) => m.message_nr > from);
      if (page.length === 0) break;
      bodies.push(...page.map((m) => xmlToText(m.message ?? '').text).filter((t) => t.startsWith('msg ')));
      from = Math.max(...page.map((m) => m.message_nr));
    }
    expect(bodies).toHaveLength(20);
    expect(new Set(bodies).size).toBe(20);
    expect(bot.authFailures).toBe(0);
  });

  it('aborts a held poll promptly', async () => {
    const bot = await client('bot@example.com');
    const { event_horizon } = await bot.accountSync();
    sandbox.faults.set({ hold_ms: 60_000 });
    try {
      const controller = new AbortController();
      const pending = bot.poll(event_horizon, { signal: controller.signal });
      controller.abort(new Error('shutdown'));
      await expect(pending).rejects.toThrow('shutdown');
    } finally {
      sandbox.faults.clear();
    }
  });

  it('logs out; the old session is refused and the client says to log in', async () => {
    const bot = await client('bot@example.com');
    await bot.logout();
    expect(bot.isLoggedIn).toBe(false);
    await expect(bot.accountSync()).rejects.toThrow(/not logged in/);
    bot.close();
  });

  it('reads the pinboard with the calls real clients use: sync_pins, and account/sync_pinboard paged by pin_cursor', async () => {
    const bot = await client('bot@example.com');
    const conv = (await bot.createConversation({ topic: 'pins' })).header.conversation_id;
    const pinned: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const nr = (await bot.sendMessage(conv, `pin ${i}`)).result_message_nr as number;
      await bot.storeMessage(conv, { messageNr: nr, tags: ['pin'] });
      pinned.push(nr);
    }
    await bot.sendMessage(conv, 'not pinned');
    const classic = await bot.syncPins(conv);
    expect(messages(classic.stream).map((m) => m.message_nr).sort((a, b) => a - b)).toEqual(pinned);
    const firstPage = await bot.syncPinboard(conv, { pinLimit: 2 });
    expect(messages(firstPage.stream ?? [])).toHaveLength(2);
    expect(firstPage.header?.pin_cursor).toEqual(expect.any(String));
    const all = await bot.listPins(conv, { pinLimit: 2 });
    expect(all.map((m) => m.message_nr).sort((a, b) => a - b)).toEqual(pinned);
    await bot.logout();
  });
});
