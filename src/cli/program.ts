/**
 * The `fleepkit` command line (commander 14): `run`, `sandbox`, `record`, `init`, `check`. Every action
 * resolves to an exit code; see {@link EXIT}. Each command imports its implementation when it
 * runs, so `--help` and `--version` load only this file and commander.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { formatIssue } from '../config/errors.js';
import { ConfigError } from '../config/errors.js';
import { EXIT, EXIT_CODES_HELP, UsageError, exitCodeFor } from './exit-codes.js';
import type { CliIo } from './io.js';
import { BotStoppedError } from '../runtime/errors.js';
import { fleepkitVersion } from './package-root.js';
import type { RunHandle } from './run.js';
import type { InspectCliOptions } from './inspect.js';

export type { CliIo } from './io.js';

/** The process's own {@link CliIo}. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    onSignal(handler) {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
    exitNow: (code) => process.exit(code),
    strayErrors: process,
  };
}

/**
 * Parses `argv` (as `process.argv`) and runs the command; resolves to the exit code.
 * @example process.exitCode = await runCli(process.argv, processIo());
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return report(error, io);
  }
}

function report(error: unknown, io: CliIo): number {
  if (error instanceof ConfigError) {
    io.stderr.write(`${error.issues.length} config problem${error.issues.length === 1 ? '' : 's'}:\n`);
    for (const issue of error.issues) io.stderr.write(`  ${formatIssue(issue)}\n`);
  } else if (error instanceof AggregateError) {
    for (const e of error.errors) io.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  } else {
    io.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  return exitCodeFor(error);
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number 0–65535.');
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number of milliseconds.');
  return n;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number (0 or more).');
  return n;
}

function buildProgram(io: CliIo, setCode: (code: number) => void): Command {
  const program = new Command('fleepkit')
    .description('Fleep team bots as plugins, with an embedded Fleep sandbox.')
    .version(fleepkitVersion(), '-v, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);

  program
    .command('run')
    .description('Run a bot from a config file (with fleep.server: sandbox, also the embedded sandbox).')
    .option('-c, --config <file>', 'config file', 'bot.config.yaml')
    .option('--fresh', 'delete the sandbox world file and the store first (start over)', false)
    .option('--resync', 'ignore the stored cursor and continue from the server\'s current horizon', false)
    .option('--watch', 'development: restart the bot when the config or a plugin file (under the config\'s folder) changes', false)
    .addHelpText('after', `\nCtrl-C (SIGINT) or SIGTERM stops gracefully; a second Ctrl-C exits at once.${EXIT_CODES_HELP}`)
    .action(async (opts: { config: string; fresh: boolean; resync: boolean; watch: boolean }) => {
      if (opts.watch) {
        const { runWatching } = await import('./watch.js');
        const firstArgs = [...(opts.fresh ? ['--fresh'] : []), ...(opts.resync ? ['--resync'] : [])];
        setCode(await runWatching({ args: ['-c', opts.config], firstArgs, config: opts.config, bin: process.argv[1] ?? 'fleepkit' }, io));
        return;
      }
      const [{ loadConfig }, { runFromConfig }] = await Promise.all([import('../config/load.js'), import('./run.js')]);
      const loaded = await loadConfig(opts.config, { env: io.env });
      // Handlers go in before anything starts: a signal with no listener kills the process outright.
      let handle: RunHandle | undefined;
      let signals = 0;
      // A signal during start aborts whatever start is waiting for (login retries, the lease).
      const starting = new AbortController();
      const off = io.onSignal((signal) => {
        if (++signals > 1) io.exitNow(130);
        io.stderr.write(`\n${signal}: stopping (press Ctrl-C again to exit at once)…\n`);
        starting.abort();
        void handle?.stop();
      });
      try {
        const strayErrors = io.strayErrors && {
          source: io.strayErrors,
          onUnclaimed: (error: unknown, kind: 'rejection' | 'exception'): void => {
            const what = kind === 'rejection' ? 'unhandled rejection' : 'uncaught exception';
            io.stderr.write(`fatal: ${what} outside any plugin's event handling: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
            io.exitNow(EXIT.runtime);
          },
        };
        handle = await runFromConfig(loaded, { fresh: opts.fresh, resync: opts.resync, env: io.env, stdout: io.stdout, signal: starting.signal, ...(strayErrors ? { strayErrors } : {}) });
      } catch (error) {
        off();
        if (!(error instanceof BotStoppedError)) throw error;
        io.stdout.write('stopped before the bot finished starting\n');
        return;
      }
      if (signals > 0) void handle.stop();
      const { error } = await handle.stopped;
      off();
      if (error) {
        io.stderr.write(`error: ${error.message}\n`);
        setCode(exitCodeFor(error));
      } else {
        io.stdout.write('stopped\n');
      }
    });

  program
    .command('sandbox')
    .description('Run the Fleep sandbox alone (API, control API and playground).')
    .addOption(new Option('--port <port>', 'TCP port (0 = any free port)').default(8700).argParser(port))
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .addOption(new Option('--seed <seed>', 'initial world').choices(['demo', 'empty']).default('demo'))
    .addOption(new Option('--hold-ms <ms>', 'how long account/poll is held').default(90_000).argParser(positiveInt))
    .option('--data-file <path>', 'JSON file that keeps the world across restarts (default: memory only)')
    .option('--replay <file>', 'feed a recording (fleepkit record) to the --replay-as account once it polls')
    .option('--replay-as <email>', 'the account that receives --replay', 'bot@example.com')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (opts: { port: number; host: string; seed: 'demo' | 'empty'; holdMs: number; dataFile?: string; replay?: string; replayAs: string }) => {
      const { CONTROL_TOKEN_ENV, DEMO_PASSWORD, runSandboxCli } = await import('../sandbox/index.js');
      const replayModule = opts.replay === undefined ? undefined : await import('../record/replay.js');
      const recording = opts.replay === undefined ? undefined : await replayModule!.loadReplay(opts.replay);
      let signals = 0;
      let stop: () => void = () => undefined;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const off = io.onSignal(() => {
        if (++signals > 1) io.exitNow(130);
        stop();
      });
      const controlToken = io.env[CONTROL_TOKEN_ENV] || undefined;
      const { port: p, host, seed, holdMs, dataFile } = opts;
      const handle = await runSandboxCli({ port: p, host, seed, holdMs, ...(dataFile ? { dataFile } : {}), ...(controlToken ? { controlToken } : {}), out: io.stdout }).catch((error: unknown) => {
        off();
        if ((error as NodeJS.ErrnoException)?.code === 'EADDRINUSE') {
          throw new UsageError(`${host}:${p} is already in use: stop what listens there or pass another --port (0 picks any)`);
        }
        throw error;
      });
      const cancelReplay =
        recording && replayModule
          ? replayModule.feedWhenPolling(recording, handle, { email: opts.replayAs, password: DEMO_PASSWORD }, (result) => {
              if (result instanceof Error) io.stderr.write(`replay failed: ${result.message}\n`);
              else io.stdout.write(`replayed ${result.records} recorded records into ${opts.replayAs}'s stream (${result.conversations.size} conversations)\n`);
            })
          : undefined;
      if (recording) io.stdout.write(`  Replay: ${opts.replay} goes to ${opts.replayAs} once it polls\n`);
      await stopped;
      cancelReplay?.();
      off();
      await handle.close();
    });

  program
    .command('record')
    .description('Record, read only, what the bot account sees on the wire (redacted), or --diff a recording against the sandbox.')
    .option('-c, --config <file>', 'config file (the account to record; with --diff --against, the account to replay as)', 'bot.config.yaml')
    .option('--out <file>', 'recording to write (JSON Lines)', 'traffic.jsonl')
    .option('--anonymise', 'replace message texts, topics, names and e-mail addresses', false)
    .addOption(new Option('--polls <n>', 'live polls to record (default: until Ctrl-C)').argParser(count))
    .option('--diff <file>', 'replay this recording against a sandbox and print every field that differs (exit 1 if any)')
    .option('--against <url>', 'with --diff: a running sandbox to replay against (default: a fresh embedded demo sandbox)')
    .addHelpText('after', `\nSecrets (password, ticket, token_id, cookies) are never written.${EXIT_CODES_HELP}`)
    .action(async (opts: { config: string; out: string; anonymise: boolean; polls?: number; diff?: string; against?: string }) => {
      const [{ runDiff, runRecord }, { loadConfig }] = await Promise.all([import('../record/cli.js'), import('../config/load.js')]);
      const recordIo = { stdout: io.stdout, stderr: io.stderr, onSignal: io.onSignal };
      if (opts.diff !== undefined) {
        const loaded = opts.against ? await loadConfig(opts.config, { env: io.env }) : undefined;
        setCode(await runDiff(opts.diff, loaded, { ...(opts.against ? { against: opts.against } : {}) }, recordIo));
        return;
      }
      const loaded = await loadConfig(opts.config, { env: io.env });
      setCode(await runRecord(loaded, { out: opts.out, anonymise: opts.anonymise, ...(opts.polls !== undefined ? { polls: opts.polls } : {}) }, recordIo));
    });

  program
    .command('init')
    .description('Scaffold a bot project: package.json, bot.config.yaml, a plugin and its test.')
    .argument('<dir>', 'new (or empty) directory')
    .option('--fleepkit <path|spec>', 'where fleepkit comes from: a checkout folder, an `npm pack` tarball, or an npm spec (default: ^<this version> from the registry, or this copy when the registry cannot supply it)')
    .option('--name <name>', 'npm package name (default: the directory name)')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (dir: string, opts: { fleepkit?: string; name?: string }) => {
      const [{ initProject, initReport }, { probeRegistry }] = await Promise.all([import('./init.js'), import('./registry.js')]);
      const result = await initProject(dir, { ...opts, checkRegistry: (name, range) => probeRegistry(name, range, { ...process.env, ...io.env }) });
      io.stdout.write(initReport(result, dir));
    });

  program
    .command('check')
    .description('Validate the config and load the plugins without connecting; print the resolved config, secrets masked.')
    .option('-c, --config <file>', 'config file', 'bot.config.yaml')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (opts: { config: string }) => {
      const { runCheck } = await import('./check.js');
      setCode(await runCheck(opts.config, io.env, io));
    });

  program
    .command('inspect')
    .description("Look inside a bot: cursor and poll lag, outbox, dead letters, jobs, the poller lease; retry, drop or cancel by id.")
    .option('-c, --config <file>', 'config file (gives the HTTP port and the store)', 'bot.config.yaml')
    .option('--url <url>', "a running bot's HTTP base URL, e.g. http://127.0.0.1:8701 (default: http.host/http.port of the config)")
    .option('--store', 'read the store file even when the bot answers on its HTTP port', false)
    .option('--json', 'print JSON (the same facts) for scripts', false)
    .option('--retry <id>', 'send a dead-lettered effect again (same client_req_id) or re-run a dead-lettered job slot')
    .option('--drop <id>', 'forget a dead letter')
    .option('--cancel <id>', 'cancel a reminder (a job created at run time)')
    .addHelpText(
      'after',
      `\nA running bot is asked through its HTTP port (loopback only), so a retry is sent at once; with no
bot answering, the SQLite store file is read and changed directly (a retried effect then leaves at
the next start). Event dead letters cannot be retried (see README, fleepkit inspect), only dropped.
${EXIT_CODES_HELP}`,
    )
    .action(async (opts: InspectCliOptions) => {
      // Loaded only for this command: the other commands never pay for it.
      const { runInspect } = await import('./inspect.js');
      setCode(await runInspect(opts, io));
    });

  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  }
  return program;
}
