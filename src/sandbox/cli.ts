/**
 * `fleepkit sandbox` as a function: starts the sandbox and prints its URL and the demo logins.
 * The lead wires it into commander in src/cli/.
 */
import type { SeedName } from './seed.js';
import { DEMO_LOGINS, DEMO_PASSWORD } from './seed.js';
import { CONTROL_TOKEN_ENV, isLoopbackHost } from './control-guard.js';
import { startSandbox } from './server.js';
import type { SandboxHandle } from './server.js';

/**
 * Options of {@link runSandboxCli}.
 * @example { port: 8700, host: '127.0.0.1', seed: 'demo', holdMs: 90000 }
 */
export interface SandboxCliOptions {
  /** @default 8700 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 'demo' */
  seed?: SeedName;
  /** @default 90000 */
  holdMs?: number;
  /** Snapshot file that keeps the world across restarts. @default none */
  dataFile?: string;
  /** Token the control API requires (`FLEEPKIT_SANDBOX_TOKEN`); needed to use it beyond loopback. @default none */
  controlToken?: string;
  /** Where to print. @default process.stdout */
  out?: { write(text: string): unknown };
}

/** Starts the sandbox, prints how to use it, and returns the handle (close it to stop). */
export async function runSandboxCli(opts: SandboxCliOptions = {}): Promise<SandboxHandle> {
  const out = opts.out ?? process.stdout;
  const handle = await startSandbox({
    port: opts.port ?? 8700,
    host: opts.host ?? '127.0.0.1',
    seed: opts.seed ?? 'demo',
    holdMs: opts.holdMs ?? 90_000,
    ...(opts.dataFile ? { dataFile: opts.dataFile } : {}),
    ...(opts.controlToken ? { controlToken: opts.controlToken } : {}),
  });
  const lines = [`Fleep sandbox listening on ${handle.url}`, `  API:        ${handle.url}/api/<method>`, `  Playground: ${handle.url}/`];
  if ((opts.seed ?? 'demo') === 'demo' && handle.state.accounts.size > 0) {
    lines.push(`  Demo logins (password "${DEMO_PASSWORD}"):`);
    for (const l of DEMO_LOGINS) lines.push(`    ${l.email.padEnd(20)} ${l.display_name}`);
  }
  if (!opts.controlToken && !isLoopbackHost(opts.host ?? '127.0.0.1')) {
    lines.push(`  Control API (/sandbox/): closed beyond loopback; set ${CONTROL_TOKEN_ENV} to open it with a token`);
  }
  out.write(lines.join('\n') + '\n');
  return handle;
}
