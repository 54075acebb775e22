/**
 * `fleepkit record --diff`: replays a recording's calls against a sandbox, as the same kind of
 * account, and names every field whose presence or JSON type differs (see `shape.ts`). Ids and
 * horizons of the recording are mapped to the sandbox's as the answers reveal them; polls are
 * replayed without waiting; only read calls are replayed — nothing is posted or changed.
 */
import { FleepClient } from '../api/client.js';
import { isReadMethod } from '../api/base-client.js';
import { FleepApiError, FleepNetworkError } from '../api/errors.js';
import type { HttpExchange } from '../api/options.js';
import type { RecordedCall, Recording } from './format.js';
import { compareShapes, describeDifference, shapeOf, type FieldDifference } from './shape.js';

/** The sandbox account to replay as. */
export interface DiffTarget {
  server: string;
  email: string;
  password: string;
}

/** The outcome of one replayed call. */
export interface CallDiff {
  seq: number;
  method: string;
  /** Set when the statuses differ (then the bodies are not compared). */
  status?: { recorded: number; sandbox: number };
  differences: FieldDifference[];
  /** List groups only one side had (what happened differed, not the shape). */
  unmatched: string[];
  /** Why the call was not replayed. */
  skipped?: string;
}

/** The whole comparison. */
export interface DiffReport {
  calls: CallDiff[];
  /** Field differences plus status differences. */
  differenceCount: number;
}

/** Methods replayed although `isReadMethod` does not list them (reads by name). */
const ALSO_READ = new Set(['account/login', 'account/logout', 'conversation/sync_pins', 'conversation/list', 'contact/describe', 'account/lookup']);
const ID_KEY = /(^|_)ids?$/;

/** Replays `recording` against `target` and compares every answer's shape with the recorded one. */
export async function diffRecording(recording: Recording, target: DiffTarget): Promise<DiffReport> {
  let last: HttpExchange | undefined;
  const client = new FleepClient({ baseUrl: target.server, retry: { giveUpMs: 1 }, onExchange: (x) => void (last = x) });
  const ids = new Map<string, string>();
  const horizons = new Map<number, number>();
  let sameAccount = false;
  const calls: CallDiff[] = [];
  try {
    for (const call of recording.calls) {
      last = undefined;
      const skipped = skipReason(call);
      if (skipped) {
        calls.push({ seq: call.seq, method: call.method, differences: [], unmatched: [], skipped });
        continue;
      }
      const unknown = sameAccount ? undefined : unmappedConversation(call, ids);
      if (unknown) {
        calls.push({ seq: call.seq, method: call.method, differences: [], unmatched: [], skipped: `conversation ${unknown} has no counterpart in the sandbox` });
        continue;
      }
      await replay(client, call, { ids, horizons, sameAccount }, target).catch((error: unknown) => {
        if (!(error instanceof FleepApiError || error instanceof FleepNetworkError)) throw error;
      });
      if (call.method === 'account/login') sameAccount = client.accountId === recording.header.account_id;
      calls.push(compare(call, last, { ids, horizons, sameAccount }));
    }
  } finally {
    await client.logout().catch(() => undefined);
    client.close();
  }
  const differenceCount = calls.reduce((n, c) => n + c.differences.length + (c.status ? 1 : 0), 0);
  return { calls, differenceCount };
}

function skipReason(call: RecordedCall): string | undefined {
  if (call.method === 'file/upload') return 'uploads are not replayed';
  if (!isReadMethod(call.method) && !ALSO_READ.has(call.method)) return 'not a read call; a diff never changes the sandbox';
  return undefined;
}

/** The recorded conversation a call is about, when no sandbox conversation was paired with it. */
function unmappedConversation(call: RecordedCall, ids: Map<string, string>): string | undefined {
  const prefix = `/api/${call.method}/`;
  const pathId = call.path.startsWith(prefix) ? decodeURIComponent(call.path.slice(prefix.length).split('?')[0] ?? '') : '';
  const bodyId = (call.request as Record<string, unknown> | null)?.['conversation_id'];
  const id = pathId || (typeof bodyId === 'string' ? bodyId : '');
  return id && !ids.has(id) ? id : undefined;
}

interface Mapping {
  ids: Map<string, string>;
  horizons: Map<number, number>;
  sameAccount: boolean;
}

async function replay(client: FleepClient, call: RecordedCall, map: Mapping, target: DiffTarget): Promise<void> {
  if (call.method === 'account/login') {
    await client.login(target.email, target.password);
    return;
  }
  if (call.method === 'account/logout') {
    await client.logout();
    return;
  }
  const request = { ...(call.request && typeof call.request === 'object' ? (call.request as Record<string, unknown>) : {}) };
  delete request['ticket'];
  delete request['client_req_id'];
  const body = mapValues(request, map.ids) as Record<string, unknown>;
  if (call.method === 'account/poll') {
    body['wait'] = false;
    const h = typeof request['event_horizon'] === 'number' ? request['event_horizon'] : 0;
    body['event_horizon'] = map.sameAccount || h === 0 ? h : (map.horizons.get(h) ?? Math.max(0, ...map.horizons.values()));
  }
  const prefix = `/api/${call.method}/`;
  const pathId = call.path.startsWith(prefix) ? decodeURIComponent(call.path.slice(prefix.length).split('?')[0] ?? '') : undefined;
  const conversationId = pathId ? (map.ids.get(pathId) ?? pathId) : undefined;
  await client.call(call.method, body, { ...(conversationId ? { conversationId } : {}), idempotent: true, retry: false });
}

function compare(call: RecordedCall, exchange: HttpExchange | undefined, map: Mapping): CallDiff {
  const base = { seq: call.seq, method: call.method, differences: [], unmatched: [] };
  if (!exchange) return { ...base, skipped: 'the sandbox did not answer' };
  if (exchange.status !== call.status) return { ...base, status: { recorded: call.status, sandbox: exchange.status } };
  let answer: unknown;
  try {
    answer = exchange.body.trim() === '' ? {} : JSON.parse(exchange.body);
  } catch {
    answer = null;
  }
  if (call.method === 'account/poll') answer = sameWindow(call.response, answer);
  if (!map.sameAccount || call.method === 'account/login') learn(call.response, answer, map, '');
  return { ...base, ...compareShapes(shapeOf(call.response), shapeOf(answer)) };
}

/** A replayed poll may see more records than the recorded one did: compare the same count. */
function sameWindow(recorded: unknown, answer: unknown): unknown {
  const stream = (recorded as { stream?: unknown } | null)?.stream;
  const mine = (answer as { stream?: unknown } | null)?.stream;
  if (!Array.isArray(stream) || !Array.isArray(mine) || mine.length <= stream.length) return answer;
  return { ...(answer as Record<string, unknown>), stream: mine.slice(0, stream.length) };
}

/** Learns recorded → sandbox ids and horizons from two answers to the same call, side by side. */
function learn(recorded: unknown, answer: unknown, map: Mapping, key: string): void {
  if (typeof recorded === 'string' && typeof answer === 'string') {
    if (ID_KEY.test(key) && recorded !== answer && !map.ids.has(recorded)) map.ids.set(recorded, answer);
    return;
  }
  if (typeof recorded === 'number' && typeof answer === 'number') {
    if (key === 'event_horizon' && !map.horizons.has(recorded)) map.horizons.set(recorded, answer);
    return;
  }
  if (Array.isArray(recorded) && Array.isArray(answer)) {
    // Records pair up by type, in order (the first conversation with the first conversation…).
    const a = byRecordType(recorded);
    const b = byRecordType(answer);
    for (const [type, items] of a) {
      const other = b.get(type) ?? [];
      const n = Math.min(items.length, other.length);
      for (let i = 0; i < n; i++) learn(items[i], other[i], map, key);
    }
    return;
  }
  if (recorded && answer && typeof recorded === 'object' && typeof answer === 'object') {
    const a = answer as Record<string, unknown>;
    for (const [k, v] of Object.entries(recorded as Record<string, unknown>)) if (k in a) learn(v, a[k], map, k);
  }
}

function byRecordType(list: unknown[]): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  for (const item of list) {
    const type = item && typeof item === 'object' ? (item as Record<string, unknown>)['mk_rec_type'] : undefined;
    const k = typeof type === 'string' ? type : '';
    const group = out.get(k);
    if (group) group.push(item);
    else out.set(k, [item]);
  }
  return out;
}

function mapValues(value: unknown, ids: Map<string, string>): unknown {
  if (typeof value === 'string') return ids.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => mapValues(v, ids));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, mapValues(v, ids)]));
  }
  return value;
}

/** Formats a report: one line per difference, naming the call and the field path. */
export function formatDiff(report: DiffReport): string {
  const lines: string[] = [];
  let differing = 0;
  for (const c of report.calls) {
    const at = `#${c.seq} ${c.method}`;
    if (c.skipped) lines.push(`${at}: skipped (${c.skipped})`);
    if (c.status) lines.push(`${at}: status: recording ${c.status.recorded}, sandbox ${c.status.sandbox}`);
    for (const d of c.differences) lines.push(`${at}: ${describeDifference(d)}`);
    for (const u of c.unmatched) lines.push(`${at}: (not compared: ${u})`);
    if (c.status || c.differences.length > 0) differing++;
  }
  lines.push(
    report.differenceCount === 0
      ? `no differences in ${report.calls.length} calls`
      : `${report.differenceCount} difference${report.differenceCount === 1 ? '' : 's'} in ${differing} of ${report.calls.length} calls`,
  );
  return lines.join('\n') + '\n';
}
