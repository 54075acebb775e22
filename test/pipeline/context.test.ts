import { describe, expect, it } from 'vitest';
import { markup } from '../../src/api/markup.js';
import { ContextError } from '../../src/pipeline/errors.js';
import type { QueuedEffect } from '../../src/pipeline/deps.js';
import { definePlugin } from '../../src/pipeline/plugin.js';
import { loadPlugins } from '../../src/pipeline/plugin-host.js';
import { ALICE, BOB, captureLogger, ctxOf, DM, GROUP, makeDeps, memberEvent, messageEvent, say, scheduleEvent } from './helpers.js';

describe('Context helpers build exact effects', () => {
  const target = { conversationId: GROUP, messageNr: 7 };
  const cases: Array<[string, (c: ReturnType<typeof ctxOf<ReturnType<typeof say>>>) => unknown, unknown]> = [
    ['reply', (c) => c.reply('hi'), { method: 'message/send', conversationId: GROUP, body: { message: 'hi' } }],
    ['reply markup', (c) => c.reply(markup('*bold*')), { method: 'message/send', conversationId: GROUP, body: { message: '*bold*' } }],
    ['send', (c) => c.send(DM, 'yo'), { method: 'message/send', conversationId: DM, body: { message: 'yo' } }],
    ['pin', (c) => c.pin(), { method: 'message/store', conversationId: GROUP, body: { message_nr: 7, tags: ['pin'] } }],
    ['unpin', (c) => c.unpin(), { method: 'message/store', conversationId: GROUP, body: { message_nr: 7, tags: ['pin', 'is_archived'] } }],
    ['task', (c) => c.task(), { method: 'message/store', conversationId: GROUP, body: { message_nr: 7, tags: ['is_todo'] } }],
    ['task+assign', (c) => c.task({ assignees: [BOB] }), { method: 'message/store', conversationId: GROUP, body: { message_nr: 7, tags: ['is_todo'], assignee_ids: [BOB] } }],
    ['done', (c) => c.done(), { method: 'message/store', conversationId: GROUP, body: { message_nr: 7, tags: ['is_done'] } }],
    ['reopen', (c) => c.reopen(), { method: 'message/store', conversationId: GROUP, body: { message_nr: 7, tags: ['is_todo'] } }],
    ['assign', (c) => c.assign([ALICE, BOB]), { method: 'message/store', conversationId: GROUP, body: { message_nr: 7, assignee_ids: [ALICE, BOB] } }],
    ['react', (c) => c.react('👍'), { method: 'message/store', conversationId: GROUP, body: { message_nr: 7, add_reactions: ['👍'] } }],
    ['unreact', (c) => c.unreact('👍'), { method: 'message/store', conversationId: GROUP, body: { message_nr: 7, del_reactions: ['👍'] } }],
    ['edit', (c) => c.edit('new'), { method: 'message/edit', conversationId: GROUP, body: { message_nr: 7, message: 'new' } }],
    ['delete', (c) => c.delete(), { method: 'message/delete', conversationId: GROUP, body: { message_nr: 7 } }],
    ['markRead', (c) => c.markRead(), { method: 'message/mark_read', conversationId: GROUP, body: { message_nr: 7 } }],
    ['pin other', (c) => c.pin({ conversationId: DM, messageNr: 3 }), { method: 'message/store', conversationId: DM, body: { message_nr: 3, tags: ['pin'] } }],
    ['task other', (c) => c.task({ ...target, messageNr: 9 }), { method: 'message/store', conversationId: GROUP, body: { message_nr: 9, tags: ['is_todo'] } }],
  ];
  it.each(cases)('%s', async (_name, call, expected) => {
    const deps = makeDeps();
    const ctx = ctxOf(say('hello'), deps);
    const queued = call(ctx) as QueuedEffect;
    // Queued when the helper returns: nothing to await.
    expect(deps.effects).toEqual([expected]);
    expect(queued.id).toBe('effect-1');
    await expect(queued.delivered()).resolves.toEqual({ messageNr: 1, response: {} });
  });

  it('escapes plain text for the wire but sends markup as is', async () => {
    const deps = makeDeps();
    const ctx = ctxOf(say('x'), deps);
    await ctx.reply('*not bold*');
    expect(deps.effects[0]?.body.message).not.toBe('*not bold*');
  });
});

describe('Context misuse throws ContextError with what to do', () => {
  it('reply in a schedule job without conversation', () => {
    const ctx = ctxOf(scheduleEvent());
    expect(() => ctx.reply('hi')).toThrow(ContextError);
    expect(() => ctx.reply('hi')).toThrow(
      'ctx.reply() needs a conversation: this schedule job has none. Use ctx.send(conversationId, text) or create the job with conversationId.',
    );
  });

  it('reply in a schedule job with a conversation works', async () => {
    const deps = makeDeps();
    await ctxOf(scheduleEvent({ conversationId: GROUP }), deps).reply('standup!');
    expect(deps.effects[0]).toMatchObject({ method: 'message/send', conversationId: GROUP });
  });

  it('pin on member.joined names the event and the fix', () => {
    const ctx = ctxOf(memberEvent());
    expect(() => ctx.pin()).toThrow('ctx.pin() needs a message: a member.joined event has none. Pass the message as { conversationId, messageNr }.');
  });

  it('bad inputs', () => {
    const ctx = ctxOf(say('x'));
    expect(() => ctx.reply('   ')).toThrow(/empty text/);
    expect(() => ctx.reply(42 as unknown as string)).toThrow(ContextError);
    expect(() => ctx.react('')).toThrow(/needs an emoji/);
    expect(() => ctx.assign(['ok', 3 as unknown as string])).toThrow(/account ids/);
    expect(() => ctx.send('', 'x')).toThrow(/conversation id/);
    expect(() => ctx.pin({ conversationId: GROUP, messageNr: 0 })).toThrow(/bad target/);
  });
});

describe('Context getters', () => {
  it('derives text, ids, sender, isDirect, mentions', () => {
    const deps = makeDeps();
    const ctx = ctxOf(messageEvent('message.new', 'hi @bob', { mentionIds: [BOB], conversationId: DM }), deps);
    expect(ctx.text).toBe('hi @bob');
    expect(ctx.conversationId).toBe(DM);
    expect(ctx.messageNr).toBe(7);
    expect(ctx.sender).toEqual({ accountId: ALICE, displayName: 'Alice', email: 'alice@example.com', fleepAddress: 'alice' });
    expect(ctx.isDirect).toBe(true);
    expect(ctxOf(say('x'), deps).isDirect).toBe(false);
    expect(ctx.mentions).toEqual([BOB]);
    expect(ctxOf(memberEvent(), deps).text).toBe('');
  });

  it('parses commands by prefix, mention and direct conversation, only for new messages', () => {
    expect(ctxOf(say('!deploy prod now')).command).toEqual({ name: 'deploy', argText: 'prod now', addressedBy: 'prefix', truncated: false });
    expect(ctxOf(say('@bot standup now')).command).toMatchObject({ name: 'standup', argText: 'now', addressedBy: 'mention' });
    expect(ctxOf(say('@Bot: !standup')).command).toMatchObject({ name: 'standup', addressedBy: 'mention' });
    expect(ctxOf(say('help me', ALICE, DM)).command).toMatchObject({ name: 'help', argText: 'me', addressedBy: 'direct' });
    expect(ctxOf(say('help me')).command).toBeUndefined();
    expect(ctxOf(say('@bobby hi')).command).toBeUndefined();
    expect(ctxOf(say('! deploy')).command).toBeUndefined();
    expect(ctxOf(messageEvent('message.edited', '!deploy')).command).toBeUndefined();
  });

  it('notACommand() hides the parsed command from later handlers and from the unknown-command reply', async () => {
    const ctx = ctxOf(say('pinged the team', ALICE, DM));
    expect(ctx.command).toMatchObject({ name: 'pinged', addressedBy: 'direct' });
    ctx.notACommand();
    expect(ctx.command).toBeUndefined();

    // Plain DM text that looks like a typo of a command ("pinged" ~ "pins") gets "did you mean"
    // unless a plugin took it as plain text.
    const seen: Array<string | undefined> = [];
    const pins = definePlugin({ name: 'pins', setup: (bot) => void bot.command('pins', {}, (c) => c.reply('pins')) });
    const answers = definePlugin({
      name: 'answers',
      setup: (bot) =>
        void bot.on('message.new', async (c, next) => {
          if (c.text.startsWith('pinged')) c.notACommand();
          seen.push(c.command?.name);
          await next();
        }),
    });
    const deps = makeDeps();
    await deps.store.open();
    const host = await loadPlugins([answers, pins], {}, { logger: captureLogger().logger });
    await host.handle(ctxOf(say('pinged the team', ALICE, DM), deps));
    await host.handle(ctxOf(say('pinz', ALICE, DM), deps));
    expect(seen).toEqual([undefined, 'pinz']);
    expect(deps.effects.map((e) => e.body.message)).toEqual(["I don't know the command !pinz. Did you mean !pins?"]);
  });
});

describe('ctx.store buffers writes per plugin scope', () => {
  it('reads its own pending writes, namespaces by plugin/conversation/account', async () => {
    const deps = makeDeps();
    await deps.store.open();
    await deps.store.set('plugin:p', 'k', 'stored');
    const ctx = ctxOf(say('x'), deps);
    ctx.plugin = 'p';
    expect(await ctx.store.plugin.get('k')).toBe('stored');
    await ctx.store.plugin.set('k', 'pending', { ttlMs: 1000 });
    await ctx.store.conversation.update<number>('n', (n) => (n ?? 0) + 1);
    await ctx.store.conversation.update<number>('n', (n) => (n ?? 0) + 1);
    await ctx.store.account.delete('gone');
    expect(await ctx.store.plugin.get('k')).toBe('pending');
    expect(await ctx.store.conversation.get('n')).toBe(2);
    expect(await deps.store.get('plugin:p', 'k')).toBe('stored');
    expect(ctx.work.changes().kv).toEqual([
      { namespace: 'plugin:p', key: 'k', value: 'pending', ttlMs: 1000 },
      { namespace: `conv:p:${GROUP}`, key: 'n', value: 1 },
      { namespace: `conv:p:${GROUP}`, key: 'n', value: 2 },
      { namespace: `account:p:${ALICE}`, key: 'gone', value: undefined },
    ]);
  });

  it('explains scope errors', () => {
    const ctx = ctxOf(scheduleEvent());
    expect(() => ctx.store).toThrow(/only available in handlers registered by a plugin/);
    ctx.plugin = 'p';
    expect(() => ctx.store.conversation).toThrow(/needs an event in a conversation/);
    expect(() => ctx.store.account).toThrow(/caused by a person/);
  });
});
