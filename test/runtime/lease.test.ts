/** instances sharing a store poll one at a time; a standby takes over when the lease ends. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Bot } from '../../src/runtime/bot.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { ManualClock } from '../../src/util/clock.js';
import { world } from './world.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('poller lease', () => {
  it('lets exactly one of two instances poll, and the standby take over after the holder stops or dies', async () => {
    const w = await world(1, 2_000);
    cleanups.push(() => w.close());
    const dir = mkdtempSync(join(tmpdir(), 'fleepkit-lease-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'shared.db');
    const clock = new ManualClock();
    const handledBy: string[] = [];
    const make = (name: string): Bot => {
      const bot = new Bot({ server: w.sandbox.url, email: 'bot@example.com', password: 'demo', store: new SqliteStore({ path, clock }), clock, instanceId: name, outbound: { rates: false } });
      bot.on('message.new', (ctx) => {
        handledBy.push(`${name}:${ctx.text}`);
      });
      cleanups.push(() => bot.stop());
      return bot;
    };
    const a = make('a');
    const b = make('b');
    await a.start();
    const bStarted = b.start();
    let bReady = false;
    void bStarted.then(() => (bReady = true));
    const conv = w.conversations[0]!;
    await w.people[0]!.sendMessage(conv, 'one');
    await a.idle();
    await clock.advance('25s'); // a renews, b keeps standing by
    expect(bReady).toBe(false);
    expect(handledBy).toEqual(['a:one']);

    await a.stop(); // releases the lease
    await clock.advance('10s'); // b's next check
    await bStarted;
    await w.people[0]!.sendMessage(conv, 'two');
    await b.idle();
    expect(handledBy).toEqual(['a:one', 'b:two']);

    // b "dies" without releasing: a third instance waits until the lease expires.
    const store = new SqliteStore({ path, clock });
    await store.open();
    await store.set('fleepkit:lease', w.sandbox.accounts['bot@example.com']!, { owner: 'ghost', expiresAt: clock.now() + 30_000 });
    await store.close();
    await b.stop();
    const c = make('c');
    let cReady = false;
    const cStarted = c.start().then(() => (cReady = true));
    await clock.advance('20s');
    expect(cReady).toBe(false);
    await clock.advance('20s');
    await cStarted;
    expect(cReady).toBe(true);
  });
});
