/**
 * Asks npm whether a package version can be installed from the registry npm is configured with
 * (its proxy and auth settings included), so `fleepkit init` can tell before `npm install` fails.
 */
import { spawn } from 'node:child_process';

/** npm's answer about `name@range`. */
export type RegistryAnswer =
  | { available: true }
  | {
      available: false;
      /** True when the registry could not be reached at all (as opposed to "not published there"). */
      unreachable: boolean;
      /** npm's own one-line reason, e.g. `Not Found - GET https://registry.npmjs.org/fleepkit`. */
      reason: string;
    };

/** Codes npm gives when the registry answered that there is no such package or version. */
const NOT_PUBLISHED = new Set(['E404', 'ETARGET', 'ENOVERSIONS']);

/**
 * Runs `npm view <name>@<range> version --json` once, without retries (npm's default retries take
 * minutes against an unreachable registry).
 * @example const answer = await probeRegistry('fleepkit', '^0.1.0', process.env);
 */
export function probeRegistry(name: string, range: string, env: NodeJS.ProcessEnv): Promise<RegistryAnswer> {
  return new Promise((resolve) => {
    const args = ['view', `${name}@${range}`, 'version', '--json', '--fetch-retries=0', '--fetch-timeout=20000'];
    const child = spawn('npm', args, { env, shell: process.platform === 'win32', stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (error) => resolve({ available: false, unreachable: true, reason: `npm could not be run: ${error.message}` }));
    child.on('close', (code) => resolve(interpret(code, out)));
  });
}

function interpret(code: number | null, out: string): RegistryAnswer {
  let json: unknown;
  try {
    json = JSON.parse(out);
  } catch {
    json = undefined;
  }
  if (code === 0 && json !== undefined && json !== '' && !(Array.isArray(json) && json.length === 0)) return { available: true };
  const error = (json as { error?: { code?: string; summary?: string } } | undefined)?.error;
  if (code === 0) return { available: false, unreachable: false, reason: 'no published version matches' };
  return {
    available: false,
    unreachable: !NOT_PUBLISHED.has(error?.code ?? ''),
    reason: error?.summary ?? `npm view exited with code ${String(code)}`,
  };
}
