/**
 * Seeded worlds: `demo` (Alice, Bob, Carol and the bot in "Team", plus a direct alice ↔ bot
 * conversation; every password is `demo`) and `empty`.
 */
import { createConversation } from './flow.js';
import type { SandboxState } from './state.js';

/** Names of the seeds. */
export type SeedName = 'demo' | 'empty';

/** The demo logins, as printed by the CLI. */
export const DEMO_LOGINS = [
  { email: 'alice@example.com', display_name: 'Alice', fleep_address: 'alice' },
  { email: 'bob@example.com', display_name: 'Bob', fleep_address: 'bob' },
  { email: 'carol@example.com', display_name: 'Carol', fleep_address: 'carol' },
  { email: 'bot@example.com', display_name: 'fleepkit bot', fleep_address: 'bot' },
] as const;

/** Password of every demo account. */
export const DEMO_PASSWORD = 'demo';

/** Fills an empty world with a seed. */
export function applySeed(state: SandboxState, seed: SeedName): void {
  if (seed === 'empty') return;
  const ids = DEMO_LOGINS.map((l) => state.createAccount({ ...l, password: DEMO_PASSWORD }).account_id);
  const [alice, bob, carol, bot] = ids as [string, string, string, string];
  createConversation(state, alice, 'Team', [bob, carol, bot]);
  createConversation(state, alice, '', [bot]);
}
