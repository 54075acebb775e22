/**
 * `fleepkit check`: everything `fleepkit run` would refuse, found in one pass without
 * connecting: the config's own problems, plugins that cannot load, plugin options (with
 * file:line), and what each plugin's `setup` refuses (a throw, a duplicate command name, a bad
 * `bot.cron`). Prints the resolved config with secrets masked when all is well.
 */
import { stringify } from 'yaml';
import { ConfigError, formatIssue } from '../config/errors.js';
import type { ConfigIssue } from '../config/errors.js';
import type { ConfigEnv } from '../config/interpolate.js';
import { defaultConfig, loadConfig } from '../config/load.js';
import { maskSecrets } from '../config/secrets.js';
import type { LoadedConfig } from '../config/types.js';
import { Bot } from '../runtime/bot.js';
import { MemoryStore } from '../store/memory-store.js';
import { createLogger } from '../util/logger.js';
import { botOptionsFromConfig } from './bot-options.js';
import { EXIT } from './exit-codes.js';
import { importPlugins, setupPlugins } from './load-plugins.js';
import type { PluginLoadError } from './load-plugins.js';

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
  let loaded: LoadedConfig | undefined;
  let coreIssues: readonly ConfigIssue[] = [];
  try {
    loaded = await loadConfig(file, { env });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    coreIssues = error.issues;
    const partial = error.partial;
    // The plugins part is checked even when other sections are wrong, so one run shows everything.
    if (partial) loaded = { config: { ...defaultConfig(partial.baseDir), plugins: [...partial.plugins] }, file, baseDir: partial.baseDir, secrets: [], locate: partial.locate };
  }
  const pluginErrors: PluginLoadError[] = [];
  const warnings: string[] = [];
  let names: string[] = [];
  if (loaded) {
    const imported = await importPlugins(loaded.config.plugins, loaded.baseDir, { file, locate: loaded.locate });
    pluginErrors.push(...imported.errors);
    // setup() runs on a bot that is never started: nothing connects. What setups warn about is shown.
    const logger = createLogger({ level: 'warn', pretty: false, destination: { write: (line: string) => warnings.push(warningOf(line)) } });
    const bot = new Bot({ email: 'check@localhost', password: '', store: new MemoryStore(), ...botOptionsFromConfig(loaded.config), logger });
    try {
      await setupPlugins(bot, imported);
    } catch (error) {
      if (!(error instanceof AggregateError)) throw error;
      pluginErrors.push(...(error.errors as PluginLoadError[]));
    }
    names = imported.plugins.map((p) => `${p.plugin.name} (${p.entry.source})`);
  }
  for (const warning of warnings) io.stderr.write(`${file}: warning: ${warning}\n`);
  const count = coreIssues.length + pluginErrors.length;
  if (count > 0) {
    io.stderr.write(`${file}: ${count} problem${count === 1 ? '' : 's'}\n`);
    for (const issue of coreIssues) io.stderr.write(`  ${formatIssue(issue)}\n`);
    for (const e of pluginErrors) io.stderr.write(`  ${e.message.replace(/\n/g, '\n  ')}\n`);
    return EXIT.usage;
  }
  io.stdout.write(`# ${file} is valid. Resolved config (secrets masked):\n`);
  io.stdout.write(stringify(maskSecrets(loaded!.config)));
  io.stdout.write(`# plugins loaded: ${names.join(', ') || 'none'}\n`);
  return EXIT.ok;
}

/** One warning line from a plugin's setup log line: `plugin: message`. */
function warningOf(line: string): string {
  const entry = JSON.parse(line) as { plugin?: string; msg?: string };
  return `${entry.plugin ? `${entry.plugin}: ` : ''}${entry.msg ?? line.trim()}`;
}
