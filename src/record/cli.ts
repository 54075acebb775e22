/**
 * `fleepkit record` as functions the command line calls (lazily imported by `src/cli/program.ts`):
 * record a session from a config's account, or diff a recording against a sandbox.
 */
import type { LoadedConfig } from '../config/types.js';
import { DEMO_PASSWORD, startSandbox, type SandboxHandle } from '../sandbox/index.js';
import { diffRecording, formatDiff, type DiffTarget } from './diff.js';
import { readRecording } from './format.js';
import { recordSession } from './recorder.js';

/** Where the command writes and how it learns about Ctrl-C. */
export interface RecordCliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Registers a handler for SIGINT/SIGTERM; returns an unregister function. */
  onSignal(handler: () => void): () => void;
}

/** Options of {@link runRecord}. */
export interface RecordCliOptions {
  out: string;
  anonymise: boolean;
  /** Live polls to record; undefined = until Ctrl-C. */
  polls?: number;
}

/** Records the config's bot account (the embedded sandbox when `fleep.server: sandbox`). @returns the exit code. */
export async function runRecord(loaded: LoadedConfig, options: RecordCliOptions, io: RecordCliIo): Promise<number> {
  const { fleep, sandbox: sandboxConfig } = loaded.config;
  let sandbox: SandboxHandle | undefined;
  if (fleep.server === 'sandbox') {
    sandbox = await startSandbox({ port: 0, seed: sandboxConfig.seed === 'empty' ? 'empty' : 'demo', holdMs: sandboxConfig.holdMs });
  }
  const server = sandbox?.url ?? fleep.server;
  const email = fleep.email ?? 'bot@example.com';
  const password = fleep.password ?? (sandbox ? DEMO_PASSWORD : '');
  const stop = new AbortController();
  const off = io.onSignal(() => stop.abort());
  io.stderr.write(`recording ${email} on ${new URL(server).origin} into ${options.out}${options.polls === undefined ? ' (Ctrl-C to stop)' : ''}…\n`);
  try {
    const summary = await recordSession({
      server,
      email,
      password,
      out: options.out,
      anonymise: options.anonymise,
      signal: stop.signal,
      ...(options.polls !== undefined ? { polls: options.polls } : {}),
    });
    io.stdout.write(`recorded ${summary.calls} calls (${summary.livePolls} live polls, ${summary.records} stream records) into ${summary.file}\n`);
    return 0;
  } finally {
    off();
    await sandbox?.close();
  }
}

/** Options of {@link runDiff}. */
export interface DiffCliOptions {
  /** A running sandbox (or any server) to replay against, with the config's account; default: a fresh embedded demo sandbox as bot@example.com. */
  against?: string;
}

/** Replays a recording against a sandbox and prints every differing field. @returns 0 when none differs, else 1. */
export async function runDiff(file: string, loaded: LoadedConfig | undefined, options: DiffCliOptions, io: RecordCliIo): Promise<number> {
  const recording = await readRecording(file);
  let sandbox: SandboxHandle | undefined;
  let target: DiffTarget;
  if (options.against) {
    const fleep = loaded?.config.fleep;
    target = { server: options.against, email: fleep?.email ?? 'bot@example.com', password: fleep?.password ?? DEMO_PASSWORD };
  } else {
    sandbox = await startSandbox({ port: 0, seed: 'demo', holdMs: 1_000 });
    target = { server: sandbox.url, email: 'bot@example.com', password: DEMO_PASSWORD };
  }
  try {
    const report = await diffRecording(recording, target);
    io.stdout.write(formatDiff(report));
    return report.differenceCount === 0 ? 0 : 1;
  } finally {
    await sandbox?.close();
  }
}
