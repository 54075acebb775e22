/**
 * Fleep sends a delete made with `message/store {tags: ["is_deleted"]}` without a flow number
 * (PROTOCOL.md §R2.4). The bot must still see it as `message.deleted` — once — both for a
 * message it handled before and for one it never saw.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { definePlugin } from 'fleepkit';
import { createTestBot, type TestBot } from 'fleepkit/testing';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function watcher(seen: string[]): ReturnType<typeof definePlugin> {
  return definePlugin({
    name: 'watcher',
    setup(bot) {
      bot.on('message.new', (ctx) => void seen.push(`new ${ctx.messageNr}`));
      bot.on('message.deleted', (ctx) => void seen.push(`deleted ${ctx.messageNr}`));
    },
  });
}

describe('a delete without flow number', () => {
  it('of a message the bot handled: message.deleted, not swallowed as the already handled post', async () => {
    const seen: string[] = [];
    t = await createTestBot({ plugins: [watcher(seen)] });
    const nr = await t.say('alice', 'Team', 'soon gone');
    await t.idle();
    await t.store_('bob', 'Team', nr, { tags: ['is_deleted'] });
    await t.idle();
    expect(seen).toEqual([`new ${nr}`, `deleted ${nr}`]);
  });

  it('of a message posted before the bot started: message.deleted, never message.new', async () => {
    const seen: string[] = [];
    t = await createTestBot({ plugins: [watcher(seen)], start: false });
    const nr = await t.say('alice', 'Team', 'history');
    await t.bot.start();
    await t.store_('alice', 'Team', nr, { tags: ['is_deleted'] });
    await t.idle();
    expect(seen).toEqual([`deleted ${nr}`]);
  });
});
