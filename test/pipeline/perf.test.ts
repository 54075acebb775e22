import { describe, expect, it } from 'vitest';
import { Context } from '../../src/pipeline/context.js';
import { definePlugin } from '../../src/pipeline/plugin.js';
import { loadPlugins } from '../../src/pipeline/plugin-host.js';
import { captureLogger, makeDeps, say } from './helpers.js';

describe('pipeline cost per message', () => {
  it('stays within a few µs per plain message through three plugins', async () => {
    const { logger } = captureLogger();
    let hits = 0;
    const a = definePlugin({ name: 'a', setup: (bot) => void bot.command('deploy', {}, () => void hits++) });
    const b = definePlugin({ name: 'b', setup: (bot) => void bot.hears(/^ping$/, () => void hits++) });
    const c = definePlugin({ name: 'c', setup: (bot) => void bot.on('task', () => void hits++).on('message.pinned', () => void hits++) });
    const host = await loadPlugins([a, b, c], {}, { logger });
    host.seal();
    const deps = makeDeps();
    const events = Array.from({ length: 20_000 }, (_, i) => say(`just chatting ${i}`));
    for (const e of events.slice(0, 2000)) await host.handle(new Context(e, deps));
    const t0 = performance.now();
    for (const e of events) await host.handle(new Context(e, deps));
    const us = ((performance.now() - t0) * 1000) / events.length;
    console.log(`pipeline: ${us.toFixed(2)} µs per message (3 plugins, no match)`);
    expect(hits).toBe(0);
    expect(us).toBeLessThan(50);
  });
});
