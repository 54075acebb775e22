/** A client that fell behind the bounded stream is told to resync instead of silently skipping. */
import { afterEach, describe, expect, it } from 'vitest';
import { FleepClient } from '../../src/api/client.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { STREAM_KEEP } from '../../src/sandbox/streams.js';

let sandbox: SandboxHandle | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe('bounded event streams', () => {
  it('answers horizon 0 to a poll from below the oldest kept record', async () => {
    sandbox = await startSandbox({ port: 0, seed: 'demo', holdMs: 1_000 });
    const bot = new FleepClient({ baseUrl: sandbox.url });
    await bot.login('bot@example.com', 'demo');
    const { event_horizon: start } = await bot.accountSync();
    const id = sandbox.accounts['bot@example.com']!;
    for (let i = 0; i < STREAM_KEEP * 1.5; i++) sandbox.state.streams.push(id, { mk_rec_type: 'poke', conversation_id: 'c', message_nr: i });
    const behind = await bot.poll(start, { wait: false });
    expect(behind).toMatchObject({ event_horizon: 0, stream: [] });
    const { event_horizon: now } = await bot.accountSync();
    const fresh = await bot.poll(now - 5, { wait: false });
    expect(fresh.stream).toHaveLength(5);
  });
});
