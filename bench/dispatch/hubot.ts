/**
 * The bench bot in Hubot 11: an in-memory adapter whose `send` answers at once. Hubot has no
 * wrapping middleware, so the three pass-through middlewares are receive middlewares (the
 * "measure time" one stamps the start time); listeners call `res.finish()` like a handled
 * command would, and the fallback is `catchAll`.
 */
import { Robot, TextMessage, User, type AdapterLike } from 'hubot';
import { COMMANDS, PEOPLE, textOf, type DispatchResult, type WorkMessage } from '../lib/workload.js';
import { drive } from './drive.js';

/** Builds the Hubot bench bot; `run` measures one pass over `messages`; `close` stops its brain timer. */
export async function hubotBench(messages: readonly WorkMessage[]): Promise<{ run: (inFlight: number) => Promise<DispatchResult>; close: () => void }> {
  process.env.HUBOT_LOG_LEVEL ??= 'silent';
  let replies = 0;
  const adapter: AdapterLike = {
    name: 'bench',
    use: () => adapter,
    send: () => Promise.resolve(++replies),
    reply: () => Promise.resolve(++replies),
    run: () => Promise.resolve(),
    close: () => undefined,
  };
  const robot = new Robot(adapter, false, 'benchbot');
  await robot.loadAdapter();
  robot.receiveMiddleware((context) => {
    context.tagged = true;
    return true;
  });
  robot.receiveMiddleware((context) => {
    context.startedAt = performance.now();
    return true;
  });
  robot.receiveMiddleware((_context) => true);
  for (let c = 0; c < COMMANDS; c++) {
    robot.hear(new RegExp(`^!cmd${c}(?:\\s|$)`), async (res) => {
      res.finish();
      await res.send(`reply ${c}`);
    });
  }
  robot.hear(/\bthanks\b/, async (res) => {
    res.finish();
    await res.send("you're welcome");
  });
  robot.hear(/TODO:/, async (res) => {
    res.finish();
    await res.send('noted');
  });
  robot.catchAll((res) => res.send('?'));
  const users = Array.from({ length: PEOPLE }, (_, p) => (room: string) => new User(`person${p}`, { name: `person${p}`, room }));
  const make = (i: number): TextMessage => {
    const m = messages[i]!;
    return new TextMessage(users[m.person % PEOPLE]!(`room${m.conversation}`), textOf(m, '!'), String(i));
  };
  return {
    // Messages are built per update: Hubot marks them `done`, so they cannot be re-used across runs.
    run: (inFlight) => drive(messages.length, inFlight, (i) => robot.receive(make(i)), () => replies),
    close: () => robot.shutdown(),
  };
}
