import { describe, expect, it } from 'vitest';
import { arg } from '../../src/pipeline/command/args.js';
import { evaluateAcl, type AclPolicy, type AclRule } from '../../src/pipeline/command/acl.js';
import { replyUnknownCommand } from '../../src/pipeline/command/command-middleware.js';
import { CommandRegistry } from '../../src/pipeline/command/registry.js';
import { Composer } from '../../src/pipeline/composer.js';
import { ADMIN, ALICE, ATTACKER, BOB, ctxOf, DM, DM_ADMIN, DM_ATTACKER, GROUP, makeDeps, say, type TestDeps } from './helpers.js';

async function setup(settings: ConstructorParameters<typeof CommandRegistry>[0] = { cooldown: false }) {
  const deps = makeDeps();
  await deps.store.open();
  const registry = new CommandRegistry({ acl: { admins: [ADMIN], roles: { ops: [BOB] } }, ...settings });
  const bot = new Composer({ registry });
  const calls: unknown[] = [];
  const run = async (text: string, from = ALICE, conv = GROUP, d: TestDeps = deps) => {
    const ctx = ctxOf(say(text, from, conv), d);
    await bot.run(ctx);
    replyUnknownCommand(registry, ctx);
    // What the runtime does after the handlers: commit the event's changes (cooldown hits).
    await d.store.commit({ kv: ctx.work.changes().kv });
  };
  const replies = () => deps.effects.map((e) => e.body.message);
  return { deps, registry, bot, calls, run, replies };
}

describe('commands', () => {
  it('runs by prefix, mention, direct conversation and alias, with typed args', async () => {
    const t = await setup();
    t.bot.command('remind', { aliases: ['rem'], args: { who: arg.account(), what: arg.rest() } }, (ctx) => {
      t.calls.push([ctx.command.addressedBy, ctx.args.who, ctx.args.what]);
    });
    await t.run('!remind @bob water the plants');
    await t.run('@bot rem bob@example.com "call mum"');
    await t.run('remind @alice stretch', ALICE, DM);
    expect(t.calls).toEqual([
      ['prefix', BOB, 'water the plants'],
      ['mention', BOB, 'call mum'],
      ['direct', ALICE, 'stretch'],
    ]);
  });

  it('bad arguments get a usage reply and the handler is not called', async () => {
    const t = await setup();
    t.bot.command('deploy', { args: { env: arg.enum(['prod', 'staging']), count: arg.number().default(1) } }, () => void t.calls.push('ran'));
    await t.run('!deploy moon');
    expect(t.calls).toEqual([]);
    expect(t.replies()).toHaveLength(1);
    expect(t.replies()[0]).toContain('Env: expected one of prod, staging, got');
    expect(t.replies()[0]).toContain('Usage: !deploy <prod|staging> [count]');
  });

  it('unknown commands get "did you mean"; plain DM text only when it looks like a typo', async () => {
    const t = await setup();
    t.bot.command('standup', {}, () => undefined);
    t.bot.command('secret', { hidden: true }, () => undefined);
    await t.run('!standpu');
    await t.run('!xyzzy');
    await t.run('hello there', ALICE, DM);
    await t.run('standu', ALICE, DM);
    await t.run('!secre');
    expect(t.replies()).toEqual([
      "I don't know the command !standpu. Did you mean !standup?",
      "I don't know the command !xyzzy.",
      "I don't know the command !standu. Did you mean !standup?",
      "I don't know the command !secre.",
    ]);
  });

  it('rejects duplicate names and aliases, naming the owner', () => {
    const registry = new CommandRegistry();
    registry.register('ping', { plugin: 'a' });
    expect(() => registry.register('PING', {})).toThrow(/not valid/);
    expect(() => registry.register('pong', { aliases: ['ping'], plugin: 'b' })).toThrow('Command name "ping" is already used by command "ping" (plugin "a"); plugin "b" must pick another name or alias.');
  });

  it('lists commands for help, with canRun through the ACL', () => {
    const registry = new CommandRegistry({ acl: { admins: [ADMIN], roles: {} }, conversations: { isDirect: (c) => c === DM_ADMIN } });
    registry.register('deploy', { allow: 'admins', description: 'Ship it', plugin: 'ops', args: { env: arg.string() } });
    const [info] = registry.commands();
    expect(info).toMatchObject({ name: 'deploy', plugin: 'ops', description: 'Ship it', usage: '!deploy <env>', hidden: false });
    expect(info?.canRun(ADMIN, DM_ADMIN)).toBe(true);
    expect(info?.canRun(ADMIN, GROUP)).toBe(false);
    expect(info?.canRun(ATTACKER, DM_ADMIN)).toBe(false);
  });
});

describe('ACL (R-30)', () => {
  const policy: AclPolicy = { admins: [ADMIN], roles: { ops: [BOB], banned: [ATTACKER] } };
  const table: Array<[string, AclRule | undefined, string, string | undefined, boolean, boolean]> = [
    ['default allows everyone', undefined, ALICE, GROUP, false, true],
    ['admins: admin in DM', 'admins', ADMIN, DM_ADMIN, true, true],
    ['admins: admin in group is denied by default', 'admins', ADMIN, GROUP, false, false],
    ['admins: attacker with the admin display name', 'admins', ATTACKER, DM_ATTACKER, true, false],
    ['admins allowed in groups when configured', { admins: true }, ADMIN, GROUP, false, true],
    ['role allow', { roles: ['ops'] }, BOB, GROUP, false, true],
    ['role allow, not in role', { roles: ['ops'] }, ALICE, GROUP, false, false],
    ['deny wins over allow', { accounts: [ATTACKER], denyRoles: ['banned'] }, ATTACKER, GROUP, false, false],
    ['directOnly', { directOnly: true }, ALICE, GROUP, false, false],
    ['groupOnly', { groupOnly: true }, ALICE, DM, true, false],
    ['conversation allow list', { conversations: [GROUP] }, ALICE, GROUP, false, true],
    ['conversation deny list', { denyConversations: [GROUP] }, ALICE, GROUP, false, false],
    ['any: role OR admin', { any: [{ roles: ['ops'] }, 'admins'] }, ADMIN, DM_ADMIN, true, true],
    ['all: role AND group', { all: [{ roles: ['ops'] }, { groupOnly: true }] }, BOB, DM, true, false],
    ['not', { not: { accounts: [ALICE] } }, ALICE, GROUP, false, false],
    ['unknown shape fails closed', 42 as unknown as AclRule, ALICE, GROUP, false, false],
  ];
  it.each(table)('%s', (_name, rule, accountId, conversationId, isDirect, allowed) => {
    expect(evaluateAcl(rule, { accountId, conversationId, isDirect }, policy)).toBe(allowed);
  });

  it('denials reply, are logged with account id and command, and skip the handler', async () => {
    const t = await setup();
    t.bot.command('deploy', { allow: 'admins' }, () => void t.calls.push('deployed'));
    await t.run('!deploy', ATTACKER, DM_ATTACKER);
    await t.run('!deploy', ADMIN, DM_ADMIN);
    expect(t.calls).toEqual(['deployed']);
    expect(t.replies()).toEqual(['You are not allowed to run !deploy.']);
    const denial = t.deps.lines.find((l) => l.msg === 'command denied by ACL');
    expect(denial).toMatchObject({ accountId: ATTACKER, command: 'deploy', conversationId: DM_ATTACKER });
  });

  it('rejects malformed rules at registration', () => {
    expect(() => new CommandRegistry().register('x', { allow: { acounts: [ALICE] } as unknown as AclRule })).toThrow(/unknown key "acounts"/);
  });
});

describe('cooldowns (R-31)', () => {
  it('global default: 5 commands per 10 s per account, one reply per window, survives in the store', async () => {
    const t = await setup({});
    t.bot.command('ping', {}, () => void t.calls.push('pong'));
    for (let i = 0; i < 8; i++) await t.run('!ping');
    expect(t.calls).toHaveLength(5);
    expect(t.replies()).toHaveLength(1);
    expect(t.replies()[0]).toMatch(/^Slow down: at most 5 use\(s\) of commands per 10 s/);
    await t.run('!ping', BOB);
    expect(t.calls).toHaveLength(6);
    // A second bot on the same store (a restart) still sees the window.
    const again = new Composer({ registry: new CommandRegistry() });
    again.command('ping', {}, () => void t.calls.push('restarted'));
    const ctx = ctxOf(say('!ping'), t.deps);
    await again.run(ctx);
    await t.deps.store.commit({ kv: ctx.work.changes().kv });
    expect(t.calls).toHaveLength(6);
    await t.deps.clock.advance('10s');
    await t.run('!ping');
    expect(t.calls).toHaveLength(7);
  });

  it('per-command cooldown', async () => {
    const t = await setup();
    t.bot.command('standup', { cooldown: { limit: 1, windowMs: 60_000 } }, () => void t.calls.push('ran'));
    await t.run('!standup');
    await t.run('!standup');
    await t.run('!standup');
    expect(t.calls).toEqual(['ran']);
    expect(t.replies()).toEqual(['Slow down: at most 1 use(s) of !standup per 60 s. Try again shortly.']);
    await t.deps.clock.advance('61s');
    await t.run('!standup');
    expect(t.calls).toEqual(['ran', 'ran']);
  });

  it('validates cooldown options with the offending value', () => {
    expect(() => new CommandRegistry({ cooldown: { limit: 0, windowMs: 1 } })).toThrow('global cooldown: cooldown.limit must be a positive integer, got 0');
  });
});
