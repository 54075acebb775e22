/** A plugin's log lines through ctx.logger carry the event id, the conversation and the plugin's name. */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, definePlugin } from 'fleepkit';
import { createTestBot, type TestBot } from 'fleepkit/testing';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('ctx.logger', () => {
  it('ties each plugin line to its event, conversation and plugin', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({ level: 'info', pretty: false, destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } });
    const noter = definePlugin({
      name: 'noter',
      setup(bot) {
        bot.on('message.new', async (ctx, next) => {
          ctx.logger.info({ words: ctx.text.split(' ').length }, 'noted');
          await next();
        });
      },
    });
    t = await createTestBot({ plugins: [noter], logger });
    const nr = await t.say('alice', 'Team', 'three little words');
    await t.idle();
    const team = await t.conversation('Team');
    const noted = lines.filter((l) => l.msg === 'noted');
    expect(noted).toHaveLength(1);
    expect(noted[0]).toMatchObject({ plugin: 'noter', conversationId: team, words: 3 });
    expect(String(noted[0]!.eventId)).toContain(team);
    expect(String(noted[0]!.eventId)).toContain(String(nr));
  });
});
