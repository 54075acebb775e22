/**
 * Benchmarks run compiled (`npm run bench` builds them with tsc first), as users run a bot in
 * production and as the peers ship: no TypeScript loader in the measured process. Run from source
 * (`npx tsx bench/…`), child processes need tsx too.
 */
export function tsLoader(moduleUrl: string): string[] {
  return moduleUrl.endsWith('.ts') ? ['--import', 'tsx'] : [];
}
