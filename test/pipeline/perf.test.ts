import { describe, expect, it } from 'vitest';
import { Context } from '../../src/pipeline/context.js';
import { definePlugin } from '../../src/pipeline/plugin.js';
import { loadPlugins } from '../../src/pipeline/plugin-host.js';
import { captureLogger, makeDeps, say } from './helpers.js';

// The cost per message is measured in bench/micro.ts; this checks what that benchmark relies on.
describe('plain messages through three plugins', () => {
  it('reach no handler when no command, pattern or event matches', async () => {
    const { logger } = captureLogger();
    let hits = 0;
    const a = definePlugin({ name: 'a', setup: (bot) => void bot.command('deploy', {}, () => void hits++) });
    const b = definePlugin({ name: 'b', setup: (bot) => void bot.hears(/^ping$/, () => void hits++) });
    const c = definePlugin({ name: 'c', setup: (bot) => void bot.on('task', () => void hits++).on('message.pinned', () => void hits++) });
    const host = await loadPlugins([a, b, c], {}, { logger });
    host.seal();
    const deps = makeDeps();
    await deps.store.open();
    for (let i = 0; i < 2_000; i++) await host.handle(new Context(say(`just chatting ${i}`), deps));
    expect(hits).toBe(0);
    expect(deps.effects).toEqual([]);
    // The same host does answer a match, so "no hits" above is not a dead pipeline.
    expect(await host.handle(new Context(say('!deploy'), deps))).toEqual({ ok: true, errors: [] });
    expect(await host.handle(new Context(say('ping'), deps))).toEqual({ ok: true, errors: [] });
    expect(hits).toBe(2);
  });
});
