/**
 * Every change a handler makes goes through its event's unit of work (issue 14): jobs, shared
 * state, cooldown hits. Run against the sandbox through the test kit, as users run bots.
 *
 * Races are made certain, not likely: a `gate` plugin, loaded after the plugin under test, holds
 * each event after that plugin ran (its reads are done, its writes buffered) until every event of
 * the race got there — so all of them read before any of them commits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { definePlugin, PluginError, type AnyPlugin } from 'fleepkit';
import { createTestBot, type TestBot } from 'fleepkit/testing';
import kudos from '../readme/kudos.js';
import standup from '../../plugins/standup/index.js';
import tasks from '../../plugins/tasks/index.js';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/**
 * A plugin that holds the first `count` distinct events it sees until all of them arrived;
 * later events (and events handled again) pass at once.
 */
function gate(count: number, matches: (text: string) => boolean): AnyPlugin {
  const arrived = new Set<string>();
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return definePlugin({
    name: 'gate',
    setup(bot) {
      bot.on('message.new', async (ctx) => {
        if (!matches(ctx.text) || arrived.size >= count) return;
        arrived.add(ctx.event.id);
        if (arrived.size === count) open();
        await opened;
      });
    },
  });
}

/** A plugin whose handler fails the first attempt at each matching event; counts its failures. */
function failsOnce(matches: (text: string) => boolean): { plugin: AnyPlugin; failures: () => number } {
  const failed = new Set<string>();
  const plugin = definePlugin({
    name: 'flaky',
    setup(bot) {
      bot.on('message.new', (ctx) => {
        if (!matches(ctx.text) || failed.has(ctx.event.id)) return;
        failed.add(ctx.event.id);
        throw new Error('flaky: first attempt fails');
      });
    },
  });
  return { plugin, failures: () => failed.size };
}

describe('jobs join the event’s unit of work', () => {
  it('a handled-again event creates its job once, and it fires once (README tour, !kudos-later)', async () => {
    const flaky = failsOnce((text) => text.startsWith('!kudos-later'));
    t = await createTestBot({ plugins: [kudos, flaky.plugin] });
    await t.say('alice', 'Team', '!kudos-later 10m @carol');
    await t.idle();
    expect(flaky.failures()).toBe(1);
    const jobs = await t.bot.scheduler.list({ kind: 'at' });
    expect(jobs.map((j) => j.name)).toEqual(['kudos:later']);
    await t.clock.advance('10m');
    await t.idle();
    expect((await t.replies('Team')).map((m) => m.text)).toEqual(['🎉 Kudos to Carol (1 so far)']);
    expect(await t.bot.scheduler.list({ kind: 'at' })).toEqual([]);
  });

  it('a failed handler leaves no job behind, and a job id is derived from the event', async () => {
    const ids: string[] = [];
    const plugin = definePlugin({
      name: 'remind',
      setup(bot) {
        bot.command('later', {}, async (ctx) => {
          ids.push(await ctx.jobs.at('ping', ctx.deps.clock.now() + 60_000, { conversationId: ctx.conversationId }));
          throw new Error('after the job was asked for');
        });
        bot.schedule('ping', (ctx) => ctx.reply('ping'));
      },
    });
    t = await createTestBot({ plugins: [plugin] });
    await t.say('alice', 'Team', '!later');
    await t.idle();
    // Three attempts, the same id each time; the event is dead-lettered and none of them stays.
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^job:remind:/);
    expect(await t.bot.scheduler.list()).toEqual([]);
    await t.clock.advance('2m');
    await t.idle();
    expect(await t.replies('Team')).toEqual([]);
  });

  it('bot.jobs inside a running bot is refused with an error that points to ctx.jobs', async () => {
    const errors: unknown[] = [];
    const plugin = definePlugin({
      name: 'old',
      setup(bot) {
        bot.command('later', {}, async (ctx) => {
          await bot.jobs.at('ping', ctx.deps.clock.now() + 60_000);
        });
        bot.catch((error) => void errors.push(error));
      },
    });
    t = await createTestBot({ plugins: [plugin], bot: { maxAttempts: 1 } });
    await t.say('alice', 'Team', '!later');
    await t.idle();
    expect(errors).toHaveLength(1);
    const cause = (errors[0] as { cause: unknown }).cause;
    expect(cause).toBeInstanceOf(PluginError);
    expect((cause as Error).message).toMatch(/bot\.jobs\.at\(\) while the bot is running\. Inside a handler use ctx\.jobs\.at/);
    expect(await t.bot.scheduler.list()).toEqual([]);
  });
});

describe('shared state is never lost across concurrent conversations', () => {
  it('two kudos in two conversations at once: both counted, both conversations on the weekly board', async () => {
    // Friday 6 March 2026, 15:00 in Tallinn: the weekly board is due at 16:00.
    t = await createTestBot({ plugins: [kudos, gate(2, (text) => text.startsWith('!kudos'))], now: '2026-03-06T13:00:00Z' });
    const other = await t.createConversation('carol', 'Ops', ['alice', 'bob']);
    await t.say('alice', 'Team', '!kudos @bob for the fix');
    await t.say('carol', other, '!kudos @bob for the deploy');
    await t.idle();
    await t.clock.advance('1h');
    await t.idle();
    expect(await t.lastReply('Team')).toBe('Kudos this week\nBob: 1');
    expect(await t.lastReply(other)).toBe('Kudos this week\nBob: 1');
  });

  it('a counter updated by 6 conversations at once ends at 6', async () => {
    const counter = definePlugin({
      name: 'counter',
      setup(bot) {
        bot.hears(/^count$/, async (ctx) => {
          await ctx.store.plugin.update<number>('n', (n = 0) => n + 1);
        });
      },
    });
    t = await createTestBot({ plugins: [counter, gate(6, (text) => text === 'count')] });
    const conversations = ['Team'];
    for (let i = 0; i < 5; i++) conversations.push(await t.createConversation('alice', `Room ${i}`, ['bob']));
    for (const conversation of conversations) await t.say('alice', conversation, 'count');
    await t.idle();
    expect(await t.store.get('plugin:counter', 'n')).toBe(6);
  });

  it("standup collect: 'dm': alice and bob answer at the same moment; both stored, the summary lists both", async () => {
    // Monday 2 March 2026, 08:30 in Tallinn.
    const config = { standup: { collect: 'dm', participants: ['alice@example.com', 'bob@example.com'] } };
    t = await createTestBot({ plugins: [standup, gate(2, (text) => text.startsWith('Did '))], config, now: '2026-03-02T06:30:00Z' });
    await t.say('carol', 'Team', '!standup now');
    await t.idle();
    await t.say('alice', 'dm:alice', 'Did the retro; release today; no blockers');
    await t.say('bob', 'dm:bob', 'Did reviews; docs today; waiting for design');
    await t.idle();
    expect(await t.lastReply('Team')).toBe(
      'Standup summary, Mon 2 Mar:\n\nAlice:\nDid the retro; release today; no blockers\n\nBob:\nDid reviews; docs today; waiting for design',
    );
  });

  it('tasks round-robin: two bugs reported at once in two conversations go to two people', async () => {
    const config = { tasks: { rules: [{ name: 'bug', match: { prefix: 'bug:' }, assign: { roundRobin: ['bob@example.com', 'carol@example.com'] } }] } };
    t = await createTestBot({ plugins: [tasks, gate(2, (text) => text.startsWith('bug:'))], config });
    const other = await t.createConversation('alice', 'Ops', ['bob', 'carol']);
    const first = await t.say('alice', 'Team', 'bug: login fails');
    const second = await t.say('alice', other, 'bug: deploy hangs');
    await t.idle();
    const assignees = [
      (await t.messages('Team')).find((m) => m.nr === first)?.assignees,
      (await t.messages(other)).find((m) => m.nr === second)?.assignees,
    ];
    expect(assignees.flat().sort()).toEqual(['bob', 'carol']);
  });

  it('standup: two conversations enrol at once (!standup here); both stay enrolled', async () => {
    t = await createTestBot({ plugins: [standup, gate(2, (text) => text === '!standup here')] });
    const other = await t.createConversation('alice', 'Ops', ['bob', 'carol']);
    await t.say('alice', 'Team', '!standup here');
    await t.say('alice', other, '!standup here');
    await t.idle();
    expect((await t.store.get<string[]>('plugin:standup', 'enrolled'))?.sort()).toEqual([await t.conversation('Team'), other].sort());
  });
});

describe('cooldown hits are part of the unit of work', () => {
  it('an event handled again after a failed attempt is not refused with "Slow down"', async () => {
    const flaky = failsOnce((text) => text === '!deploy');
    const deploy = definePlugin({
      name: 'deploy',
      setup(bot) {
        bot.command('deploy', { cooldown: { limit: 1, windowMs: 60_000 } }, (ctx) => ctx.reply('Deploying'));
      },
    });
    t = await createTestBot({ plugins: [flaky.plugin, deploy] });
    await t.say('alice', 'Team', '!deploy');
    await t.idle();
    expect(flaky.failures()).toBe(1);
    expect((await t.replies('Team')).map((m) => m.text)).toEqual(['Deploying']);
    // The one use that counted is still enforced.
    await t.say('alice', 'Team', '!deploy');
    await t.idle();
    expect((await t.replies('Team')).map((m) => m.text)).toEqual(['Deploying', 'Slow down: at most 1 use(s) of !deploy per 60 s. Try again shortly.']);
  });
});

describe('ctx.message is deeply immutable', () => {
  it('a plugin pushing into ctx.message.tags throws and cannot hide a later real pin from the bot', async () => {
    const seen: string[] = [];
    const errors: string[] = [];
    const meddler = definePlugin({
      name: 'meddler',
      setup(bot) {
        bot.on('message.new', (ctx) => {
          const m = ctx.message!;
          // The types say readonly; a plugin that casts that away still cannot change anything.
          (m.tags as string[]).push('pin');
        });
        bot.on('message.pinned', (ctx) => void seen.push(`pinned ${ctx.messageNr}`));
        bot.catch((error) => void errors.push((error.cause as Error).message));
      },
    });
    t = await createTestBot({ plugins: [meddler], bot: { maxAttempts: 1 } });
    const nr = await t.say('alice', 'Team', 'Release notes are up');
    await t.idle();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/read only|frozen|not extensible/i);
    await t.store_('bob', 'Team', nr, { tags: ['pin'] });
    await t.idle();
    expect(seen).toEqual([`pinned ${nr}`]);
  });

  it('the message view, its arrays and reactions, and the raw record are frozen', async () => {
    const checks: boolean[] = [];
    const probe = definePlugin({
      name: 'probe',
      setup(bot) {
        bot.on('reaction.added', (ctx) => {
          const m = ctx.event.message;
          checks.push(
            Object.isFrozen(m),
            Object.isFrozen(m.tags),
            Object.isFrozen(m.assigneeIds),
            Object.isFrozen(m.mentionIds),
            Object.isFrozen(m.reactions),
            m.reactions.every((r) => Object.isFrozen(r) && Object.isFrozen(r.accountIds)),
            Object.isFrozen(ctx.record),
            Object.isFrozen((ctx.record as { tags?: unknown }).tags ?? []),
          );
        });
      },
    });
    t = await createTestBot({ plugins: [probe] });
    const nr = await t.say('alice', 'Team', 'Ship it');
    await t.react('bob', 'Team', nr, '👍');
    await t.idle();
    expect(checks).toEqual([true, true, true, true, true, true, true, true]);
  });
});
