/**
 * Feeding a recording's stream to a bot: the records its live polls received are pushed, in
 * order, into a sandbox account's stream, so a bot polling that account handles them as if they
 * had happened. The recorded bot's account id becomes the sandbox account's (its own records stay
 * its own), and each recorded conversation becomes a new sandbox conversation of that account, so
 * replies land somewhere visible. Other people keep their recorded ids; message numbers are the
 * recorded ones, so a bot acting on a recorded message (pin, react) is refused by the sandbox.
 */
import { FleepClient } from '../api/client.js';
import type { FleepRecord } from '../api/records.js';
import type { SandboxHandle } from '../sandbox/index.js';
import { liveRecords, readRecording, type Recording } from './format.js';

/** Who receives the replay. */
export interface ReplayAccount {
  email: string;
  password: string;
}

/** What a replay did. */
export interface ReplayResult {
  /** Records pushed into the account's stream. */
  records: number;
  /** Recorded conversation id → the sandbox conversation standing in for it. */
  conversations: Map<string, string>;
}

/** Reads a recording from a file, or takes one already read. */
export async function loadReplay(replay: string | Recording): Promise<Recording> {
  return typeof replay === 'string' ? readRecording(replay) : replay;
}

/** Pushes a recording's live stream into `account`'s stream in `sandbox`. */
export async function feedRecording(recording: Recording, sandbox: SandboxHandle, account: ReplayAccount): Promise<ReplayResult> {
  const client = new FleepClient({ baseUrl: sandbox.url });
  const { accountId } = await client.login(account.email, account.password);
  const ids = new Map<string, string>();
  if (recording.header.account_id) ids.set(recording.header.account_id, accountId);
  const conversations = new Map<string, string>();
  const records = liveRecords(recording);
  try {
    for (const record of records) {
      const conv = record['conversation_id'];
      if (typeof conv !== 'string' || conversations.has(conv)) continue;
      const created = await client.createConversation({ topic: topicOf(records, conv) });
      conversations.set(conv, created.header.conversation_id);
      ids.set(conv, created.header.conversation_id);
    }
  } finally {
    await client.logout().catch(() => undefined);
    client.close();
  }
  for (const record of records) {
    const mapped = swap(record, ids) as FleepRecord;
    sandbox.state.streams.push(accountId, { ...mapped, profile_id: accountId });
  }
  return { records: records.length, conversations };
}

/** The recorded topic of a conversation, or a name that says where it came from. */
function topicOf(records: Array<Record<string, unknown>>, conversationId: string): string {
  for (const r of records) {
    if (r['mk_rec_type'] === 'conv' && r['conversation_id'] === conversationId && typeof r['topic'] === 'string' && r['topic'] !== '') return r['topic'];
  }
  return `Replay of ${conversationId.slice(0, 8)}`;
}

function swap(value: unknown, ids: Map<string, string>): unknown {
  if (typeof value === 'string') return ids.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => swap(v, ids));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, swap(v, ids)]));
  }
  return value;
}

/**
 * For `fleepkit sandbox --replay`: feeds the recording once `account` is polling (a bot that
 * starts later would begin after the fed records and never see them). Checks every 100 ms.
 * @returns a function that cancels the wait.
 */
export function feedWhenPolling(
  recording: Recording,
  sandbox: SandboxHandle,
  account: ReplayAccount,
  done: (result: ReplayResult | Error) => void,
): () => void {
  const accountId = sandbox.accounts[account.email.toLowerCase()];
  if (!accountId) {
    done(new Error(`--replay-as ${account.email}: no such account in the sandbox; use one of ${Object.keys(sandbox.accounts).join(', ')}`));
    return () => undefined;
  }
  const timer = setInterval(() => {
    if (sandbox.state.streams.waitingFor(accountId) === 0) return;
    clearInterval(timer);
    feedRecording(recording, sandbox, account).then(done, (error: unknown) => done(error instanceof Error ? error : new Error(String(error))));
  }, 100);
  timer.unref();
  return () => clearInterval(timer);
}
