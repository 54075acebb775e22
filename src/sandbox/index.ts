/**
 * The sandbox: a protocol-faithful Fleep server for local runs, tests and the playground.
 */
export { startSandbox } from './server.js';
export type { SandboxHandle, SandboxLogger, SandboxOptions } from './server.js';
export { SandboxState } from './state.js';
export type { NewAccount, WorldSnapshot } from './state.js';
export { renderMessage, escapeXml } from './render.js';
export type { RenderedMessage } from './render.js';
export type { FaultConfig, FaultStats } from './faults.js';
export type { LedgerEntry } from './ledger.js';
export { DEMO_LOGINS, DEMO_PASSWORD } from './seed.js';
export type { SeedName } from './seed.js';
export { runSandboxCli } from './cli.js';
export { CONTROL_TOKEN_ENV } from './control-guard.js';
export type { SandboxCliOptions } from './cli.js';
