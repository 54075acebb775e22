/**
 * A streak of poll failures logs the error's stack once, then one short line per retry, and a
 * line when polling recovers: an outage does not flood the log with 1.5 KB stacks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FleepClient } from '../../src/api/client.js';
import { Poller } from '../../src/runtime/poller.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/logger.js';

let sandbox: SandboxHandle | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

/** Log lines as parsed JSON, with a way to wait for the next one matching a message. */
function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<{ msg: string; seen: number; resolve: () => void }> = [];
  const count = (msg: string): number => lines.filter((l) => l.msg === msg).length;
  const logger = createLogger({
    level: 'info',
    pretty: false,
    destination: {
      write(line: string) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
        for (const w of [...waiters]) {
          if (count(w.msg) <= w.seen) continue;
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      },
    },
  });
  const next = (msg: string): Promise<void> => new Promise((resolve) => waiters.push({ msg, seen: count(msg), resolve }));
  return { lines, logger, next };
}

const faults = async (url: string, body: object | null): Promise<void> => {
  const res = await fetch(`${url}/sandbox/faults`, { method: body ? 'POST' : 'DELETE', headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  expect(res.ok).toBe(true);
};

describe('poller: failure logs', () => {
  it('logs the stack once per failure streak and says when polling recovered', async () => {
    sandbox = await startSandbox({ port: 0, seed: 'demo', holdMs: 0 });
    const clock = new ManualClock();
    const client = new FleepClient({ baseUrl: sandbox.url, clock });
    await client.login('bot@example.com', 'demo');
    const { event_horizon } = await client.accountSync();
    const log = capture();
    const stop = new AbortController();
    const poller = new Poller({ client, clock, logger: log.logger, onBatch: () => undefined, onResync: async (_r, from) => from, onFatal: () => undefined, random: () => 0.5 });

    await faults(sandbox.url, { error_rate: 1 });
    const failed = log.next('account/poll failed; backing off');
    const loop = poller.run(event_horizon, stop.signal);
    await failed;
    for (let i = 0; i < 3; i++) {
      const again = log.next('account/poll failed; backing off');
      await clock.advance(clock.nextDue()! - clock.now());
      await again;
    }
    await faults(sandbox.url, null);
    const recovered = log.next('account/poll recovered');
    await clock.advance(clock.nextDue()! - clock.now());
    await recovered;
    stop.abort();
    await loop;

    const failures = log.lines.filter((l) => l.msg === 'account/poll failed; backing off');
    expect(failures).toHaveLength(4);
    expect(failures.map((l) => (l.err as { stack?: string } | undefined)?.stack !== undefined)).toEqual([true, false, false, false]);
    expect(failures.slice(1).every((l) => typeof l.error === 'string' && (l.error as string).length > 0)).toBe(true);
    expect(failures.map((l) => l.failures)).toEqual([1, 2, 3, 4]);
    expect(log.lines.find((l) => l.msg === 'account/poll recovered')).toMatchObject({ failures: 4 });
  });
});
