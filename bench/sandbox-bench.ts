/**
 * Sandbox throughput and latency on loopback: 50 accounts in 10 conversations of 5, each
 * holding a waiting `account/poll`, while senders post with `message/send`. Reports sends/s
 * and p50/p99 of the send call and of send→poll delivery.
 *
 * Run: `npx tsx bench/sandbox-bench.ts` (the sandbox runs in a child process so the load
 * generator does not share its event loop). Not a test.
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '../src/sandbox/index.js';

const ACCOUNTS = 50;
const CONV_SIZE = 5;
const DURATION_MS = Number(process.env.BENCH_MS ?? 8_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

if (process.argv.includes('--serve')) {
  const sb = await startSandbox({ port: 0, seed: 'empty', holdMs: 90_000 });
  for (let i = 0; i < ACCOUNTS; i++) sb.state.createAccount({ email: `u${i}@bench.local`, password: 'pw' });
  process.stdout.write(`${sb.url}\n`);
  process.on('SIGTERM', () => void sb.close().then(() => process.exit(0)));
} else {
  await main();
}

interface Session {
  id: string;
  ticket: string;
  cookie: string;
}

async function main(): Promise<void> {
  const child = spawn(process.execPath, [...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/sbx/prof'] : []), '--import', 'tsx', fileURLToPath(import.meta.url), '--serve'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
  const sendAgent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const pollAgent = new Agent({ keepAlive: true, maxSockets: ACCOUNTS + 10 });
  const call = (agent: Agent, path: string, body: unknown, cookie = ''): Promise<{ status: number; json: Record<string, unknown>; headers: Record<string, unknown> }> =>
    new Promise((resolve, reject) => {
      const data = JSON.stringify(body);
      const req = request(`${url}/api/${path}`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), cookie } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>, headers: res.headers }));
      });
      req.on('error', reject);
      req.end(data);
    });

  const sessions: Session[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const res = await call(sendAgent, 'account/login', { email: `u${i}@bench.local`, password: 'pw' });
    sessions.push({ id: res.json.account_id as string, ticket: res.json.ticket as string, cookie: String((res.headers['set-cookie'] as string[])[0]).split(';')[0] as string });
  }
  const convOf: string[] = [];
  for (let g = 0; g < ACCOUNTS / CONV_SIZE; g++) {
    const owner = sessions[g * CONV_SIZE] as Session;
    const others = sessions.slice(g * CONV_SIZE + 1, (g + 1) * CONV_SIZE).map((s) => s.id);
    const res = await call(sendAgent, 'conversation/create', { ticket: owner.ticket, topic: `bench ${g}`, account_ids: others }, owner.cookie);
    const conv = (res.json.header as { conversation_id: string }).conversation_id;
    for (let k = 0; k < CONV_SIZE; k++) convOf[g * CONV_SIZE + k] = conv;
  }

  const sentAt = new Map<number, number>();
  const sendLat: number[] = [];
  const deliveryLat: number[] = [];
  let running = true;
  const pollers = sessions.map(async (s) => {
    let horizon = (await call(pollAgent, 'account/sync', { ticket: s.ticket }, s.cookie)).json.event_horizon as number;
    while (running) {
      const res = await call(pollAgent, 'account/poll', { ticket: s.ticket, event_horizon: horizon, wait: true }, s.cookie);
      const now = performance.now();
      horizon = res.json.event_horizon as number;
      for (const r of res.json.stream as Array<Record<string, unknown>>) {
        if (r.mk_rec_type !== 'message' || r.account_id === s.id) continue;
        const m = /b:(\d+)/.exec(String(r.message));
        const at = m ? sentAt.get(Number(m[1])) : undefined;
        if (at !== undefined) deliveryLat.push(now - at);
      }
    }
  });

  let seq = 0;
  const started = performance.now();
  const senders = Array.from({ length: CONCURRENCY }, async (_, w) => {
    let n = w;
    while (performance.now() - started < DURATION_MS) {
      const idx = n++ % ACCOUNTS;
      const s = sessions[idx] as Session;
      const id = seq++;
      const t0 = performance.now();
      sentAt.set(id, t0);
      const res = await call(sendAgent, `message/send/${convOf[idx]}`, { ticket: s.ticket, message: `b:${id}`, client_req_id: `bench-${id}` }, s.cookie);
      if (res.status !== 200) throw new Error(`send failed ${res.status}`);
      sendLat.push(performance.now() - t0);
    }
  });
  await Promise.all(senders);
  const elapsed = performance.now() - started;
  // Let the last deliveries arrive, then release the polls by stopping the server.
  await new Promise<void>((resolve) => setTimeout(resolve, 300));
  running = false;
  child.kill('SIGTERM');
  await Promise.allSettled(pollers);
  sendAgent.destroy();
  pollAgent.destroy();

  const pct = (xs: number[], p: number): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
  };
  const result = {
    accounts: ACCOUNTS,
    concurrency: CONCURRENCY,
    sends: sendLat.length,
    sends_per_s: Math.round(sendLat.length / (elapsed / 1000)),
    send_p50_ms: +pct(sendLat, 50).toFixed(2),
    send_p99_ms: +pct(sendLat, 99).toFixed(2),
    deliveries: deliveryLat.length,
    delivery_p50_ms: +pct(deliveryLat, 50).toFixed(2),
    delivery_p99_ms: +pct(deliveryLat, 99).toFixed(2),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
