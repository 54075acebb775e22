/** Shared helpers of the sandbox tests: start a sandbox, log in like a client, poll until. */
import { FleepClient } from '../../src/api/client.js';
import type { FleepRecord, MessageRecord } from '../../src/api/records.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { SandboxHandle, SandboxOptions } from '../../src/sandbox/index.js';

export const PW = 'demo';

/** Starts a sandbox on an ephemeral port with a short hold. */
export function start(options: SandboxOptions = {}): Promise<SandboxHandle> {
  return startSandbox({ port: 0, holdMs: 5_000, ...options });
}

/** A logged-in FleepClient without retries (so faults surface). */
export async function clientFor(sb: SandboxHandle, email: string): Promise<FleepClient> {
  const client = new FleepClient({ baseUrl: sb.url, retry: { baseMs: 1, capMs: 5, giveUpMs: 1 } });
  await client.login(email, PW);
  return client;
}

/** A raw HTTP caller: exact statuses and bodies, no client logic. */
export interface Raw {
  accountId: string;
  ticket: string;
  cookie: string;
  call(method: string, body?: Record<string, unknown>, init?: { cookie?: string; ticket?: string | null }): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
}

/** POSTs JSON to `/api/<method>`. */
export async function post(sb: SandboxHandle, method: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${sb.url}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
}

/** Logs in with fetch and returns a raw caller. */
export async function rawLogin(sb: SandboxHandle, email: string, password = PW): Promise<Raw> {
  const res = await post(sb, 'account/login', { email, password });
  if (res.status !== 200) throw new Error(`login failed ${res.status}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const ticket = res.body.ticket as string;
  return {
    accountId: res.body.account_id as string,
    ticket,
    cookie,
    call: (method, body = {}, init = {}) => {
      const t = init.ticket === null ? {} : { ticket: init.ticket ?? ticket };
      return post(sb, method, { ...body, ...t }, { cookie: init.cookie ?? cookie });
    },
  };
}

/** Polls (wait:true) until `want` records matching `match` arrived; returns them and the new horizon. */
export async function pollUntil(
  client: FleepClient,
  horizon: number,
  match: (r: FleepRecord) => boolean,
  want = 1,
): Promise<{ records: FleepRecord[]; all: FleepRecord[]; horizon: number }> {
  const all: FleepRecord[] = [];
  let h = horizon;
  for (let i = 0; i < 50; i++) {
    const res = await client.poll(h, { wait: true });
    all.push(...res.stream);
    h = res.event_horizon;
    const records = all.filter(match);
    if (records.length >= want) return { records, all, horizon: h };
  }
  throw new Error('pollUntil: records did not arrive');
}

/** Matches message records of one conversation (optionally one message_nr). */
export function msgOf(convId: string, nr?: number): (r: FleepRecord) => r is MessageRecord {
  return (r): r is MessageRecord => r.mk_rec_type === 'message' && r.conversation_id === convId && (nr === undefined || r.message_nr === nr);
}
