/** The process surface the CLI uses, in a module of its own so commands can name it without importing the program. */
import type { ConfigEnv } from '../config/interpolate.js';
import type { StrayErrorSource } from '../runtime/stray-errors.js';

/** The process surface the CLI uses (replaceable in tests). */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env: ConfigEnv;
  /** Registers a handler for SIGINT/SIGTERM; returns an unregister function. */
  onSignal(handler: (signal: NodeJS.Signals) => void): () => void;
  /** Exits at once (second Ctrl-C, an error that escaped outside any plugin). */
  exitNow(code: number): never;
  /** Where unhandled rejections and uncaught exceptions surface (`process`). @default not caught */
  strayErrors?: StrayErrorSource;
}
