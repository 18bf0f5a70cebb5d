import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { register as globalRegistry } from 'prom-client';
import { PrometheusMetrics, noopMetrics } from '../src/metrics.js';
import { createHttpServer } from '../src/server.js';
import { silentLogger } from '../src/log.js';

/** Returns the value of one sample line, such as `keyhunt_polls_total{outcome="complete"}`. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

describe('PrometheusMetrics', () => {
  test('known series start at zero', async () => {
    const text = await new PrometheusMetrics().render();
    expect(sample(text, 'keyhunt_polls_total{outcome="complete"}')).toBe(0);
    expect(sample(text, 'keyhunt_polls_total{outcome="incomplete"}')).toBe(0);
    expect(sample(text, 'keyhunt_polls_total{outcome="failed"}')).toBe(0);
    expect(sample(text, 'keyhunt_findings_total{severity="critical"}')).toBe(0);
    expect(sample(text, 'keyhunt_post_failures_total{platform="teams"}')).toBe(0);
    expect(sample(text, 'keyhunt_lookup_events_requests_total')).toBe(0);
  });

  test('counts polls, lookups, events and findings', async () => {
    const metrics = new PrometheusMetrics();
    metrics.pollCompleted('complete', 1500);
    metrics.pollCompleted('complete', 200);
    metrics.pollCompleted('incomplete', 65_000);
    metrics.lookupCall(false);
    metrics.lookupCall(true);
    metrics.lookupCall(false);
    metrics.eventsRead(42);
    metrics.eventsRead(0);
    metrics.findingsDetected('high');
    metrics.findingsDetected('low', 3);
    const text = await metrics.render();

    expect(sample(text, 'keyhunt_polls_total{outcome="complete"}')).toBe(2);
    expect(sample(text, 'keyhunt_polls_total{outcome="incomplete"}')).toBe(1);
    expect(sample(text, 'keyhunt_lookup_events_requests_total')).toBe(3);
    expect(sample(text, 'keyhunt_lookup_events_throttles_total')).toBe(1);
    expect(sample(text, 'keyhunt_events_read_total')).toBe(42);
    expect(sample(text, 'keyhunt_findings_total{severity="high"}')).toBe(1);
    expect(sample(text, 'keyhunt_findings_total{severity="low"}')).toBe(3);
    expect(sample(text, 'keyhunt_findings_total{severity="medium"}')).toBe(0);
  });

  test('poll duration histogram in seconds', async () => {
    const metrics = new PrometheusMetrics();
    metrics.pollCompleted('complete', 1500);
    metrics.pollCompleted('complete', 200);
    const text = await metrics.render();
    expect(sample(text, 'keyhunt_poll_duration_seconds_count{outcome="complete"}')).toBe(2);
    expect(sample(text, 'keyhunt_poll_duration_seconds_sum{outcome="complete"}')).toBeCloseTo(1.7);
    expect(sample(text, 'keyhunt_poll_duration_seconds_bucket{le="0.25",outcome="complete"}')).toBe(1);
    expect(sample(text, 'keyhunt_poll_duration_seconds_bucket{le="2.5",outcome="complete"}')).toBe(2);
  });

  test('triage actions by action and platform', async () => {
    const metrics = new PrometheusMetrics();
    metrics.triageAction('acknowledge', 'slack');
    metrics.triageAction('acknowledge', 'slack');
    metrics.triageAction('resolve', 'teams');
    const text = await metrics.render();
    expect(sample(text, 'keyhunt_triage_actions_total{action="acknowledge",platform="slack"}')).toBe(2);
    expect(sample(text, 'keyhunt_triage_actions_total{action="resolve",platform="teams"}')).toBe(1);
  });

  test('post outcomes and the last post', async () => {
    const at = new Date('2025-01-02T03:04:05Z');
    const metrics = new PrometheusMetrics({ now: () => at });
    expect(metrics.lastPost('slack')).toBeNull();
    metrics.postSucceeded('slack');
    metrics.postFailed('slack');
    metrics.postFailed('slack');
    const text = await metrics.render();
    expect(sample(text, 'keyhunt_chat_posts_total{platform="slack"}')).toBe(1);
    expect(sample(text, 'keyhunt_post_failures_total{platform="slack"}')).toBe(2);
    expect(metrics.lastPost('slack')).toEqual({ ok: false, at });
    expect(metrics.lastPost('teams')).toBeNull();
  });

  test('store gauges read the snapshot at scrape time', async () => {
    const metrics = new PrometheusMetrics();
    let bytes = 100;
    metrics.observeStore(() => ({
      bytes,
      findingsByState: { open: 2, acknowledged: 1, escalated: 0, resolved: 5 },
      lastPollSuccessAt: '2025-01-02T03:04:05.000Z',
    }));
    expect(sample(await metrics.render(), 'keyhunt_store_size_bytes')).toBe(100);
    bytes = 2048;
    const text = await metrics.render();
    expect(sample(text, 'keyhunt_store_size_bytes')).toBe(2048);
    expect(sample(text, 'keyhunt_store_findings{state="open"}')).toBe(2);
    expect(sample(text, 'keyhunt_store_findings{state="resolved"}')).toBe(5);
    expect(sample(text, 'keyhunt_last_poll_success_timestamp_seconds')).toBe(
      Date.parse('2025-01-02T03:04:05Z') / 1000,
    );
  });

  test('two instances do not share counters', async () => {
    const first = new PrometheusMetrics();
    const second = new PrometheusMetrics();
    first.lookupCall(false);
    expect(sample(await second.render(), 'keyhunt_lookup_events_requests_total')).toBe(0);
  });

  test('global registry stays empty', async () => {
    new PrometheusMetrics().lookupCall(false);
    expect(await globalRegistry.metrics()).not.toContain('keyhunt_');
  });

  test('process metrics on request', async () => {
    const text = await new PrometheusMetrics({ processMetrics: true }).render();
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  test('noop metrics accept every call', () => {
    expect(() => {
      noopMetrics.pollCompleted('failed', 1);
      noopMetrics.lookupCall(true);
      noopMetrics.eventsRead(1);
      noopMetrics.findingsDetected('critical');
      noopMetrics.triageAction('escalate', 'cli');
      noopMetrics.postSucceeded('teams');
      noopMetrics.postFailed('teams');
    }).not.toThrow();
  });
});

describe('GET /metrics', () => {
  let server: Server;
  let base: string;
  const metrics = new PrometheusMetrics();

  beforeAll(async () => {
    server = createHttpServer([metrics.route()], silentLogger());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  });

  test('serves the Prometheus text format', async () => {
    metrics.pollCompleted('failed', 10);
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toContain('# TYPE keyhunt_polls_total counter');
    expect(sample(text, 'keyhunt_polls_total{outcome="failed"}')).toBe(1);
  });
});
