/**
 * The `fleepkit` executable's entry (loaded by bin/fleepkit.js under tsx). Exit codes: see
 * `fleepkit --help`.
 */
import { processIo, runCli } from './program.js';

const code = await runCli(process.argv, processIo());
// Exit explicitly: a stopped bot may leave idle sockets or timers that would keep the process up.
process.exit(code);
