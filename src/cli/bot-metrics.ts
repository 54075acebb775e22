/**
 * Wires a {@link Bot}'s public surface into Prometheus metrics and a readiness probe: events by
 * type (the `event` event), handler latency (a global middleware), the cursor, outbound and
 * scheduler counters (read on each scrape), and poll lag (an observed client).
 */
import { FleepClient } from '../api/client.js';
import type { FleepClientOptions } from '../api/options.js';
import type { PollResponse } from '../api/records.js';
import type { PollOptions } from '../api/types.js';
import type { EventEmitter } from 'eventemitter3';
import type { BotEvents, BotStats } from '../runtime/bot.js';
import type { Readiness } from '../runtime/http-server.js';
import type { Clock } from '../util/clock.js';
import type { Metrics } from '../util/metrics.js';

/** A poll that has not answered after this long means the poller is stuck (hold is ~90 s). */
const STUCK_POLL_MS = 180_000;

/**
 * A {@link FleepClient} that remembers when `account/poll` last started and answered, so poll
 * lag can be measured without reaching into the runtime.
 */
export class ObservedClient extends FleepClient {
  /** When the last poll answered (ms), or `undefined` before the first. */
  lastPollAnswerAt: number | undefined;
  /** When the poll now in flight started (ms), or `undefined` when none is. */
  pollStartedAt: number | undefined;
  private readonly now: () => number;

  /** @param options the client options; `clock` is used for timestamps too. */
  constructor(options: FleepClientOptions & { clock: Clock }) {
    super(options);
    this.now = () => options.clock.now();
  }

  /** `account/poll`, timed. */
  override async poll(eventHorizon: number, options: PollOptions = {}): Promise<PollResponse> {
    this.pollStartedAt = this.now();
    try {
      const answer = await super.poll(eventHorizon, options);
      this.lastPollAnswerAt = this.now();
      return answer;
    } finally {
      this.pollStartedAt = undefined;
    }
  }
}

/** What {@link instrumentBot} returns. */
export interface BotInstrumentation {
  /** Updates the scrape-time gauges and counters, then renders the registry. */
  render(): Promise<string>;
  /** The readiness verdict for `/readyz`. */
  readiness(): Readiness;
}

/** What metrics need of a bot: its events and its counters, nothing of its insides. */
export interface ObservableBot {
  readonly events: Pick<EventEmitter<BotEvents>, 'on'>;
  stats(): BotStats;
}

/** Hooks metrics into a bot (before `start()`, so that no event goes uncounted). */
export function instrumentBot(bot: ObservableBot, client: ObservedClient, metrics: Metrics, clock: Clock): BotInstrumentation {
  bot.events.on('event', (event) => metrics.eventAttempts.inc({ type: event.type }));
  bot.events.on('settled', ({ event, outcome }) => metrics.eventsHandled.inc({ type: event.type, outcome }));
  bot.events.on('handled', ({ durationMs }) => metrics.handlerLatency.observe({ plugin: 'all' }, durationMs / 1000));

  // Monotonic sources are turned into counter increments by remembering what was seen.
  const seen = { retries: 0, rateLimited: 0, outboundDead: 0, jobsDead: 0, eventsDead: 0, fired: 0, pluginErrors: new Map<string, number>() };
  const startedAt = clock.now();

  const update = (): void => {
    const now = clock.now();
    const stats = bot.stats();
    const lastAlive = Math.max(client.lastPollAnswerAt ?? startedAt, client.pollStartedAt ?? 0);
    metrics.pollLag.set(stats.running ? Math.max(0, now - lastAlive) / 1000 : 0);
    metrics.cursor.set(stats.cursor);

    const out = stats.outbound;
    metrics.outboundDepth.set(out.depth);
    metrics.outboundOldestAge.set(out.oldestAgeMs / 1000);
    metrics.retries.inc(Math.max(0, out.retries - seen.retries));
    metrics.outbound429s.inc(Math.max(0, out.rateLimited - seen.rateLimited));
    metrics.deadLetters.inc({ kind: 'outbound' }, Math.max(0, out.deadLetters - seen.outboundDead));
    Object.assign(seen, { retries: out.retries, rateLimited: out.rateLimited, outboundDead: out.deadLetters });

    metrics.deadLetters.inc({ kind: 'event' }, Math.max(0, stats.eventDeadLetters - seen.eventsDead));
    seen.eventsDead = stats.eventDeadLetters;

    const sched = stats.scheduler;
    metrics.deadLetters.inc({ kind: 'job' }, Math.max(0, sched.abandoned - seen.jobsDead));
    seen.jobsDead = sched.abandoned;
    const fresh = Math.min(Math.max(0, sched.fired - seen.fired), sched.driftMs.length);
    for (const ms of sched.driftMs.slice(sched.driftMs.length - fresh)) metrics.schedulerDrift.observe(ms / 1000);
    seen.fired = sched.fired;

    for (const [plugin, counters] of Object.entries(stats.plugins)) {
      const name = plugin === '' ? 'global' : plugin;
      metrics.pluginErrors.inc({ plugin: name }, Math.max(0, counters.errors - (seen.pluginErrors.get(name) ?? 0)));
      seen.pluginErrors.set(name, counters.errors);
    }
  };

  return {
    async render() {
      update();
      return metrics.registry.metrics();
    },
    readiness() {
      const { running, cursor } = bot.stats();
      if (!running) return { ready: false, reason: 'the bot is not running (starting, stopping or stopped)' };
      if (!client.isLoggedIn) return { ready: false, reason: 'not logged in to Fleep' };
      const now = clock.now();
      if (client.pollStartedAt !== undefined && now - client.pollStartedAt > STUCK_POLL_MS) {
        return { ready: false, reason: `account/poll has not answered for ${Math.round((now - client.pollStartedAt) / 1000)} s` };
      }
      if (client.pollStartedAt === undefined && now - (client.lastPollAnswerAt ?? now) > STUCK_POLL_MS) {
        return { ready: false, reason: 'not polling: the last poll answered long ago and none is in flight (retrying after errors?)' };
      }
      return { ready: true, reason: `polling from horizon ${cursor}` };
    },
  };
}
