/**
 * Changes to a message are told apart from new messages, also for an older message after newer
 * ones arrived: Fleep re-sends the whole record with a new flow number, and the runtime compares
 * it with what it remembers of that message — in memory, or in the store after a restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { definePlugin, SqliteStore, type AnyPlugin } from 'fleepkit';
import { createTestBot, type TestBot } from 'fleepkit/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bot } from '../../src/runtime/bot.js';

let t: TestBot | undefined;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await t?.close();
  t = undefined;
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A plugin that writes down every message event it sees. */
function watcher(seen: string[]): AnyPlugin {
  return definePlugin({
    name: 'watcher',
    setup(bot) {
      bot.on('message.new', (ctx) => void seen.push(`new ${ctx.text}`));
      bot.on('message.edited', (ctx) => void seen.push(`edited ${ctx.messageNr}: ${ctx.text}`));
      bot.on('reaction.added', (ctx) => void seen.push(`reaction ${ctx.messageNr} ${ctx.event.emoji}`));
      bot.on('message.pinned', (ctx) => void seen.push(`pinned ${ctx.messageNr}`));
      bot.on('message.unpinned', (ctx) => void seen.push(`unpinned ${ctx.messageNr}`));
    },
  });
}

describe('message changes', () => {
  it('edits, reactions and pins of an older message are changes, not new messages', async () => {
    const seen: string[] = [];
    t = await createTestBot({ plugins: [watcher(seen)] });
    const first = await t.say('alice', 'Team', 'first');
    await t.say('bob', 'Team', 'second');
    await t.say('carol', 'Team', 'third');
    await t.idle();
    await t.edit('alice', 'Team', first, 'first, edited');
    await t.idle();
    await t.react('bob', 'Team', first, '👍');
    await t.idle();
    await t.store_('carol', 'Team', first, { tags: ['pin'] });
    await t.idle();
    expect(seen).toEqual(['new first', 'new second', 'new third', `edited ${first}: first, edited`, `reaction ${first} 👍`, `pinned ${first}`]);
    expect((await t.messages('Team')).find((m) => m.nr === first)?.isPinned).toBe(true);
  });

  it('a message seen before a restart: its edit, pin and reaction after the restart are changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleepkit-changes-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'bot.db');
    const before: string[] = [];
    t = await createTestBot({ plugins: [watcher(before)], bot: { store: new SqliteStore({ path }) } });
    const first = await t.say('alice', 'Team', 'first');
    await t.idle();
    await t.bot.stop();
    expect(before).toEqual(['new first']);

    // A new process: nothing in memory, the store remembers the message.
    const after: string[] = [];
    const bot = new Bot({ server: t.sandbox.url, email: 'bot@example.com', password: 'demo', store: new SqliteStore({ path }), clock: t.clock, outbound: { rates: false } });
    await bot.plugin([watcher(after)]);
    await bot.start();
    cleanups.push(() => bot.stop());
    await t.edit('alice', 'Team', first, 'first, edited');
    await t.store_('bob', 'Team', first, { tags: ['pin'] });
    await t.react('carol', 'Team', first, '🎉');
    await t.say('bob', 'Team', 'second');
    await bot.idle();
    expect(after).toEqual([`edited ${first}: first, edited`, `pinned ${first}`, `reaction ${first} 🎉`, 'new second']);
  });
});
