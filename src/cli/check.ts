/**
 * `fleepkit check`: validate the config and load (and configure) every plugin without
 * connecting; print the resolved config with secrets masked.
 */
import { stringify } from 'yaml';
import { ConfigError, formatIssue } from '../config/errors.js';
import type { ConfigEnv } from '../config/interpolate.js';
import { loadConfig } from '../config/load.js';
import { maskSecrets } from '../config/secrets.js';
import { EXIT } from './exit-codes.js';
import { PluginLoadError, loadPlugins } from './load-plugins.js';

/** Where `check` writes. */
export interface CheckIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/**
 * Runs the check and returns the exit code (0 valid, 2 invalid).
 * @example const code = await runCheck('bot.config.yaml', process.env, { stdout: process.stdout, stderr: process.stderr });
 */
export async function runCheck(file: string, env: ConfigEnv, io: CheckIo): Promise<number> {
  let loaded;
  try {
    loaded = await loadConfig(file, { env });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`${file}: ${error.issues.length} problem${error.issues.length === 1 ? '' : 's'}\n`);
    for (const issue of error.issues) io.stderr.write(`  ${formatIssue(issue)}\n`);
    return EXIT.usage;
  }
  try {
    const { plugins } = await loadPlugins(loaded.config.plugins, loaded.baseDir);
    io.stdout.write(`# ${file} is valid. Resolved config (secrets masked):\n`);
    io.stdout.write(stringify(maskSecrets(loaded.config)));
    io.stdout.write(`# plugins loaded: ${plugins.map((p) => `${p.plugin.name} (${p.entry.source})`).join(', ') || 'none'}\n`);
    return EXIT.ok;
  } catch (error) {
    const errors = error instanceof AggregateError ? error.errors : [error];
    if (!errors.every((e) => e instanceof PluginLoadError)) throw error;
    io.stderr.write(`${file}: ${errors.length} plugin problem${errors.length === 1 ? '' : 's'}\n`);
    for (const e of errors as PluginLoadError[]) io.stderr.write(`  ${e.message.replace(/\n/g, '\n  ')}\n`);
    return EXIT.usage;
  }
}
