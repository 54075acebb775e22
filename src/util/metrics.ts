/**
 * Prometheus metrics (prom-client) on a registry of their own, so several bots in one process
 * and parallel tests never collide on prom-client's global default registry.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Options of {@link createMetrics}.
 * @example createMetrics({ prefix: 'mybot_', defaultMetrics: true })
 */
export interface MetricsOptions {
  /** Prepended to every metric name. @default 'fleepkit_' */
  prefix?: string;
  /** Also collect Node process metrics (CPU, memory, event-loop lag) on this registry. @default false */
  defaultMetrics?: boolean;
  /** Labels added to every series, e.g. `{ bot: 'standup' }`. @default {} */
  labels?: Record<string, string>;
}

/** The typed metric handles of one bot. Names below assume the default `fleepkit_` prefix. */
export interface Metrics {
  /** The registry holding every metric below; serve `await registry.metrics()` at `/metrics`. */
  readonly registry: Registry;
  /** `fleepkit_poll_lag_seconds`: time since the last successful `account/poll` answer. */
  readonly pollLag: Gauge;
  /** `fleepkit_cursor_horizon`: the durable event horizon (low-water mark). */
  readonly cursor: Gauge;
  /** `fleepkit_events_handled_total{type,outcome}`: events done with (`handled` or `dead-lettered`), each once however often it was attempted. */
  readonly eventsHandled: Counter<'type' | 'outcome'>;
  /** `fleepkit_event_attempts_total{type}`: attempts at handling events (a retried event counts once per attempt). */
  readonly eventAttempts: Counter<'type'>;
  /** `fleepkit_handler_duration_seconds{plugin}`: handler run time. */
  readonly handlerLatency: Histogram<'plugin'>;
  /** `fleepkit_outbound_queue_depth`: outbox entries not yet accepted by Fleep. */
  readonly outboundDepth: Gauge;
  /** `fleepkit_outbound_oldest_age_seconds`: age of the oldest pending outbox entry. */
  readonly outboundOldestAge: Gauge;
  /** `fleepkit_outbound_rate_limited_total`: 429 answers received. */
  readonly outbound429s: Counter;
  /** `fleepkit_retries_total`: requests retried after 5xx / network failures. */
  readonly retries: Counter;
  /** `fleepkit_dead_letters_total{kind}`: entries moved to the dead-letter table (`event`, `outbound`, `job`…). */
  readonly deadLetters: Counter<'kind'>;
  /** `fleepkit_scheduler_drift_seconds`: how late a scheduled slot fired. */
  readonly schedulerDrift: Histogram;
  /** `fleepkit_plugin_errors_total{plugin}`: errors thrown or rejected by plugins. */
  readonly pluginErrors: Counter<'plugin'>;
}

/**
 * Creates a fresh registry with fleepkit's metrics.
 * @example
 * const metrics = createMetrics();
 * metrics.eventsHandled.inc({ type: 'message.new', outcome: 'handled' });
 * res.end(await metrics.registry.metrics());
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const p = options.prefix ?? 'fleepkit_';
  const registry = new Registry();
  if (options.labels) registry.setDefaultLabels(options.labels);
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: p });
  const registers = [registry];
  return {
    registry,
    pollLag: new Gauge({ name: `${p}poll_lag_seconds`, help: 'Seconds since the last successful poll answer', registers }),
    cursor: new Gauge({ name: `${p}cursor_horizon`, help: 'Durable event horizon (low-water mark)', registers }),
    eventsHandled: new Counter({
      name: `${p}events_handled_total`,
      help: 'Events done with, once each however often attempted, by event type and outcome (handled, dead-lettered)',
      labelNames: ['type', 'outcome'] as const,
      registers,
    }),
    eventAttempts: new Counter({
      name: `${p}event_attempts_total`,
      help: 'Attempts at handling events, by event type (a retried event counts once per attempt)',
      labelNames: ['type'] as const,
      registers,
    }),
    handlerLatency: new Histogram({
      name: `${p}handler_duration_seconds`,
      help: 'Handler run time in seconds',
      labelNames: ['plugin'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    outboundDepth: new Gauge({ name: `${p}outbound_queue_depth`, help: 'Outbox entries pending', registers }),
    outboundOldestAge: new Gauge({
      name: `${p}outbound_oldest_age_seconds`,
      help: 'Age in seconds of the oldest pending outbox entry',
      registers,
    }),
    outbound429s: new Counter({ name: `${p}outbound_rate_limited_total`, help: '429 answers received', registers }),
    retries: new Counter({ name: `${p}retries_total`, help: 'Requests retried after 5xx or network failures', registers }),
    deadLetters: new Counter({
      name: `${p}dead_letters_total`,
      help: 'Entries moved to the dead-letter table, by kind',
      labelNames: ['kind'] as const,
      registers,
    }),
    schedulerDrift: new Histogram({
      name: `${p}scheduler_drift_seconds`,
      help: 'Seconds between a slot and its firing',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 3600],
      registers,
    }),
    pluginErrors: new Counter({
      name: `${p}plugin_errors_total`,
      help: 'Errors thrown or rejected by plugins',
      labelNames: ['plugin'] as const,
      registers,
    }),
  };
}
