import { afterEach, describe, expect, it } from 'vitest';
import { createTestBot, type TestBot } from 'fleepkit/testing';
import { RE2JS } from 're2js';
import reactions from './index.js';
import { MAX_SCAN_CHARS, RuleConfig, compileRules } from './rules.js';

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

const THANKS = { rules: [{ match: ['thanks', 'good job'], emoji: '👍' }, { regex: '\\bship(ped|ping)?\\b', emoji: '🚀' }] };

describe('reactions plugin: rules', () => {
  it('reacts to words, phrases and regexes, as whole words and ignoring case', async () => {
    t = await createTestBot({ plugins: [reactions], config: { reactions: THANKS } });
    const a = await t.say('alice', 'Team', 'Thanks a lot!');
    const b = await t.say('bob', 'Team', 'Good   job, Carol');
    const c = await t.say('carol', 'Team', 'We SHIPPED it');
    const d = await t.say('carol', 'Team', 'thanksgiving plans, shipment tomorrow');
    const e = await t.say('alice', 'Team', 'thanks, shipping now');
    await t.idle();
    expect((await message('Team', a)).reactions).toEqual({ '👍': ['bot'] });
    expect((await message('Team', b)).reactions).toEqual({ '👍': ['bot'] });
    expect((await message('Team', c)).reactions).toEqual({ '🚀': ['bot'] });
    expect((await message('Team', d)).reactions).toEqual({});
    expect((await message('Team', e)).reactions).toEqual({ '👍': ['bot'], '🚀': ['bot'] });
  });

  it('limits a rule to conversations by topic, also ones that existed before the bot started', async () => {
    t = await createTestBot({ plugins: [reactions], config: { reactions: { rules: [{ match: ['deploy'], emoji: '🚢', conversations: ['Team'] }] } } });
    const team = await t.say('alice', 'Team', 'deploy at noon');
    const direct = await t.say('alice', 'dm:alice', 'deploy at noon');
    await t.idle();
    expect((await message('Team', team)).reactions).toEqual({ '🚢': ['bot'] });
    expect((await message('dm:alice', direct)).reactions).toEqual({});
  });

  it('reacts when an edit makes a message match, and at most once per message and rule', async () => {
    t = await createTestBot({ plugins: [reactions], config: { reactions: THANKS } });
    const nr = await t.say('alice', 'Team', 'see you');
    await t.idle();
    await t.edit('alice', 'Team', nr, 'see you, thanks!');
    await t.idle();
    expect((await message('Team', nr)).reactions).toEqual({ '👍': ['bot'] });

    // Someone takes the bot's reaction away; editing again must not bring it back.
    await t.unreact('bot', 'Team', nr, '👍');
    await t.edit('alice', 'Team', nr, 'see you, thanks again!');
    await t.idle();
    expect((await message('Team', nr)).reactions).toEqual({});
  });

  it('applies a rule only in the listed conversations (by topic, learnt when created or renamed)', async () => {
    const config = { reactions: { rules: [{ match: 'thanks', emoji: '🙏', conversations: ['Design'] }], actions: {} } };
    t = await createTestBot({ plugins: [reactions], config });
    await t.createConversation('alice', 'Design', ['bob']);
    const team = await t.say('alice', 'Team', 'thanks');
    const design = await t.say('bob', 'Design', 'thanks');
    await t.idle();
    expect((await message('Team', team)).reactions).toEqual({});
    expect((await message('Design', design)).reactions).toEqual({ '🙏': ['bot'] });

    await (await t.as('alice')).storeConversation(await t.conversation('Team'), { topic: 'design' });
    await t.idle();
    const renamed = await t.say('carol', 'design', 'thanks');
    await t.idle();
    expect((await message('design', renamed)).reactions).toEqual({ '🙏': ['bot'] });
  });

  it('matches conversations by id too', () => {
    const [rule] = compileRules([RuleConfig.parse({ match: 'hi', emoji: '👋', conversations: ['c0ffee'] })]);
    expect(rule!.appliesTo('C0FFEE', undefined)).toBe(true);
    expect(rule!.appliesTo('beef', 'c0ffee-topic')).toBe(false);
  });

  it('rejects invalid, unsupported and ambiguous rules with a clear config error', async () => {
    const bad = async (rule: object) => createTestBot({ plugins: [reactions], config: { reactions: { rules: [rule] } } });
    await expect(bad({ regex: '(a)\\1', emoji: '💥' })).rejects.toThrow(/not supported .*RE2 syntax, which has no backreferences or lookaround/);
    await expect(bad({ regex: '(?<!a)b', emoji: '💥' })).rejects.toThrow(/not supported/);
    await expect(bad({ regex: 'ship(', emoji: '🚀' })).rejects.toThrow(/missing closing \)/);
    await expect(bad({ match: 'x', regex: 'x', emoji: '❌' })).rejects.toThrow(/either match .* or regex/);
    await expect(bad({ emoji: '❌' })).rejects.toThrow(/either match .* or regex/);
  });

  it('runs a pattern that backtracks exponentially in JavaScript in linear time, so other conversations keep flowing (R-36)', async () => {
    // `(\d|\w)+$` passed the old safe-regex heuristic; on a backtracking engine a message of 40
    // digits and a "!" takes about 2^40 steps and this test would stall instead of finishing.
    t = await createTestBot({ plugins: [reactions], config: { reactions: { rules: [{ regex: '(\\d|\\w)+$', emoji: '🔢' }, { match: 'hello', emoji: '👋' }] } } });
    const hostile = await t.say('carol', 'Team', `${'1'.repeat(40)}!`);
    const digits = await t.say('alice', 'Team', '1'.repeat(5_000));
    await t.createConversation('bob', 'Elsewhere', ['alice']);
    const other = await t.say('bob', 'Elsewhere', 'hello there!');
    await t.idle();
    expect((await message('Team', hostile)).reactions).toEqual({});
    expect((await message('Team', digits)).reactions).toEqual({ '🔢': ['bot'] });
    expect((await message('Elsewhere', other)).reactions).toEqual({ '👋': ['bot'] });
  });

  it('gives the matcher at most the first 16 KB of a 1 MB message', () => {
    const rules = compileRules([RuleConfig.parse({ regex: '\\bship(ped|ping)?\\b', emoji: '🚀' }), RuleConfig.parse({ match: 'good job', emoji: '👍' })]);
    const filler = 'a '.repeat(500_000);
    const early = `${filler.slice(0, 1_000)}we shipped it, good job ${filler}`;
    const late = `${filler}we shipped it, good job`;
    const { result, lengths } = matcherInputs(() => rules.map((r) => [r.test(filler), r.test(early), r.test(late)]));
    // A match inside the first 16 KB counts; one past it is never looked at.
    expect(result).toEqual([
      [false, true, false],
      [false, true, false],
    ]);
    expect(lengths).toHaveLength(6);
    for (const n of lengths) expect(n).toBeLessThanOrEqual(MAX_SCAN_CHARS);
    expect(MAX_SCAN_CHARS).toBe(16 * 1024);
  });
});

/** Runs `fn` and records the length of every string handed to a matcher (JavaScript's or RE2's) meanwhile. */
function matcherInputs<T>(fn: () => T): { result: T; lengths: number[] } {
  const lengths: number[] = [];
  const spied: [object, string][] = [
    [RegExp.prototype, 'test'],
    [RE2JS.prototype, 'matcher'],
  ];
  const saved = spied.map(([target, key]) => [target, key, Object.getOwnPropertyDescriptor(target, key) as PropertyDescriptor] as const);
  for (const [target, key, desc] of saved) {
    const original = desc.value as (this: unknown, text: string) => unknown;
    Object.defineProperty(target, key, {
      ...desc,
      value: function recorded(this: unknown, text: string): unknown {
        lengths.push(String(text).length);
        return original.call(this, text);
      },
    });
  }
  try {
    return { result: fn(), lengths };
  } finally {
    for (const [target, key, desc] of saved) Object.defineProperty(target, key, desc);
  }
}

describe('reactions plugin: actions', () => {
  it('📌 pins and removing it unpins; a hand-pinned message stays pinned', async () => {
    t = await createTestBot({ plugins: [reactions] });
    const nr = await t.say('bob', 'Team', 'Deploy freeze from Friday');
    await t.react('carol', 'Team', nr, '📌');
    await t.idle();
    expect((await message('Team', nr)).isPinned).toBe(true);
    await t.unreact('carol', 'Team', nr, '📌');
    await t.idle();
    expect((await message('Team', nr)).isPinned).toBe(false);

    const manual = await t.say('bob', 'Team', 'Pinned by hand');
    await t.store_('alice', 'Team', manual, { tags: ['pin'] });
    await t.react('carol', 'Team', manual, '📌');
    await t.idle();
    await t.unreact('carol', 'Team', manual, '📌');
    await t.idle();
    expect((await message('Team', manual)).isPinned).toBe(true);
  });

  it('keeps the pin while someone else still reacts with 📌', async () => {
    t = await createTestBot({ plugins: [reactions] });
    const nr = await t.say('bob', 'Team', 'Keep this');
    await t.react('carol', 'Team', nr, '📌');
    await t.idle();
    await t.react('alice', 'Team', nr, '📌');
    await t.unreact('carol', 'Team', nr, '📌');
    await t.idle();
    expect((await message('Team', nr)).isPinned).toBe(true);
  });

  it('✅ marks a task done and removing it reopens it; plain messages are left alone', async () => {
    t = await createTestBot({ plugins: [reactions] });
    const task = await t.say('alice', 'Team', 'Renew the certificate');
    await t.store_('alice', 'Team', task, { tags: ['is_todo'] });
    const plain = await t.say('alice', 'Team', 'Just chatting');
    await t.react('bob', 'Team', task, '✅');
    await t.react('bob', 'Team', plain, '✅');
    await t.idle();
    expect(await message('Team', task)).toMatchObject({ isTask: true, isDone: true });
    expect(await message('Team', plain)).toMatchObject({ isTask: false, isDone: false });
    await t.unreact('bob', 'Team', task, '✅');
    await t.idle();
    expect(await message('Team', task)).toMatchObject({ isTask: true, isDone: false });
  });

  it('👀 assigns the reacting person to a task and removing it unassigns only them', async () => {
    t = await createTestBot({ plugins: [reactions] });
    const task = await t.say('alice', 'Team', 'Look into the flaky test');
    await t.store_('alice', 'Team', task, { tags: ['is_todo'] });
    await t.react('bob', 'Team', task, '👀');
    await t.idle();
    await t.react('carol', 'Team', task, '👀');
    await t.idle();
    expect((await message('Team', task)).assignees.sort()).toEqual(['bob', 'carol']);
    await t.unreact('bob', 'Team', task, '👀');
    await t.idle();
    expect((await message('Team', task)).assignees).toEqual(['carol']);
  });

  it('uses the configured emoji map instead of the defaults', async () => {
    t = await createTestBot({ plugins: [reactions], config: { reactions: { actions: { '⭐': 'pin' } } } });
    const a = await t.say('bob', 'Team', 'Star me');
    const b = await t.say('bob', 'Team', 'Not me');
    await t.react('carol', 'Team', a, '⭐');
    await t.react('carol', 'Team', b, '📌');
    await t.idle();
    expect((await message('Team', a)).isPinned).toBe(true);
    expect((await message('Team', b)).isPinned).toBe(false);
  });
});
