/** Shared helpers of the CLI tests: temp projects, a subprocess runner, sandbox inspection. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** bin/fleepkit.js. */
export const BIN = path.join(REPO, 'bin', 'fleepkit.js');

/** A temp directory with the given files (a `package.json` with "type": "module" unless given). */
export async function tempProject(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fleepkit-cli-'));
  const all = { 'package.json': '{ "type": "module" }\n', ...files };
  for (const [rel, text] of Object.entries(all)) await writeFile(path.join(dir, rel), text);
  return dir;
}

/** A TypeScript plugin answering `!ping` with `pong`, importing the public entry. */
export const PING_PLUGIN = `import { definePlugin } from 'fleepkit';
export default definePlugin({
  name: 'ping',
  setup(bot) {
    bot.command('ping', { description: 'Answers pong' }, (ctx) => ctx.reply('pong'));
  },
});
`;

/** A config for tests: embedded sandbox and health server on free ports, SQLite in the project. */
export function testConfig(extra = ''): string {
  return `sandbox:
  port: 0
  holdMs: 1000
http:
  port: 0
log:
  level: silent
plugins:
  ./ping.ts: {}
${extra}`;
}

/** What a finished subprocess printed. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/fleepkit.js …args` to completion. */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? REPO, env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `node bin/fleepkit.js …args` and resolves once its stdout contains `marker`. */
export function startCli(args: string[], marker: string, cwd: string): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: process.env });
    let out = '';
    const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes(marker)) {
        child.stdout.off('data', onData);
        child.stdout.on('data', (more: Buffer) => (out += more.toString()));
        resolve({ child, output: () => out, exited });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => reject(new Error(`fleepkit exited (${String(code)}) before printing ${JSON.stringify(marker)}:\n${out}`)));
  });
}

/** One message as the sandbox's control API lists it. */
export interface ControlMessage {
  message_nr: number;
  email: string | null;
  text: string;
}

/** The id of the conversation with this topic, via the sandbox control API. */
export async function conversationId(sandboxUrl: string, topic: string): Promise<string> {
  const res = await fetch(`${sandboxUrl}/sandbox/conversations`);
  const body = (await res.json()) as { conversations: Array<{ conversation_id: string; topic: string }> };
  const conv = body.conversations.find((c) => c.topic === topic);
  if (!conv) throw new Error(`no conversation '${topic}' in the sandbox`);
  return conv.conversation_id;
}

/** Messages of a conversation, via the sandbox control API. */
export async function messages(sandboxUrl: string, convId: string): Promise<ControlMessage[]> {
  const res = await fetch(`${sandboxUrl}/sandbox/conversations/${convId}/messages`);
  return ((await res.json()) as { messages: ControlMessage[] }).messages;
}
