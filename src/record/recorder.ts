/**
 * `fleepkit record`: logs in as the bot and records, read only, what a bot's session with the
 * server looks like on the wire — login, account sync, contacts, the initial sync, the
 * conversation list, a few conversation and pinboard reads, then the live polls — every call and answer, redacted.
 * It never posts, edits or marks anything.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { FleepClient } from '../api/client.js';
import { FleepApiError, FleepNetworkError } from '../api/errors.js';
import type { HttpExchange } from '../api/options.js';
import type { FleepRecord } from '../api/records.js';
import type { CallPhase, RecordingHeader } from './format.js';
import { ExchangeScrubber } from './scrub.js';

/**
 * Options of {@link recordSession}.
 * @example { server: 'https://fleep.io', email: 'bot@example.com', password, out: 'traffic.jsonl', polls: 20 }
 */
export interface RecordOptions {
  /** Server root, e.g. `https://fleep.io`. */
  server: string;
  email: string;
  password: string;
  /** File to write (JSON Lines; replaced if it exists). */
  out: string;
  /** Replace message texts, topics, names and e-mail addresses. @default false */
  anonymise?: boolean;
  /** Live polls to record after the initial sync; `Infinity` records until `signal` aborts. @default Infinity */
  polls?: number;
  /** Conversations to read headers and pins of. @default 5 */
  conversations?: number;
  /** Stops recording (after the call in flight); the file is closed properly. */
  signal?: AbortSignal;
  /** Called before each live poll with the horizon it asks from (a test waits on it). */
  onLivePoll?: (horizon: number) => void;
}

/** What a finished recording holds. */
export interface RecordSummary {
  file: string;
  calls: number;
  livePolls: number;
  records: number;
}

/** Records a session; resolves once the file is closed. */
export async function recordSession(options: RecordOptions): Promise<RecordSummary> {
  const scrubber = new ExchangeScrubber({ password: options.password, anonymise: options.anonymise ?? false });
  const out = createWriteStream(options.out, { encoding: 'utf8', mode: 0o600 });
  const opened = new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve());
    out.once('error', reject);
  });
  await opened;
  let phase: CallPhase = 'setup';
  let calls = 0;
  let records = 0;
  const write = (line: string): void => void out.write(scrubber.line(line) + '\n');
  const header: RecordingHeader = {
    kind: 'fleepkit-recording',
    version: 1,
    server: new URL(options.server).origin,
    account_id: '',
    recorded_at: new Date().toISOString(),
    anonymised: options.anonymise ?? false,
  };
  const pending: string[] = [];
  const onExchange = (exchange: HttpExchange): void => {
    calls++;
    const call = scrubber.scrub(exchange, phase);
    if (exchange.method === 'account/poll' && phase === 'live') {
      const stream = (call.response as { stream?: unknown[] } | null)?.stream;
      records += Array.isArray(stream) ? stream.length : 0;
    }
    pending.push(JSON.stringify(call));
  };
  // Long polls may outlast the default; the recorder retries nothing (it records what happened).
  const client = new FleepClient({ baseUrl: options.server, onExchange, retry: { giveUpMs: 1 } });
  let livePolls = 0;
  try {
    const { accountId } = await client.login(options.email, options.password, { signal: options.signal });
    header.account_id = accountId;
    write(JSON.stringify(header));
    const flush = (): void => {
      for (const line of pending.splice(0)) write(line);
    };
    flush();
    const read = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await call();
      } catch (error) {
        // An answer the server refused is recorded like any other; only the session going away stops us.
        if (error instanceof FleepApiError || error instanceof FleepNetworkError) return undefined;
        throw error;
      } finally {
        flush();
      }
    };
    const signal = options.signal;
    const sync = await read(() => client.accountSync({ signal }));
    await read(() => client.syncAllContacts({}, { signal }));
    phase = 'initial';
    const conversations = await initialSync(client, read, signal);
    phase = 'extra';
    // hubot-fleep starts with it (PROTOCOL.md §R2.15); a read, so no client_req_id.
    await read(() => client.call('conversation/list', { sync_horizon: 0 }, { idempotent: true, retry: false, ...(signal ? { signal } : {}) }));
    for (const conversationId of conversations.slice(0, options.conversations ?? 5)) {
      await read(() => client.syncConversation(conversationId, { mode: 'ic_header', signal }));
      await read(() => client.syncPins(conversationId, { signal }));
      await read(() => client.syncPinboard(conversationId, { signal }));
    }
    phase = 'live';
    let horizon = sync?.event_horizon ?? 0;
    const polls = options.polls ?? Infinity;
    let failures = 0;
    while (livePolls < polls && !signal?.aborted) {
      options.onLivePoll?.(horizon);
      const res = await read(() => client.poll(horizon, { signal, retry: false }));
      livePolls++;
      // A failed poll is recorded like any answer; a session that keeps failing ends the recording.
      if (!res) {
        if (++failures >= 3) break;
        continue;
      }
      failures = 0;
      horizon = res.event_horizon;
    }
    phase = 'setup';
    await read(() => client.logout());
    return { file: options.out, calls, livePolls, records };
  } catch (error) {
    if (options.signal?.aborted && header.account_id !== '') {
      await client.logout().catch(() => undefined);
      for (const line of pending.splice(0)) write(line);
      return { file: options.out, calls, livePolls, records };
    }
    throw error;
  } finally {
    client.close();
    await close(out);
  }
}

/** The initial sync a bot does (`account/poll` from 0, no wait); returns the conversations seen. */
async function initialSync(
  client: FleepClient,
  read: <T>(call: () => Promise<T>) => Promise<T | undefined>,
  signal: AbortSignal | undefined,
): Promise<string[]> {
  const seen = new Set<string>();
  let horizon = 0;
  for (let page = 0; page < 20 && !signal?.aborted; page++) {
    const res = await read(() => client.poll(horizon, { wait: false, signal, retry: false }));
    if (!res) break;
    for (const record of res.stream ?? ([] as FleepRecord[])) {
      if (record.mk_rec_type === 'conv' && typeof record.conversation_id === 'string') seen.add(record.conversation_id);
    }
    if (res.event_horizon === horizon || (res.sync_progress ?? 1) >= 1) break;
    horizon = res.event_horizon;
  }
  return [...seen];
}

function close(out: WriteStream): Promise<void> {
  return new Promise((resolve) => out.end(() => resolve()));
}
