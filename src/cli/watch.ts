/**
 * `fleepkit run --watch`: runs the bot in a child process and restarts it when the config or a
 * plugin file changes. A restart is safe by design (the cursor, outbox and jobs are durable), and
 * a fresh process is the only way to load changed ES modules again.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import path from 'node:path';
import type { CliIo } from './io.js';

/** What `--watch` needs to know. */
export interface WatchOptions {
  /** `run`'s arguments without `--watch`, e.g. `['-c', 'bot.config.yaml']`. */
  args: string[];
  /** Extra arguments of the first start only (`--fresh`, `--resync`). @default [] */
  firstArgs?: string[];
  /** The config file. */
  config: string;
  /** The executable to run the child with (bin/fleepkit.js). */
  bin: string;
}

/** Files whose change restarts the bot. */
const WATCHED = /\.(?:ya?ml|[cm]?[jt]sx?|json)$/;
/** Folders never watched: installs, state, builds. */
const IGNORED = /(?:^|[\\/])(?:node_modules|data|dist|\.git)(?:[\\/]|$)/;
/** Several writes of one save (editors write, rename, touch) give one restart. */
const SETTLE_MS = 150;

/**
 * Runs and re-runs the bot until SIGINT/SIGTERM; resolves to the last child's exit code.
 * A bot that exits on its own (a config error, a crash) is restarted at the next change.
 */
export async function runWatching(options: WatchOptions, io: CliIo): Promise<number> {
  const dir = path.dirname(path.resolve(options.config));
  let child: ChildProcess | undefined;
  let exited: Promise<number> = Promise.resolve(0);
  let stopping = false;
  let first = true;
  const start = (): void => {
    const args = [options.bin, 'run', ...options.args, ...(first ? (options.firstArgs ?? []) : [])];
    first = false;
    // Its own process group: Ctrl-C reaches only this supervisor, which stops the bot once, gracefully.
    const c = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: io.env as NodeJS.ProcessEnv, detached: true });
    c.stdout!.on('data', (d: Buffer) => io.stdout.write(d));
    c.stderr!.on('data', (d: Buffer) => io.stderr.write(d));
    child = c;
    exited = new Promise((resolve) =>
      c.on('close', (code) => {
        if (child === c) child = undefined;
        if (!stopping && code !== null) io.stderr.write(`--watch: the bot exited with code ${code}; waiting for a change to ${path.relative(process.cwd(), dir) || '.'} to start it again\n`);
        resolve(code ?? 0);
      }),
    );
  };
  const stopChild = async (): Promise<number> => {
    child?.kill('SIGTERM');
    return exited;
  };

  let timer: NodeJS.Timeout | undefined;
  let changed = new Set<string>();
  let restarting: Promise<void> = Promise.resolve();
  const onChange = (file: string): void => {
    changed.add(file);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...changed].join(', ');
      changed = new Set();
      restarting = restarting.then(async () => {
        if (stopping) return;
        io.stderr.write(`--watch: ${files} changed; restarting the bot\n`);
        await stopChild();
        if (!stopping) start();
      });
    }, SETTLE_MS);
  };
  const watcher: FSWatcher = watch(dir, { recursive: true }, (_event, name) => {
    if (name && WATCHED.test(name) && !IGNORED.test(name)) onChange(name);
  });

  io.stderr.write(`--watch: restarting the bot when the config or plugin files under ${dir} change\n`);
  start();
  const signalled = new Promise<void>((resolve) => {
    const off = io.onSignal(() => {
      off();
      resolve();
    });
  });
  await signalled;
  stopping = true;
  clearTimeout(timer);
  watcher.close();
  await restarting;
  return stopChild();
}
