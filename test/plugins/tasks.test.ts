import { afterEach, describe, expect, it } from 'vitest';
import tasks from '../../plugins/tasks/index.js';
import { createTestBot, type TestBot } from 'fleepkit/testing';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const msgOf = async (tb: TestBot, conv: string, nr: number) => (await tb.messages(conv)).find((m) => m.nr === nr);

describe('tasks: demo rule', () => {
  it('turns "TODO: fix the build @bob" in Team into a task assigned to bob', async () => {
    t = await createTestBot({ plugins: [tasks] });
    const nr = await t.say('alice', 'Team', 'TODO: fix the build @bob');
    const plain = await t.say('carol', 'Team', 'lunch at noon?');
    await t.idle();
    const m = await msgOf(t, 'Team', nr);
    expect(m?.isTask).toBe(true);
    expect(m?.assignees).toEqual(['bob']);
    expect((await msgOf(t, 'Team', plain))?.isTask).toBe(false);
  });
});
