import { afterEach, describe, expect, it } from 'vitest';
import { createTestBot, type TestBot } from 'fleepkit/testing';
import pins from './index.js';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function message(conv: string, nr: number) {
  const m = (await t!.messages(conv)).find((x) => x.nr === nr);
  if (!m) throw new Error(`no message ${nr} in ${conv}`);
  return m;
}

describe('pins plugin', () => {
  it('!pin <text> posts the text and pins the bot\'s own message', async () => {
    t = await createTestBot({ plugins: [pins] });
    await t.say('alice', 'Team', '!pin Release train leaves on Fridays at 15:00');
    await t.idle();
    const replies = await t.replies('Team');
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ text: 'Release train leaves on Fridays at 15:00', isPinned: true });
  });

  it('!pin <nr> pins an existing message and !unpin <nr> unpins it', async () => {
    t = await createTestBot({ plugins: [pins] });
    const nr = await t.say('bob', 'Team', 'We use trunk-based development');
    const cmd = await t.say('alice', 'Team', `!pin ${nr}`);
    await t.idle();
    expect((await message('Team', nr)).isPinned).toBe(true);
    expect((await message('Team', cmd)).reactions).toEqual({ '👍': ['bot'] });

    await t.say('carol', 'Team', '!pins');
    await t.idle();
    expect(await t.lastReply('Team')).toBe(`Pinned here (1):\n• #${nr} We use trunk-based development — Bob`);

    const cmd2 = await t.say('alice', 'Team', `!unpin ${nr}`);
    await t.idle();
    expect((await message('Team', nr)).isPinned).toBe(false);
    expect((await message('Team', cmd2)).reactions).toEqual({ '👍': ['bot'] });
    await t.say('carol', 'Team', '!pins');
    await t.idle();
    expect(await t.lastReply('Team')).toMatch(/^Nothing is pinned here yet/);
  });

  it('says so when the message number is wrong', async () => {
    t = await createTestBot({ plugins: [pins] });
    await t.say('alice', 'Team', '!pin #999');
    await t.idle();
    expect(await t.lastReply('Team')).toBe("I couldn't pin message #999. Is that the right number?");
  });

  it('!pins lists what the bot pinned and what people pinned, and forgets unpinned ones', async () => {
    t = await createTestBot({ plugins: [pins] });
    await t.say('alice', 'Team', '!pins');
    await t.idle();
    expect(await t.lastReply('Team')).toBe('Nothing is pinned here yet. Pin a message with !pin <message nr>, or post and pin with !pin <text>.');

    const rule = await t.say('carol', 'Team', 'Deploys need two reviews');
    await t.store_('carol', 'Team', rule, { tags: ['pin'] });
    const other = await t.say('bob', 'Team', 'Standup is at 10:00');
    await t.store_('alice', 'Team', other, { tags: ['pin'] });
    await t.say('alice', 'Team', '!pin Office closed on Monday');
    await t.idle();
    await t.say('bob', 'Team', '!pins');
    await t.idle();
    const posted = (await t.replies('Team')).find((m) => m.text === 'Office closed on Monday')!;
    expect(await t.lastReply('Team')).toBe(
      ['Pinned here (3):', `• #${rule} Deploys need two reviews — Carol`, `• #${other} Standup is at 10:00 — Bob`, `• #${posted.nr} Office closed on Monday — me`].join('\n'),
    );

    await t.store_('bob', 'Team', other, { tags: ['pin', 'is_archived'] });
    await t.edit('carol', 'Team', rule, 'Deploys need two approving reviews');
    await t.say('bob', 'Team', '!pins');
    await t.idle();
    expect(await t.lastReply('Team')).toBe(
      ['Pinned here (2):', `• #${rule} Deploys need two approving reviews — Carol`, `• #${posted.nr} Office closed on Monday — me`].join('\n'),
    );
  });

  it('pins messages with a configured hashtag once, also when a hashtag is added by an edit', async () => {
    t = await createTestBot({ plugins: [pins], config: { pins: { hashtags: ['#decision', 'adr'] } } });
    const decision = await t.say('alice', 'Team', 'We go with Postgres #Decision');
    const plain = await t.say('bob', 'Team', 'no #decisions here, and not a#decision either');
    const later = await t.say('carol', 'Team', 'Use ADRs for architecture');
    await t.idle();
    expect((await message('Team', decision)).isPinned).toBe(true);
    expect((await message('Team', plain)).isPinned).toBe(false);
    expect((await message('Team', later)).isPinned).toBe(false);

    await t.edit('carol', 'Team', later, 'Use ADRs for architecture #adr');
    await t.idle();
    expect((await message('Team', later)).isPinned).toBe(true);

    // Someone unpins it on purpose: a later edit must not pin it again.
    await t.store_('alice', 'Team', decision, { tags: ['pin', 'is_archived'] });
    await t.edit('alice', 'Team', decision, 'We go with Postgres 16 #decision');
    await t.idle();
    expect((await message('Team', decision)).isPinned).toBe(false);
  });

  it('rejects a hashtag that is not a word', async () => {
    await expect(createTestBot({ plugins: [pins], config: { pins: { hashtags: ['#two words'] } } })).rejects.toThrow(/hashtag is a word/);
  });
});
