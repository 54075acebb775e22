/**
 * Errors that escape plugin code, with `fleepkit run` as a child process: a rejection
 * nobody handles and a throw from a timer no longer end the process. Each is attributed to the
 * plugin and the event, fails the attempt, and the event is dead-lettered after its attempts;
 * the next message is answered, and the plugin's errors are counted in the metrics.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { FleepClient } from '../../src/api/client.js';
import { BIN, conversationId, tempProject } from './helpers.js';

const FRAGILE_PLUGIN = `import { definePlugin } from 'fleepkit';
async function later(text: string): Promise<void> {
  await null;
  throw new Error('poison pill: ' + text);
}
export default definePlugin({
  name: 'fragile',
  setup(bot) {
    bot.on('message.new', async (ctx) => {
      if (ctx.text === 'reject me') {
        void later(ctx.text ?? ''); // a rejection nobody handles
        return;
      }
      if (ctx.text === 'timer me') {
        // A throw from a timer while the handler still waits.
        await new Promise<void>((resolve) => {
          setTimeout(() => { throw new Error('timer went off: ' + ctx.text); }, 0);
          setTimeout(resolve, 0);
        });
        return;
      }
      await ctx.reply('echo: ' + ctx.text);
    });
  },
});
`;

const CONFIG = `sandbox:
  port: 0
  holdMs: 1000
http:
  port: 0
log:
  level: info
  pretty: false
runtime:
  maxAttempts: 3
plugins:
  ./fragile.ts: {}
`;

interface LogLine {
  msg: string;
  eventId?: string;
  plugin?: string;
  failures?: number;
  reason?: string;
}

interface Child {
  proc: ChildProcess;
  lines: string[];
  /** Resolves with the first line (already printed or to come) matching `test`. */
  waitFor(test: (line: string) => boolean): Promise<string>;
}

function startBot(cwd: string): Child {
  const proc = spawn(process.execPath, [BIN, 'run', '-c', 'bot.config.yaml'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: Array<{ test: (l: string) => boolean; resolve: (l: string) => void }> = [];
  const onLine = (line: string): void => {
    lines.push(line);
    for (const w of waiters.splice(0)) {
      if (w.test(line)) w.resolve(line);
      else waiters.push(w);
    }
  };
  createInterface({ input: proc.stdout! }).on('line', onLine);
  createInterface({ input: proc.stderr! }).on('line', onLine);
  const exited = new Promise<string>((resolve) => proc.once('exit', (code, signal) => resolve(`bot exited (${code ?? signal}):\n${lines.join('\n')}`)));
  return {
    proc,
    lines,
    waitFor: (test) => {
      const seen = lines.find(test);
      if (seen !== undefined) return Promise.resolve(seen);
      return Promise.race([
        new Promise<string>((resolve) => waiters.push({ test, resolve })),
        exited.then((why) => Promise.reject(new Error(why))),
      ]);
    },
  };
}

function json(line: string): LogLine | undefined {
  if (!line.startsWith('{')) return undefined;
  return JSON.parse(line) as LogLine;
}

/** Long-polls as `client` until the bot's reply containing `text` appears. */
async function replyArrives(client: FleepClient, botId: string, text: string): Promise<void> {
  let horizon = (await client.accountSync()).event_horizon;
  for (;;) {
    const res = await client.poll(horizon);
    horizon = res.event_horizon;
    for (const r of res.stream) {
      const rec = r as { mk_rec_type?: string; account_id?: string; message?: string };
      if (rec.mk_rec_type === 'message' && rec.account_id === botId && rec.message?.includes(text)) return;
    }
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0)) await fn();
});

describe('errors escaping plugin code, fleepkit run as a child process', () => {
  it('a rejection nobody handles and a timer throw: bot stays up, each event dead-lettered after 3 attempts, next message answered', { timeout: 60_000 }, async () => {
    const dir = await tempProject({ 'bot.config.yaml': CONFIG, 'fragile.ts': FRAGILE_PLUGIN });
    const bot = startBot(dir);
    cleanups.push(async () => {
      if (bot.proc.exitCode === null && bot.proc.signalCode === null) {
        const gone = new Promise((resolve) => bot.proc.once('exit', resolve));
        bot.proc.kill('SIGKILL');
        await gone;
      }
      await rm(dir, { recursive: true, force: true });
    });
    await bot.waitFor((l) => l.startsWith('ready:'));
    const url = /Fleep sandbox on (http:\S+)/.exec(bot.lines.join('\n'))![1]!;
    const metricsUrl = /health and metrics on (http:\S+)\/healthz/.exec(bot.lines.join('\n'))![1]!;
    const alice = new FleepClient({ baseUrl: url });
    await alice.login('alice@example.com', 'demo');
    const botId = ((await (await fetch(`${url}/sandbox/accounts`)).json()) as { accounts: Array<{ email: string; account_id: string }> }).accounts.find(
      (a) => a.email === 'bot@example.com',
    )!.account_id;
    const team = await conversationId(url, 'Team');

    for (const text of ['reject me', 'timer me']) {
      await alice.sendMessage(team, text);
      const dead = json(await bot.waitFor((l) => json(l)?.msg === 'event dead-lettered'))!;
      const logged = bot.lines.map(json).filter((l): l is LogLine => l?.eventId === dead.eventId);
      expect(logged.filter((l) => l.msg === 'event handling failed; retrying').map((l) => l.failures)).toEqual([1, 2]);
      expect(dead.failures).toBe(3);
      expect(dead.reason).toMatch(/^fragile: /);
      expect(dead.reason).toContain(text === 'reject me' ? 'poison pill: reject me' : 'timer went off: timer me');
      // Each failure went through the error funnel with the plugin and the event.
      const reported = logged.filter((l) => l.msg === 'handler failed');
      expect(reported).toHaveLength(3);
      expect(reported.every((l) => l.plugin === 'fragile')).toBe(true);
      bot.lines.length = 0;
    }

    const answered = replyArrives(alice, botId, 'echo: still there?');
    await alice.sendMessage(team, 'still there?');
    await answered;
    expect(bot.proc.exitCode).toBeNull();
    const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/fleepkit_plugin_errors_total\{plugin="fragile"\} 6\b/);

    const exited = new Promise<number | null>((resolve) => bot.proc.once('exit', (code) => resolve(code)));
    bot.proc.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
