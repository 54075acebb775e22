import { afterEach, describe, expect, it } from 'vitest';
import { arg, definePlugin } from 'fleepkit';
import { createTestBot, type TestBot } from 'fleepkit/testing';
import help from './index.js';

const tools = definePlugin({
  name: 'tools',
  setup(bot) {
    bot.command('roll', { description: 'Rolls a die', aliases: ['dice'], args: { sides: arg.number().default(6).describe('how many sides') } }, (ctx) =>
      ctx.reply(String(ctx.args.sides)),
    );
    bot.command('secret', { description: 'Only in private', allow: { directOnly: true } }, (ctx) => ctx.reply('psst'));
    bot.command('shutdown', { description: 'Admins only', allow: 'admins' }, (ctx) => ctx.reply('bye'));
    bot.command('debug', { description: 'Internal', hidden: true }, (ctx) => ctx.reply('debug'));
  },
});

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('help plugin', () => {
  it('lists what the asker may run here, grouped by plugin, with usage and description', async () => {
    t = await createTestBot({ plugins: [help, tools], config: { help: { bold: false } } });
    await t.say('alice', 'Team', '!help');
    await t.idle();
    expect(await t.lastReply('Team')).toBe(
      [
        'Commands you can use here:',
        'help:',
        '• !help [topic] — Lists the commands you can use, or explains one',
        'tools:',
        '• !roll [sides] — Rolls a die',
        'Say !help <command> for details.',
      ].join('\n'),
    );

    // In the direct conversation the direct-only command is listed too; admin-only never is (no admins).
    await t.say('alice', 'dm:alice', 'help');
    await t.idle();
    const dm = (await t.lastReply('dm:alice')) ?? '';
    expect(dm).toContain('• !secret — Only in private');
    expect(dm).not.toContain('shutdown');
    expect(dm).not.toContain('debug');
  });

  it('shows plugin names in bold with Fleep markup, keeping user text literal', async () => {
    t = await createTestBot({ plugins: [help, tools], config: { help: { header: 'What *I* do:' } } });
    await t.say('bob', 'Team', '@bot help');
    await t.idle();
    const reply = await t.lastReply('Team');
    expect(reply?.split('\n')).toEqual([
      'What *I* do:',
      'help',
      '• !help [topic] — Lists the commands you can use, or explains one',
      'tools',
      '• !roll [sides] — Rolls a die',
      'Say !help <command> for details.',
    ]);
    // The heading is bold on the wire; the configured header's asterisks stay literal.
    const res = await fetch(`${t.sandbox.url}/sandbox/conversations/${await t.conversation('Team')}/messages`);
    const { messages } = (await res.json()) as { messages: Array<{ xml: string }> };
    const xml = messages.at(-1)?.xml ?? '';
    expect(xml).toMatch(/<b[^>]*>tools<\/b>/);
    expect(xml).not.toMatch(/<b[^>]*>I<\/b>/);
  });

  it('explains one command, by name, alias or with the prefix', async () => {
    t = await createTestBot({ plugins: [help, tools], config: { help: { bold: false } } });
    await t.say('alice', 'Team', '!help roll');
    await t.idle();
    const expected = ['Usage: !roll [sides]', 'Rolls a die', 'Also: !dice', 'From the tools plugin.'].join('\n');
    expect(await t.lastReply('Team')).toBe(expected);
    await t.say('alice', 'Team', '!help !dice');
    await t.idle();
    expect(await t.lastReply('Team')).toBe(expected);
  });

  it('lists one plugin\'s commands', async () => {
    t = await createTestBot({ plugins: [help, tools], config: { help: { bold: false } } });
    await t.say('carol', 'Team', '!help tools');
    await t.idle();
    expect(await t.lastReply('Team')).toBe(['Commands of tools:', 'tools:', '• !roll [sides] — Rolls a die', 'Say !help <command> for details.'].join('\n'));
  });

  it('suggests the closest command for a typo, and refuses to explain what the asker cannot run', async () => {
    t = await createTestBot({ plugins: [help, tools] });
    await t.say('alice', 'Team', '!help rol');
    await t.idle();
    expect(await t.lastReply('Team')).toBe("I don't know the command !rol. Did you mean !roll?");
    await t.say('alice', 'Team', '!help frobnicate');
    await t.idle();
    expect(await t.lastReply('Team')).toBe("I don't know the command !frobnicate. Say !help to see them all.");
    await t.say('alice', 'Team', '!help secret');
    await t.idle();
    expect(await t.lastReply('Team')).toBe("You can't use !secret here.");
    await t.say('alice', 'Team', '!help debug');
    await t.idle();
    expect(await t.lastReply('Team')).toBe("I don't know the command !debug. Say !help to see them all.");
  });
});
