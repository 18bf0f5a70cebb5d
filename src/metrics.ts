/**
 * Prometheus metrics for `GET /metrics`. The poller, the CloudTrail source, the chat modules and main report
 * through the `Metrics` interface, so none of them imports prom-client. `noopMetrics` is for tests and
 * commands without a server. The metrics live in their own Registry, not in prom-client's global one.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Severity } from './detect/types.js';
import type { Platform, TriageAction, TriageState } from './pipeline/ports.js';
import type { HttpRoute } from './server.js';

export type PollOutcome = 'complete' | 'incomplete' | 'failed';
export type ChatPlatform = 'slack' | 'teams';

/** Events the rest of keyhunt reports. The methods only update in-memory counters. */
export interface Metrics {
  /** One poll run ended; `incomplete` means part of the window could not be read and the cursor stayed. */
  pollCompleted(outcome: PollOutcome, durationMs: number): void;
  /** LookupEvents requests that got a response (`count`, 1 by default); `throttled` for ThrottlingException. */
  lookupCall(throttled: boolean, count?: number): void;
  /** CloudTrail events read by a poll, before filtering and deduplication. */
  eventsRead(count: number): void;
  /** New findings stored by a poll. */
  findingsDetected(severity: Severity, count?: number): void;
  triageAction(action: TriageAction, platform: Platform): void;
  /** A finding or summary was posted or updated in chat. */
  postSucceeded(platform: ChatPlatform): void;
  postFailed(platform: ChatPlatform): void;
}

/** Metrics that discard everything. */
export const noopMetrics: Metrics = {
  pollCompleted: () => undefined,
  lookupCall: () => undefined,
  eventsRead: () => undefined,
  findingsDetected: () => undefined,
  triageAction: () => undefined,
  postSucceeded: () => undefined,
  postFailed: () => undefined,
};

/** The store's size and contents at scrape time. */
export interface StoreSnapshot {
  bytes: number;
  findingsByState: Record<TriageState, number>;
  /** ISO time of the last complete poll, or null before the first one. */
  lastPollSuccessAt: string | null;
}

/** The last chat post attempt on one platform, which the readiness check reads. */
export interface PostStatus {
  ok: boolean;
  at: Date;
}

const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];
const POLL_OUTCOMES: readonly PollOutcome[] = ['complete', 'incomplete', 'failed'];
const TRIAGE_STATES: readonly TriageState[] = ['open', 'acknowledged', 'escalated', 'resolved'];
/** Poll durations in seconds: a quiet window takes well under a second, a throttled one minutes. */
const POLL_DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export interface PrometheusMetricsOptions {
  /** Adds prom-client's process metrics (CPU, memory, event loop lag) to the registry. */
  processMetrics?: boolean;
  now?: () => Date;
}

export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  readonly #now: () => Date;
  readonly #lastPost = new Map<ChatPlatform, PostStatus>();
  #storeSnapshot: (() => StoreSnapshot) | null = null;

  readonly #polls: Counter<'outcome'>;
  readonly #pollDuration: Histogram<'outcome'>;
  readonly #lookupCalls: Counter;
  readonly #lookupThrottles: Counter;
  readonly #eventsRead: Counter;
  readonly #findings: Counter<'severity'>;
  readonly #triageActions: Counter<'action' | 'platform'>;
  readonly #posts: Counter<'platform'>;
  readonly #postFailures: Counter<'platform'>;

  constructor(options: PrometheusMetricsOptions = {}) {
    this.#now = options.now ?? (() => new Date());
    const registers = [this.registry];
    this.#polls = new Counter({
      name: 'keyhunt_polls_total',
      help: 'Poll runs by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.#pollDuration = new Histogram({
      name: 'keyhunt_poll_duration_seconds',
      help: 'Duration of poll runs in seconds, by outcome',
      labelNames: ['outcome'],
      buckets: POLL_DURATION_BUCKETS,
      registers,
    });
    this.#lookupCalls = new Counter({
      name: 'keyhunt_lookup_events_requests_total',
      help: 'CloudTrail LookupEvents requests that got a response, throttled ones included',
      registers,
    });
    this.#lookupThrottles = new Counter({
      name: 'keyhunt_lookup_events_throttles_total',
      help: 'LookupEvents requests rejected with ThrottlingException',
      registers,
    });
    this.#eventsRead = new Counter({
      name: 'keyhunt_events_read_total',
      help: 'CloudTrail events read by polls',
      registers,
    });
    this.#findings = new Counter({
      name: 'keyhunt_findings_total',
      help: 'New findings stored by polls, by severity',
      labelNames: ['severity'],
      registers,
    });
    this.#triageActions = new Counter({
      name: 'keyhunt_triage_actions_total',
      help: 'Triage actions applied, by action and platform',
      labelNames: ['action', 'platform'],
      registers,
    });
    this.#posts = new Counter({
      name: 'keyhunt_chat_posts_total',
      help: 'Chat posts and message updates that succeeded, by platform',
      labelNames: ['platform'],
      registers,
    });
    this.#postFailures = new Counter({
      name: 'keyhunt_post_failures_total',
      help: 'Chat posts and message updates that failed, by platform',
      labelNames: ['platform'],
      registers,
    });
    this.#registerStoreGauges(registers);

    // Known label values start at 0, so dashboards and alerts see the series before the first event.
    for (const outcome of POLL_OUTCOMES) this.#polls.inc({ outcome }, 0);
    for (const severity of SEVERITIES) this.#findings.inc({ severity }, 0);
    for (const platform of ['slack', 'teams'] as const) {
      this.#posts.inc({ platform }, 0);
      this.#postFailures.inc({ platform }, 0);
    }
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Sets the function that reads the store at scrape time for the store gauges. */
  observeStore(snapshot: () => StoreSnapshot): void {
    this.#storeSnapshot = snapshot;
  }

  pollCompleted(outcome: PollOutcome, durationMs: number): void {
    this.#polls.inc({ outcome });
    this.#pollDuration.observe({ outcome }, Math.max(0, durationMs) / 1000);
  }

  lookupCall(throttled: boolean, count = 1): void {
    if (count <= 0) return;
    this.#lookupCalls.inc(count);
    if (throttled) this.#lookupThrottles.inc(count);
  }

  eventsRead(count: number): void {
    if (count > 0) this.#eventsRead.inc(count);
  }

  findingsDetected(severity: Severity, count = 1): void {
    if (count > 0) this.#findings.inc({ severity }, count);
  }

  triageAction(action: TriageAction, platform: Platform): void {
    this.#triageActions.inc({ action, platform });
  }

  postSucceeded(platform: ChatPlatform): void {
    this.#posts.inc({ platform });
    this.#lastPost.set(platform, { ok: true, at: this.#now() });
  }

  postFailed(platform: ChatPlatform): void {
    this.#postFailures.inc({ platform });
    this.#lastPost.set(platform, { ok: false, at: this.#now() });
  }

  /** Returns the last post attempt on a platform, or null when nothing was posted since start. */
  lastPost(platform: ChatPlatform): PostStatus | null {
    return this.#lastPost.get(platform) ?? null;
  }

  /** Renders every metric in the Prometheus text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Returns the `GET /metrics` route. */
  route(): HttpRoute {
    return {
      method: 'GET',
      path: '/metrics',
      handler: async (_req, res) => {
        const body = await this.render();
        res.writeHead(200, { 'content-type': this.registry.contentType }).end(body);
      },
    };
  }

  #registerStoreGauges(registers: Registry[]): void {
    const snapshot = () => this.#storeSnapshot?.() ?? null;
    new Gauge({
      name: 'keyhunt_store_size_bytes',
      help: 'Size of the store file in bytes',
      registers,
      collect() {
        const current = snapshot();
        if (current) this.set(current.bytes);
      },
    });
    new Gauge({
      name: 'keyhunt_store_findings',
      help: 'Findings in the store, by triage state',
      labelNames: ['state'],
      registers,
      collect() {
        const current = snapshot();
        if (!current) return;
        for (const state of TRIAGE_STATES) this.set({ state }, current.findingsByState[state]);
      },
    });
    new Gauge({
      name: 'keyhunt_last_poll_success_timestamp_seconds',
      help: 'Unix time of the last complete poll; 0 before the first one',
      registers,
      collect() {
        const current = snapshot();
        if (!current) return;
        this.set(current.lastPollSuccessAt ? Date.parse(current.lastPollSuccessAt) / 1000 : 0);
      },
    });
  }
}
