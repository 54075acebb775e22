/**
 * Member, file and unknown-record events as the bot gets them from real sandbox records over
 * HTTP (not hand-made records): people join and leave, a file is shared, a hook is created.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { definePlugin } from 'fleepkit';
import { createTestBot, type TestBot } from 'fleepkit/testing';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('events from real sandbox records', () => {
  it('member.joined, member.left, file.shared, and record events for what fleepkit has no event for (a hook and its system message)', async () => {
    const seen: string[] = [];
    const watcher = definePlugin({
      name: 'watcher',
      setup(bot) {
        bot.on('member.joined', (ctx) => void seen.push(`joined ${ctx.event.accountIds.join(',')} by ${ctx.actorId ?? '?'}`));
        bot.on('member.left', (ctx) => void seen.push(`left ${ctx.event.accountIds.join(',')} by ${ctx.actorId ?? '?'}`));
        bot.on('file.shared', (ctx) => void seen.push(`file ${ctx.event.fileName} by ${ctx.actorId ?? '?'} ${ctx.event.fileUrl === '' ? 'no url' : 'with url'}`));
        bot.on('record', (ctx) => {
          const { mk_rec_type: kind, mk_message_type: type } = ctx.event.record as { mk_rec_type: string; mk_message_type?: string };
          seen.push(`record ${kind}${type ? ` (${type})` : ''}`);
        });
      },
    });
    t = await createTestBot({ plugins: [watcher] });
    const alice = await t.as('alice');
    const conv = await t.createConversation('alice', 'Project', ['bob']);
    await t.idle();
    seen.length = 0;

    await alice.storeConversation(conv, { addAccountIds: [t.accountId('carol')] });
    await t.idle();
    await alice.storeConversation(conv, { removeAccountIds: [t.accountId('carol')] });
    await t.idle();
    const upload = await alice.uploadFile([{ name: 'notes.txt', data: Buffer.from('hello'), contentType: 'text/plain' }]);
    await alice.sendMessage(conv, 'the notes', { attachments: upload.files.map((f) => f.upload_url) });
    await t.idle();
    await alice.call('conversation/create_hook', { hook_name: 'CI' }, { conversationId: conv });
    await t.idle();

    const a = t.accountId('alice');
    const carol = t.accountId('carol');
    expect(seen).toEqual([`joined ${carol} by ${a}`, `left ${carol} by ${a}`, `file notes.txt by ${a} with url`, 'record message (hook)', 'record hook']);
  });
});
