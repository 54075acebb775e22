/**
 * `createTestBot()`: a whole fleepkit world in one process — a sandbox on an ephemeral port with
 * the demo team, a bot on a memory store, and a clock that only moves when the test says so.
 * People act through the real Fleep API; the test waits with `await t.idle()`, never sleeps.
 */
import { FleepClient } from '../api/client.js';
import { markup } from '../api/markup.js';
import type { AnyPlugin } from '../pipeline/plugin.js';
import { Bot } from '../runtime/bot.js';
import type { BotOptions } from '../runtime/bot-options.js';
import { startSandbox, type SandboxHandle } from '../sandbox/index.js';
import { MemoryStore } from '../store/memory-store.js';
import type { Store } from '../store/store.js';
import { ManualClock, parseDuration } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { SandboxView, formatTranscript, type TestMessage } from './sandbox-view.js';
import type { Recording } from '../record/format.js';
import { feedRecording, loadReplay, type ReplayResult } from '../record/replay.js';

/**
 * Options of {@link createTestBot}.
 * @example { plugins: [tasks], config: { tasks: { rules: [{ prefix: 'TODO:', task: true }] } } }
 */
export interface TestBotOptions {
  /** Plugins to load. @default [] */
  plugins?: ReadonlyArray<AnyPlugin>;
  /** Plugin configs by plugin name (as in `bot.config.yaml`'s `plugins`). @default {} */
  config?: Readonly<Record<string, unknown>>;
  /** Sandbox seed. @default 'demo' */
  seed?: 'demo' | 'empty';
  /** Where the clock starts (ms or Date). @default now */
  now?: number | Date | string;
  /** Extra bot options (prefix, timezone, admins, store…). */
  bot?: Partial<Omit<BotOptions, 'server' | 'client' | 'clock'>>;
  /** A logger for the bot. @default silent */
  logger?: Logger;
  /** Start the bot right away. @default true */
  start?: boolean;
  /**
   * A recording (`fleepkit record`), as a file path or already read: once the bot is polling, the
   * records of its live polls are fed into the bot's stream (recorded conversations become new
   * sandbox conversations of the bot; see `t.replayed`). Needs `start` (the default).
   * @example await createTestBot({ plugins: [triage], replay: 'test/fixtures/traffic.jsonl' })
   */
  replay?: string | Recording;
}

/** A person who can act in the sandbox. `'bot'` is the bot account itself. */
export type Person = 'alice' | 'bob' | 'carol' | 'bot' | (string & {});

/** The world a test drives. */
export interface TestBot {
  readonly bot: Bot;
  readonly sandbox: SandboxHandle;
  readonly clock: ManualClock;
  readonly store: Store;
  /** `person` says `text` in `conversation` (a topic such as `'Team'`, or `'dm:alice'`). Resolves its message nr. */
  say(person: Person, conversation: string, text: string): Promise<number>;
  /** `person` reacts to message `nr` with `emoji`. */
  react(person: Person, conversation: string, nr: number, emoji: string): Promise<void>;
  /** `person` removes their `emoji` reaction. */
  unreact(person: Person, conversation: string, nr: number, emoji: string): Promise<void>;
  /** `person` edits their message `nr`. */
  edit(person: Person, conversation: string, nr: number, text: string): Promise<void>;
  /** `person` deletes message `nr`. */
  remove(person: Person, conversation: string, nr: number): Promise<void>;
  /** `person` changes tags/assignees of message `nr` (e.g. `{ tags: ['is_done'] }`). */
  store_(person: Person, conversation: string, nr: number, change: { tags?: string[]; assignees?: Person[] }): Promise<void>;
  /** Resolves when everything said so far is handled and every reply is stored. */
  idle(): Promise<void>;
  /** Messages of a conversation as the sandbox holds them. */
  messages(conversation: string): Promise<TestMessage[]>;
  /** The bot's messages in a conversation. */
  replies(conversation: string): Promise<TestMessage[]>;
  /** The bot's last message text in a conversation (`undefined` when none). */
  lastReply(conversation: string): Promise<string | undefined>;
  /** `author: text [marks]` lines, for snapshot assertions. */
  transcript(conversation: string): Promise<string>;
  /** Conversation id of a topic or `dm:<person>`. */
  conversation(name: string): Promise<string>;
  /** Account id of a person. */
  accountId(person: Person): string;
  /** A logged-in API client acting as `person`. */
  as(person: Person): Promise<FleepClient>;
  /** `person` creates a conversation with `members` (the bot is added unless `withBot: false`). */
  createConversation(person: Person, topic: string, members: Person[], options?: { withBot?: boolean }): Promise<string>;
  /** What `replay` fed to the bot (undefined without one). */
  readonly replayed: ReplayResult | undefined;
  /** Stops the bot and the sandbox. */
  close(): Promise<void>;
}

const PASSWORD = 'demo';

/**
 * Builds a sandbox, a bot and a manual clock for one test.
 * @example
 * const t = await createTestBot({ plugins: [hello] });
 * await t.say('alice', 'Team', '!hello');
 * await t.idle();
 * expect(await t.lastReply('Team')).toBe('Hello, Alice!');
 * await t.close();
 */
export async function createTestBot(options: TestBotOptions = {}): Promise<TestBot> {
  const start = options.now === undefined ? Date.now() : new Date(options.now).getTime();
  if (!Number.isFinite(start)) throw new RangeError(`createTestBot({ now }) needs a date, got ${JSON.stringify(options.now)}`);
  if (options.replay !== undefined && options.start === false) {
    throw new TypeError('createTestBot({ replay }) feeds the recording once the bot polls: leave start at its default (true)');
  }
  const recording = options.replay === undefined ? undefined : await loadReplay(options.replay);
  const clock = new ManualClock(start);
  const sandbox = await startSandbox({ port: 0, seed: options.seed ?? 'demo', holdMs: 5_000 });
  const store = options.bot?.store ?? new MemoryStore({ clock });
  const bot = new Bot({
    ...options.bot,
    server: sandbox.url,
    email: 'bot@example.com',
    password: PASSWORD,
    clock,
    store,
    logger: options.logger ?? options.bot?.logger,
    outbound: { rates: false, ...options.bot?.outbound },
  });
  const view = new SandboxView(sandbox.url);
  const clients = new Map<string, Promise<FleepClient>>();
  const ids = new Map<string, string>();
  for (const [name, id] of await view.loadAccounts()) ids.set(id, name);

  const accountId = (person: Person): string => {
    const id = ids.get(person);
    if (!id) throw new Error(`Unknown person "${person}"; the sandbox has ${[...ids.keys()].join(', ')}`);
    return id;
  };
  const as = (person: Person): Promise<FleepClient> => {
    let c = clients.get(person);
    if (!c) {
      const client = new FleepClient({ baseUrl: sandbox.url });
      c = client.login(`${person}@example.com`, PASSWORD).then(() => client);
      clients.set(person, c);
    }
    return c;
  };
  const conversation = async (name: string): Promise<string> => {
    const all = await view.conversations();
    if (name.startsWith('dm:')) {
      const other = accountId(name.slice(3));
      const botId = accountId('bot');
      const dm = all.find((c) => c.members.length === 2 && c.members.includes(other) && c.members.includes(botId));
      if (dm) return dm.conversation_id;
    }
    const found = all.find((c) => c.topic === name || c.conversation_id === name);
    if (!found) throw new Error(`No conversation "${name}"; there are: ${all.map((c) => c.topic || c.conversation_id).join(', ')}`);
    return found.conversation_id;
  };
  await bot.plugin(options.plugins ?? [], { ...options.config });
  if (options.start !== false) await bot.start();
  const replayed = recording ? await feedRecording(recording, sandbox, { email: 'bot@example.com', password: PASSWORD }) : undefined;

  const t: TestBot = {
    bot,
    sandbox,
    clock,
    store,
    async say(person, conv, text) {
      const res = await (await as(person)).sendMessage(await conversation(conv), markup(text));
      return res.result_message_nr ?? 0;
    },
    async react(person, conv, nr, emoji) {
      await (await as(person)).storeMessage(await conversation(conv), { messageNr: nr, addReactions: [emoji] });
    },
    async unreact(person, conv, nr, emoji) {
      await (await as(person)).storeMessage(await conversation(conv), { messageNr: nr, deleteReactions: [emoji] });
    },
    async edit(person, conv, nr, text) {
      await (await as(person)).editMessage(await conversation(conv), nr, markup(text));
    },
    async remove(person, conv, nr) {
      await (await as(person)).deleteMessage(await conversation(conv), nr);
    },
    async store_(person, conv, nr, change) {
      await (await as(person)).storeMessage(await conversation(conv), {
        messageNr: nr,
        tags: change.tags,
        assigneeIds: change.assignees?.map(accountId),
      });
    },
    idle: () => bot.idle(),
    messages: async (conv) => view.messages(await conversation(conv)),
    replies: async (conv) => (await view.messages(await conversation(conv))).filter((m) => m.author === 'bot' && m.type === 'text'),
    lastReply: async (conv) => (await t.replies(conv)).at(-1)?.text,
    transcript: async (conv) => formatTranscript(await view.messages(await conversation(conv))),
    conversation,
    accountId,
    as,
    async createConversation(person, topic, members, opts = {}) {
      const people = [...members, ...(opts.withBot === false ? [] : ['bot'])].filter((p) => p !== person);
      const res = await (await as(person)).createConversation({ topic, accountIds: people.map(accountId) });
      return res.header.conversation_id;
    },
    replayed,
    async close() {
      await bot.stop().catch(() => undefined);
      await Promise.all([...clients.values()].map(async (c) => (await c).logout().catch(() => undefined)));
      await sandbox.close();
    },
  };
  return t;
}

/** Parses `'1h'`, `'90s'`… (re-exported for tests that compute instants). */
export { parseDuration };
