/**
 * `fleepkit inspect` end to end: a real bot from a config on the embedded sandbox, the command
 * run as users run it (the CLI's own parser), against the bot's HTTP port and the store file.
 * The effect that gets dead-lettered is a real refusal: the bot is not a member of the
 * conversation it was asked to write to (Fleep answers 431).
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { FleepClient } from '../../src/api/client.js';
import { loadConfig } from '../../src/config/load.js';
import type { InspectReport } from '../../src/cli/inspect-report.js';
import { runCli } from '../../src/cli/program.js';
import type { CliIo } from '../../src/cli/program.js';
import { runFromConfig } from '../../src/cli/run.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { RunHandle } from '../../src/cli/run.js';
import { conversationId, messages, tempProject } from './helpers.js';

/** A plugin that writes wherever it is told to, throws on demand, and sets reminders. */
const OPS_PLUGIN = `import { arg, definePlugin } from 'fleepkit';
export default definePlugin({
  name: 'ops',
  setup(bot) {
    bot.command('tell', { args: { conv: arg.string(), text: arg.rest() } }, (ctx) => {
      void ctx.send(ctx.args.conv, ctx.args.text);
    });
    bot.command('boom', {}, () => {
      throw new Error('kaboom');
    });
    bot.command('remind', {}, async (ctx) => {
      await ctx.jobs.at('later', ctx.deps.clock.now() + 3_600_000, { conversationId: ctx.conversationId, payload: { text: 'later' } });
    });
    bot.cron('0 9 * * *', { name: 'daily' }, () => undefined);
  },
});
`;

const CONFIG = `sandbox:
  port: 0
  holdMs: 1000
  dataFile: ./data/sandbox.json
http:
  port: 0
log:
  level: silent
runtime:
  maxAttempts: 1
plugins:
  ./ops.ts: {}
`;

const running: RunHandle[] = [];
afterEach(async () => {
  for (const h of running.splice(0)) await h.stop();
});

async function startBot(dir: string): Promise<RunHandle> {
  const loaded = await loadConfig(path.join(dir, 'bot.config.yaml'), { env: {} });
  const handle = await runFromConfig(loaded, { stdout: { write: () => true } });
  running.push(handle);
  return handle;
}

/** Runs `fleepkit …args` through the CLI's own parser; resolves its exit code and output. */
async function fleepkit(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => ((stdout += s), true) } as unknown as CliIo['stdout'],
    stderr: { write: (s: string) => ((stderr += s), true) } as unknown as CliIo['stderr'],
    env: {},
    onSignal: () => () => undefined,
    exitNow: (code) => {
      throw new Error(`exitNow(${code})`);
    },
  };
  const code = await runCli(['node', 'fleepkit', ...args], io);
  return { code, stdout, stderr };
}

async function report(...source: string[]): Promise<InspectReport> {
  const r = await fleepkit('inspect', ...source, '--json');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as InspectReport;
}

/** A TCP port nothing listens on right now (the OS's next ephemeral one). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function login(url: string, who: string): Promise<FleepClient> {
  const client = new FleepClient({ baseUrl: url });
  await client.login(`${who}@example.com`, 'demo');
  return client;
}

/** A conversation of Alice and Bob only: the bot may not write there. */
async function sideConversation(alice: FleepClient, url: string): Promise<string> {
  const accounts = (await (await fetch(`${url}/sandbox/accounts`)).json()) as { accounts: Array<{ account_id: string; email: string }> };
  const bob = accounts.accounts.find((a) => a.email === 'bob@example.com')!.account_id;
  return (await alice.createConversation({ topic: 'Side', accountIds: [bob] })).header.conversation_id;
}

async function addBot(alice: FleepClient, url: string, conv: string): Promise<void> {
  const accounts = (await (await fetch(`${url}/sandbox/accounts`)).json()) as { accounts: Array<{ account_id: string; email: string }> };
  const bot = accounts.accounts.find((a) => a.email === 'bot@example.com')!.account_id;
  await alice.storeConversation(conv, { addAccountIds: [bot] });
}

/** Accepted `message/send` calls carrying this client_req_id (the sandbox ledger). */
async function accepted(url: string, clientReqId: string): Promise<number> {
  const { requests } = (await (await fetch(`${url}/sandbox/requests?method=message/send`)).json()) as { requests: Array<{ client_req_id: string | null }> };
  return requests.filter((r) => r.client_req_id === clientReqId).length;
}

describe('fleepkit inspect', () => {
  test('--retry of a dead-lettered effect through the running bot delivers it once (sandbox ledger)', async () => {
    const dir = await tempProject({ 'bot.config.yaml': CONFIG, 'ops.ts': OPS_PLUGIN });
    const handle = await startBot(dir);
    const url = handle.sandbox!.url;
    const bot = `--url=${handle.http!.url}`;
    const alice = await login(url, 'alice');
    const team = await conversationId(url, 'Team');
    const side = await sideConversation(alice, url);

    await alice.sendMessage(team, `!tell ${side} hello side`);
    await handle.bot.idle();
    const before = await report(bot);
    expect(before.source).toBe(`bot ${handle.http!.url}`);
    expect(before.cursor.live).toBeGreaterThan(0);
    expect(before.poll?.running).toBe(true);
    expect(before.leases).toEqual([expect.objectContaining({ live: true })]);
    expect(before.deadLetters).toHaveLength(1);
    const dead = before.deadLetters[0]!;
    expect(dead).toMatchObject({ kind: 'effect', retryable: true, summary: `message/send in ${side} "hello side"` });
    expect(dead.reason).toMatch(/refused by Fleep: HTTP 431/);
    expect(await accepted(url, dead.id)).toBe(0);

    const text = await fleepkit('inspect', bot);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(dead.id);
    expect(text.stdout).toMatch(/Dead letters: 1/);

    await addBot(alice, url, side);
    const retried = await fleepkit('inspect', bot, '--retry', dead.id);
    expect(retried).toMatchObject({ code: 0, stderr: '' });
    expect(retried.stdout).toMatch(/delivered/);
    expect(await accepted(url, dead.id)).toBe(1);
    expect((await messages(url, side)).filter((m) => m.email === 'bot@example.com').map((m) => m.text)).toEqual(['hello side']);

    const again = await fleepkit('inspect', bot, '--retry', dead.id);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/No dead letter with id/);
    await handle.bot.idle();
    expect(await accepted(url, dead.id)).toBe(1);
    const after = await report(bot);
    expect(after.deadLetters).toEqual([]);
    expect(after.outbox).toEqual({ pending: 0, oldestAgeMs: null, conversations: [] });
  });

  test('on the store file: lists jobs, refuses to retry events and cancel cron jobs, drops, cancels, and queues a retry for the next start', async () => {
    const dir = await tempProject({ 'bot.config.yaml': CONFIG, 'ops.ts': OPS_PLUGIN });
    const config = `--config=${path.join(dir, 'bot.config.yaml')}`;
    let handle = await startBot(dir);
    let url = handle.sandbox!.url;
    const alice = await login(url, 'alice');
    const team = await conversationId(url, 'Team');
    const side = await sideConversation(alice, url);
    await alice.sendMessage(team, `!tell ${side} queued for later`);
    await alice.sendMessage(team, '!boom');
    await alice.sendMessage(team, '!remind');
    await handle.bot.idle();
    const cursor = handle.bot.cursor;
    await handle.stop();
    running.length = 0;

    const r = await report(config);
    expect(r.source).toMatch(/^store sqlite:/);
    expect(r.cursor).toEqual({ stored: cursor, live: null });
    expect(r.poll).toBeNull();
    expect(r.leases).toEqual([]); // released on a graceful stop
    const effect = r.deadLetters.find((d) => d.kind === 'effect')!;
    const event = r.deadLetters.find((d) => d.kind === 'event')!;
    expect(event.retryable).toBe(false);
    expect(event.reason).toMatch(/^ops: .*kaboom$/);
    expect(event.summary).toMatch(/^message\.new in /);
    const reminder = r.jobs.find((j) => j.kind === 'at')!;
    expect(reminder).toMatchObject({ name: 'ops:later', schedule: 'once', cancellable: true, conversationId: team });
    expect(r.jobs.find((j) => j.id === 'cron:ops:daily')).toMatchObject({ kind: 'cron', schedule: '0 9 * * *', cancellable: false });

    const refused = await fleepkit('inspect', config, '--retry', event.id);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/cannot be retried: it was marked handled/);
    const cron = await fleepkit('inspect', config, '--cancel', 'cron:ops:daily', '--json');
    expect(cron.code).toBe(2);
    expect(JSON.parse(cron.stdout)).toMatchObject({ code: 'NOT_CANCELLABLE' });
    expect((await fleepkit('inspect', config, '--cancel', 'job:nope')).stderr).toMatch(/No job or reminder with id "job:nope"/);

    expect(await fleepkit('inspect', config, '--drop', event.id)).toMatchObject({ code: 0, stdout: `Dead letter ${event.id} (event) dropped; nothing was sent.\n` });
    const cancelled = await fleepkit('inspect', config, '--cancel', reminder.id, '--json');
    expect(JSON.parse(cancelled.stdout)).toEqual({ action: 'cancel', id: reminder.id, kind: 'job', outcome: 'cancelled', message: `Job ${reminder.id} cancelled; it will not fire again.` });
    const queued = await fleepkit('inspect', config, '--retry', effect.id);
    expect(queued.stdout).toMatch(/back in the outbox/);

    const left = await report(config);
    expect(left.deadLetters).toEqual([]);
    expect(left.jobs.map((j) => j.id)).toEqual(['cron:ops:daily']);
    expect(left.outbox.pending).toBe(1);
    expect(left.outbox.conversations).toEqual([expect.objectContaining({ conversationId: side, pending: 1 })]);

    // Alice adds the bot while it is down (the sandbox alone, on the bot's world file); the next
    // start sends the effect, once, now that the bot may write there.
    const sandbox = await startSandbox({ port: 0, dataFile: path.join(dir, 'data', 'sandbox.json') });
    await addBot(await login(sandbox.url, 'alice'), sandbox.url, side);
    await sandbox.close();
    handle = await startBot(dir);
    url = handle.sandbox!.url;
    await handle.bot.idle();
    expect(await accepted(url, effect.id)).toBe(1);
    expect((await report(`--url=${handle.http!.url}`)).outbox.pending).toBe(0);
  });

  test('by default asks the bot on the configured HTTP port, and reads the store file once nothing answers there', async () => {
    const port = await freePort();
    const dir = await tempProject({ 'bot.config.yaml': CONFIG.replace('http:\n  port: 0', `http:\n  port: ${port}`), 'ops.ts': OPS_PLUGIN });
    const config = `--config=${path.join(dir, 'bot.config.yaml')}`;
    const handle = await startBot(dir);
    expect((await report(config)).source).toBe(`bot http://127.0.0.1:${port}`);
    expect((await report(config, '--store')).source).toMatch(/^store sqlite:.*fleepkit\.db$/);
    await handle.stop();
    running.length = 0;
    expect((await report(config)).source).toMatch(/^store sqlite:.*fleepkit\.db$/);
  });

  test('/inspect answers loopback clients naming a loopback host, and takes actions only as JSON', async () => {
    const dir = await tempProject({ 'bot.config.yaml': CONFIG, 'ops.ts': OPS_PLUGIN });
    const handle = await startBot(dir);
    const port = handle.http!.port;
    const call = (method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/inspect', method, headers }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    expect((await call('GET', { host: 'evil.example:80' })).status).toBe(403);
    expect((await call('GET', { host: `localhost:${port}` })).status).toBe(200);
    const form = await call('POST', { host: `127.0.0.1:${port}`, 'content-type': 'text/plain' }, '{"action":"drop","id":"x"}');
    expect(form.status).toBe(415);
    const bad = await call('POST', { host: `127.0.0.1:${port}`, 'content-type': 'application/json' }, '{"action":"explode"}');
    expect(bad).toMatchObject({ status: 400 });
    const missing = await call('POST', { host: `127.0.0.1:${port}`, 'content-type': 'application/json' }, '{"action":"drop","id":"x"}');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ code: 'NOT_FOUND' });
  });

  test('says what to do when there is nothing to inspect', async () => {
    const dir = await tempProject({ 'bot.config.yaml': CONFIG, 'ops.ts': OPS_PLUGIN });
    const none = await fleepkit('inspect', `--config=${path.join(dir, 'bot.config.yaml')}`);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/There is no store at .*fleepkit\.db .*the bot has not run with this config/);
    const memory = await tempProject({ 'bot.config.yaml': `${CONFIG}store:\n  memory: true\n`, 'ops.ts': OPS_PLUGIN });
    const mem = await fleepkit('inspect', `--config=${path.join(memory, 'bot.config.yaml')}`);
    expect(mem.code).toBe(2);
    expect(mem.stderr).toMatch(/keeps the store in memory.*pass --url/);
    const both = await fleepkit('inspect', '--url=http://127.0.0.1:1', '--drop', 'a', '--cancel', 'b');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/one of --retry, --drop and --cancel/);
  });
});
