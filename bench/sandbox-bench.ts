/**
 * Sandbox throughput and latency on loopback: 50 accounts in 10 conversations of 5, each
 * holding a waiting `account/poll`, while senders post with `message/send`. Reports sends/s
 * and p50/p99 of the send call and of send→poll delivery, after a warm-up that is not counted.
 *
 * The sandbox runs in its own process (`--serve`), so the load generator never shares its
 * event loop. Both processes' CPU time over the measured window is reported, with the machine's
 * load average, so a reader can tell which side (or which neighbour) was the limit.
 *
 * Run: `npx tsx bench/sandbox-bench.ts`. Environment: `BENCH_MS` (measured window, default
 * 8000), `BENCH_WARMUP_MS` (default 2000), `BENCH_CONCURRENCY` (senders in flight, default 16),
 * `BENCH_PROF=1` (server writes a `.cpuprofile` to /tmp/sbx/prof), `BENCH_SERVER_FLAGS` (extra
 * node flags for the server, e.g. `--trace-gc`). Not a test.
 */
import { spawn } from 'node:child_process';
import { tsLoader } from './lib/loader.js';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '../src/sandbox/index.js';
import { fullGc, heapAfterGc, percentile } from './lib/stats.js';

const ACCOUNTS = 50;
const CONV_SIZE = 5;
const DURATION_MS = Number(process.env.BENCH_MS ?? 8_000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 2_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

if (process.argv.includes('--serve')) {
  const sb = await startSandbox({ port: 0, seed: 'empty', holdMs: 90_000 });
  for (let i = 0; i < ACCOUNTS; i++) sb.state.createAccount({ email: `u${i}@bench.local`, password: 'pw' });
  process.stdout.write(`${sb.url}\n`);
  process.on('SIGTERM', () => {
    // With --expose-gc in BENCH_SERVER_FLAGS: what the world retains per accepted request.
    if (fullGc()) {
      const n = sb.ledger.list().length;
      const heap = heapAfterGc();
      const { arrayBuffers } = process.memoryUsage();
      process.stderr.write(`server heap after GC: ${(heap / 1e6).toFixed(1)} MB (+ ${(arrayBuffers / 1e6).toFixed(1)} MB buffers) for ${n} accepted requests\n`);
    }
    void sb.close().then(() => process.exit(0));
  });
} else {
  await main();
}

interface Session {
  id: string;
  ticket: string;
  cookie: string;
}

/** CPU ms (user + system) a process has used so far, from /proc (Linux). */
function procCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat; after "pid (comm) " they are at 11 and 12.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function main(): Promise<void> {
  const prof = process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/sbx/prof'] : [];
  const flags = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...prof, ...flags, ...tsLoader(import.meta.url), fileURLToPath(import.meta.url), '--serve'], { stdio: ['ignore', 'pipe', 'inherit'] });
  // The server prints its URL on a line of its own; anything else (e.g. --trace-gc) goes to
  // stderr, and the pipe keeps being drained so it never fills.
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve) =>
    lines.on('line', (line) => {
      if (/^http:\/\/\S+$/.test(line)) resolve(line);
      else process.stderr.write(`${line}\n`);
    }),
  );
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

  // Only sends started inside the measured window are timed; warm-up sends are not in sentAt.
  const sentAt = new Map<number, number>();
  const sendLat: number[] = [];
  const deliveryLat: number[] = [];
  let pollAnswers = 0;
  let measuring = false;
  let running = true;
  const pollers = sessions.map(async (s) => {
    let horizon = (await call(pollAgent, 'account/sync', { ticket: s.ticket }, s.cookie)).json.event_horizon as number;
    while (running) {
      const res = await call(pollAgent, 'account/poll', { ticket: s.ticket, event_horizon: horizon, wait: true }, s.cookie);
      const now = performance.now();
      if (measuring) pollAnswers++;
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
  const runSenders = (ms: number, timed: boolean): Promise<void[]> => {
    const until = performance.now() + ms;
    return Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, w) => {
        let n = w;
        while (performance.now() < until) {
          const idx = n++ % ACCOUNTS;
          const s = sessions[idx] as Session;
          const id = seq++;
          const t0 = performance.now();
          if (timed) sentAt.set(id, t0);
          const res = await call(sendAgent, `message/send/${convOf[idx]}`, { ticket: s.ticket, message: `b:${id}`, client_req_id: `bench-${id}` }, s.cookie);
          if (res.status !== 200) throw new Error(`send failed ${res.status}`);
          if (timed) sendLat.push(performance.now() - t0);
        }
      }),
    );
  };

  await runSenders(WARMUP_MS, false);
  const loadBefore = loadavg()[0] as number;
  const serverCpu0 = procCpuMs(child.pid as number);
  const clientCpu0 = selfCpuMs();
  measuring = true;
  const started = performance.now();
  await runSenders(DURATION_MS, true);
  const elapsed = performance.now() - started;
  const serverCpu = procCpuMs(child.pid as number) - serverCpu0;
  const clientCpu = selfCpuMs() - clientCpu0;
  const loadAfter = loadavg()[0] as number;
  // Let the last deliveries arrive, then release the polls by stopping the server.
  await new Promise<void>((resolve) => setTimeout(resolve, 300));
  measuring = false;
  running = false;
  child.kill('SIGTERM');
  await Promise.allSettled(pollers);
  sendAgent.destroy();
  pollAgent.destroy();

  const result = {
    accounts: ACCOUNTS,
    concurrency: CONCURRENCY,
    warmup_ms: WARMUP_MS,
    measured_ms: Math.round(elapsed),
    sends: sendLat.length,
    sends_per_s: Math.round(sendLat.length / (elapsed / 1000)),
    send_p50_ms: +percentile(sendLat, 50).toFixed(2),
    send_p99_ms: +percentile(sendLat, 99).toFixed(2),
    deliveries: deliveryLat.length,
    delivery_p50_ms: +percentile(deliveryLat, 50).toFixed(2),
    delivery_p99_ms: +percentile(deliveryLat, 99).toFixed(2),
    poll_answers_per_send: +(pollAnswers / Math.max(1, sendLat.length)).toFixed(2),
    server_cpu_pct: Math.round((serverCpu / elapsed) * 100),
    loadgen_cpu_pct: Math.round((clientCpu / elapsed) * 100),
    // CPU per send is the figure that survives a busy machine: it does not depend on how much
    // of a core the neighbours left over.
    server_cpu_us_per_send: Math.round((serverCpu * 1000) / Math.max(1, sendLat.length)),
    loadgen_cpu_us_per_send: Math.round((clientCpu * 1000) / Math.max(1, sendLat.length)),
    loadavg_1m: [+loadBefore.toFixed(2), +loadAfter.toFixed(2)],
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
