/**
 * Changes to a message are told apart from new messages, also for an older message after newer
 * ones arrived: Fleep re-sends the whole record with a new flow number, and the runtime compares
 * it with what it remembers of that message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { definePlugin } from 'fleepkit';
import { createTestBot, type TestBot } from 'fleepkit/testing';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('message changes', () => {
  it('edits, reactions and pins of an older message are changes, not new messages', async () => {
    const seen: string[] = [];
    const watcher = definePlugin({
      name: 'watcher',
      setup(bot) {
        bot.on('message.new', (ctx) => void seen.push(`new ${ctx.text}`));
        bot.on('message.edited', (ctx) => void seen.push(`edited ${ctx.messageNr}: ${ctx.text}`));
        bot.on('reaction.added', (ctx) => void seen.push(`reaction ${ctx.messageNr} ${ctx.event.emoji}`));
        bot.on('message.pinned', (ctx) => void seen.push(`pinned ${ctx.messageNr}`));
      },
    });
    t = await createTestBot({ plugins: [watcher] });
    const first = await t.say('alice', 'Team', 'first');
    await t.say('bob', 'Team', 'second');
    await t.say('carol', 'Team', 'third');
    await t.idle();
    await t.edit('alice', 'Team', first, 'first, edited');
    await t.idle();
    await t.react('bob', 'Team', first, '👍');
    await t.idle();
    await t.react('carol', 'Team', first, '📌');
    await t.idle();
    expect(seen).toEqual(['new first', 'new second', 'new third', `edited ${first}: first, edited`, `reaction ${first} 👍`, `reaction ${first} 📌`]);
  });
});
