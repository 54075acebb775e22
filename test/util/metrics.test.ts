import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/util/metrics.js';

describe('createMetrics', () => {
  it('exposes every handle in the Prometheus text after updates', async () => {
    const m = createMetrics();
    m.pollLag.set(1.5);
    m.cursor.set(4242);
    m.eventsHandled.inc({ type: 'message.new', outcome: 'handled' });
    m.eventsHandled.inc({ type: 'message.new', outcome: 'handled' });
    m.handlerLatency.observe({ plugin: 'tasks' }, 0.2);
    m.outboundDepth.set(7);
    m.outboundOldestAge.set(3);
    m.outbound429s.inc();
    m.retries.inc(2);
    m.deadLetters.inc({ kind: 'outbound' });
    m.schedulerDrift.observe(0.03);
    m.pluginErrors.inc({ plugin: 'standup' });
    const text = await m.registry.metrics();
    expect(text).toContain('fleepkit_poll_lag_seconds 1.5');
    expect(text).toContain('fleepkit_cursor_horizon 4242');
    expect(text).toContain('fleepkit_events_handled_total{type="message.new",outcome="handled"} 2');
    expect(text).toContain('fleepkit_handler_duration_seconds_bucket{le="0.25",plugin="tasks"} 1');
    expect(text).toContain('fleepkit_handler_duration_seconds_count{plugin="tasks"} 1');
    expect(text).toContain('fleepkit_outbound_queue_depth 7');
    expect(text).toContain('fleepkit_outbound_oldest_age_seconds 3');
    expect(text).toContain('fleepkit_outbound_rate_limited_total 1');
    expect(text).toContain('fleepkit_retries_total 2');
    expect(text).toContain('fleepkit_dead_letters_total{kind="outbound"} 1');
    expect(text).toContain('fleepkit_scheduler_drift_seconds_bucket{le="0.05"} 1');
    expect(text).toContain('fleepkit_plugin_errors_total{plugin="standup"} 1');
  });

  it('gives each instance its own registry (no collisions, no shared values)', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.retries.inc(5);
    expect(await b.registry.metrics()).toContain('fleepkit_retries_total 0');
    expect(a.registry).not.toBe(b.registry);
  });

  it('honours prefix, default labels and optional process metrics', async () => {
    const m = createMetrics({ prefix: 'mybot_', labels: { bot: 'x' }, defaultMetrics: true });
    m.outbound429s.inc();
    const text = await m.registry.metrics();
    expect(text).toContain('mybot_outbound_rate_limited_total{bot="x"} 1');
    expect(text).toContain('mybot_process_cpu_user_seconds_total');
    expect(text).not.toContain('fleepkit_');
  });
});
