/**
 * The floor: a plain async loop over the same functions (3 pass-through middlewares, 20
 * commands looked up in a Map, 2 regexes, a fallback), each awaiting a reply stub.
 */
import { COMMANDS, textOf, type DispatchResult, type WorkMessage } from '../lib/workload.js';
import { drive } from './drive.js';

interface RawContext {
  text: string;
  chat: number;
  tagged?: boolean;
  elapsedMs?: number;
}

/** Builds the raw loop; `run` measures one pass over `messages`. */
export function rawBench(messages: readonly WorkMessage[]): { run: (inFlight: number) => Promise<DispatchResult> } {
  let replies = 0;
  const send = (_chat: number, _text: string): Promise<number> => Promise.resolve(++replies);
  const commands = new Map<string, (ctx: RawContext) => Promise<unknown>>();
  for (let c = 0; c < COMMANDS; c++) commands.set(`cmd${c}`, (ctx) => send(ctx.chat, `reply ${c}`));
  const thanks = /\bthanks\b/;
  const todo = /TODO:/;
  const route = async (ctx: RawContext): Promise<void> => {
    if (ctx.text.startsWith('!')) {
      const space = ctx.text.indexOf(' ');
      const handler = commands.get(ctx.text.slice(1, space < 0 ? undefined : space));
      if (handler) {
        await handler(ctx);
        return;
      }
    }
    if (thanks.test(ctx.text)) await send(ctx.chat, "you're welcome");
    else if (todo.test(ctx.text)) await send(ctx.chat, 'noted');
    else await send(ctx.chat, '?');
  };
  const handle = async (ctx: RawContext): Promise<void> => {
    ctx.tagged = true;
    const t = performance.now();
    await route(ctx);
    ctx.elapsedMs = performance.now() - t;
  };
  const texts = messages.map((m) => textOf(m, '!'));
  return { run: (inFlight) => drive(messages.length, inFlight, (i) => handle({ text: texts[i]!, chat: messages[i]!.conversation }), () => replies) };
}
