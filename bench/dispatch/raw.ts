/**
 * The raw loop: a plain async loop over the same functions (3 pass-through middlewares, 20
 * commands looked up in a Map, 2 regexes, a fallback), each awaiting a reply stub.
 */
import { COMMANDS, textOf, type DispatchResult, type WorkMessage } from '../lib/workload.js';
import { drive } from './drive.js';

/** What the raw handlers see of a message. */
export interface RawContext {
  text: string;
  chat: number;
  tagged?: boolean;
  elapsedMs?: number;
}

/** Sends one reply; resolves when it is sent. */
export type RawSend = (ctx: RawContext, text: string) => Promise<unknown>;

/** The bench bot as plain functions: each message gets exactly one reply through `send`. */
export function rawBot(send: RawSend): (ctx: RawContext) => Promise<void> {
  const commands = new Map<string, (ctx: RawContext) => Promise<unknown>>();
  for (let c = 0; c < COMMANDS; c++) commands.set(`cmd${c}`, (ctx) => send(ctx, `reply ${c}`));
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
    if (thanks.test(ctx.text)) await send(ctx, "you're welcome");
    else if (todo.test(ctx.text)) await send(ctx, 'noted');
    else await send(ctx, '?');
  };
  return async (ctx) => {
    ctx.tagged = true;
    const t = performance.now();
    await route(ctx);
    ctx.elapsedMs = performance.now() - t;
  };
}

/** Builds the raw loop; `run` measures one pass over `messages`. */
export function rawBench(messages: readonly WorkMessage[]): { run: (inFlight: number) => Promise<DispatchResult> } {
  let replies = 0;
  const handle = rawBot(() => Promise.resolve(++replies));
  const texts = messages.map((m) => textOf(m, '!'));
  return { run: (inFlight) => drive(messages.length, inFlight, (i) => handle({ text: texts[i]!, chat: messages[i]!.conversation }), () => replies) };
}
