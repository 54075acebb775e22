/**
 * The running bot's side of `fleepkit inspect`: `GET /inspect` answers the report, `POST
 * /inspect` with `{"action":"retry"|"drop"|"cancel","id":"…"}` runs an action through the bot's
 * own outbound queue and scheduler, so a retried effect is sent at once, paced and de-duplicated
 * like any other.
 */
import type { Bot } from '../runtime/bot.js';
import type { InspectHandler } from '../runtime/http-server.js';
import type { Clock } from '../util/clock.js';
import type { ObservedClient } from './bot-metrics.js';
import { InspectActionError, collectReport, runAction } from './inspect-report.js';
import type { InspectAction, InspectTarget, LiveBot } from './inspect-report.js';

const ACTIONS: ReadonlySet<string> = new Set(['retry', 'drop', 'cancel']);

/** The `/inspect` handler of a running bot. */
export function inspectHandler(bot: Bot, client: ObservedClient, clock: Clock, url: () => string): InspectHandler {
  const startedAt = clock.now();
  const live: LiveBot = {
    get cursor() {
      return bot.cursor;
    },
    get isRunning() {
      return bot.isRunning;
    },
    poll() {
      const now = clock.now();
      // The same measure as the fleepkit_poll_lag_seconds gauge: a held poll means caught up.
      const lastAlive = Math.max(client.lastPollAnswerAt ?? startedAt, client.pollStartedAt ?? 0);
      return { lagMs: bot.isRunning ? Math.max(0, now - lastAlive) : 0, lastAnswerAt: client.lastPollAnswerAt ?? null, polling: client.pollStartedAt !== undefined };
    },
    send: (id) => bot.outbound.resent(id),
    async rerunSlots() {
      await bot.scheduler.recoverNow();
      await bot.scheduler.idle();
    },
    cancelJob: (id) => bot.scheduler.cancel(id),
  };
  const target = (): InspectTarget => ({ source: `bot ${url()}`, store: bot.store, now: () => clock.now(), live });
  return async ({ method, body }) => {
    if (method === 'GET') return { status: 200, body: await collectReport(target()) };
    const action = parseAction(body);
    if (typeof action === 'string') return { status: 400, body: { error: action } };
    try {
      return { status: 200, body: await runAction(target(), action) };
    } catch (error) {
      if (error instanceof InspectActionError) return { status: error.status, body: { error: error.message, code: error.code } };
      throw error;
    }
  };
}

/** The action of a POST body, or what is wrong with it. */
export function parseAction(body: unknown): InspectAction | string {
  const b = body as { action?: unknown; id?: unknown } | null;
  if (typeof b !== 'object' || b === null || typeof b.action !== 'string' || !ACTIONS.has(b.action)) {
    return 'expected {"action":"retry"|"drop"|"cancel","id":"…"}';
  }
  if (typeof b.id !== 'string' || b.id === '') return `"id" must be a non-empty string (a dead letter or job id from GET /inspect)`;
  return { action: b.action as InspectAction['action'], id: b.id };
}
