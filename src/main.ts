/**
 * The composition root of `keyhunt serve`: builds the store, the CloudTrail client and source, Slack and
 * Teams, the poll and daily summary jobs, the metrics and the one HTTP server, and stops them in order.
 */
import { statSync } from 'node:fs';
import type { Server } from 'node:http';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { Logger } from 'pino';
import { configWarnings, describeConfig, type Config } from './config.js';
import { createHealthRoutes, pollMaxAgeMs, pollRecencyCheck, storeOpenCheck } from './health.js';
import { PrometheusMetrics } from './metrics.js';
import type { KeyEventSource } from './pipeline/ports.js';
import { createDailySummaryJob, type DailySummaryJob } from './pipeline/summary.js';
import { scheduleJob as scheduleCronJob, type ScheduleJobOptions } from './schedule/scheduler.js';
import { createHttpServer } from './server.js';
import { createChatPlatforms, type ChatPlatforms } from './serve/chat.js';
import { DryRunNotifier } from './serve/dry-run.js';
import { closeServer, gatedStore, listen, settlesWithin, ShutdownGate } from './serve/lifecycle.js';
import { createPollJob, type PollJob } from './serve/poll-job.js';
import { LookupEventsSource } from './sources/lookup-events.js';
import { createLookupRateLimiter } from './sources/rate-limiter.js';
import { countByState } from './pipeline/records.js';
import { openStore, type FileStore } from './store/index.js';

/**
 * How long shutdown lets a running poll go on before aborting it, so a poll that is nearly done keeps its
 * results. Capped at the poll grace period.
 */
export const POLL_ABORT_AFTER_MS = 500;
/**
 * How long shutdown waits for the running poll to end after aborting it, before abandoning it. An aborted poll
 * ends at once unless it is writing its results, which is quick, or its source ignores the abort.
 */
export const POLL_GRACE_MS = 5_000;
/** How long shutdown waits for queued chat posts and open HTTP requests. */
export const DRAIN_GRACE_MS = 3_000;

export interface ServiceOptions {
  config: Config;
  logger: Logger;
  /** Output stream for the findings of --dry-run, one JSON line each. */
  stdout: NodeJS.WritableStream;
  clock: () => Date;
  dryRun: boolean;
  /** Interface the HTTP server binds; every interface by default, as a container needs. */
  host?: string;
  /** CloudTrail source; the LookupEvents source over the real SDK client by default. */
  source?: KeyEventSource;
  /** Cron scheduler of the poll and summary jobs; src/schedule's scheduleJob by default. */
  scheduleJob?: (options: ScheduleJobOptions) => { stop(): void | Promise<void> };
  pollAbortAfterMs?: number;
  pollGraceMs?: number;
  drainGraceMs?: number;
}

export interface RunningService {
  /** The bound HTTP port, which differs from the configured one when PORT is 0. */
  port: number;
  metrics: PrometheusMetrics;
  /** Runs one poll now, unless one is running; resolves when it ended. */
  pollNow(): Promise<void>;
  /** Stops everything in order; safe to call more than once. */
  stop(reason: string): Promise<void>;
}

/** The started parts of the service, in the order shutdown stops them. */
interface Parts {
  store: FileStore;
  gate: ShutdownGate;
  cloudTrail: CloudTrailClient | null;
  chat: ChatPlatforms | null;
  server: Server | null;
  pollJob: PollJob | null;
  summaryJob: DailySummaryJob | null;
}

/** Starts the service. On failure, whatever was already started is stopped before the error is rethrown. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { config, clock, logger } = options;
  const startedAt = clock();
  const metrics = new PrometheusMetrics({ processMetrics: true, now: clock });
  const store = await openStore({ path: config.dbPath, logger, retentionMs: config.retentionMs, now: clock });
  metrics.observeStore(() => snapshotStore(store));

  const parts: Parts = {
    store,
    gate: new ShutdownGate(),
    cloudTrail: options.source
      ? null
      : new CloudTrailClient({ region: config.cloudTrailRegion, maxAttempts: 1 }),
    chat: null,
    server: null,
    pollJob: null,
    summaryJob: null,
  };
  let stopping: Promise<void> | null = null;
  const stop = (reason: string): Promise<void> => (stopping ??= shutDown(parts, options, reason));
  const isRunning = () => stopping === null;

  try {
    // One limit for /readyz, the Slack and Teams `status` replies and the daily summary, so they call the
    // poller stale alike.
    const maxAgeMs = pollMaxAgeMs(config.pollCron, config.timezone);
    const printer = compose(parts, options, { metrics, isRunning, pollStaleAfterMs: maxAgeMs });
    const checks = [
      storeOpenCheck(isRunning),
      pollRecencyCheck({ readHealth: () => store.read().poll.health, startedAt, maxAgeMs, now: clock }),
      ...(parts.chat?.checks ?? []),
    ];
    const routes = [...(parts.chat?.routes ?? []), ...createHealthRoutes(checks), metrics.route()];
    const server = createHttpServer(routes, logger.child({ component: 'http' }));
    parts.server = server;

    await parts.chat?.start();
    const port = await listen(server, config.port, options.host);
    await printer?.postPending();
    const pollJob = parts.pollJob!;
    pollJob.start();
    if (parts.chat) void startSummary(parts.summaryJob!, logger);
    const routeNames = routes.map((route) => `${route.method} ${route.path}`);
    logStarted(logger, config, port, options.dryRun, routeNames);

    return { port, metrics, pollNow: () => pollJob.runNow(), stop };
  } catch (error) {
    await stop('startup failed');
    throw error;
  }
}

interface ComposeContext {
  metrics: PrometheusMetrics;
  isRunning: () => boolean;
  /** Age of the last complete poll after which chat status and the daily summary call the poller stale. */
  pollStaleAfterMs: number;
}

/**
 * Builds chat (or the dry-run printer), the CloudTrail source and the poll and summary jobs into `parts`.
 * Returns the printer of a dry run, or null.
 */
function compose(parts: Parts, options: ServiceOptions, context: ComposeContext): DryRunNotifier | null {
  const { config, clock, logger, dryRun } = options;
  const { metrics, isRunning, pollStaleAfterMs } = context;
  const { store } = parts;
  const source =
    options.source ??
    new LookupEventsSource({
      client: parts.cloudTrail!,
      rateLimiter: createLookupRateLimiter(config.maxRequestsPerSecond),
      logger,
    });
  parts.chat = dryRun
    ? null
    : createChatPlatforms({ config, store, logger, clock, metrics, isRunning, pollStaleAfterMs });
  const printer = dryRun ? new DryRunNotifier({ store, stdout: options.stdout }) : null;

  const scheduleJob = options.scheduleJob ?? scheduleCronJob;
  const pollJob = createPollJob({
    config,
    store: gatedStore(store, parts.gate),
    source,
    notifiers: parts.chat?.notifiers ?? [],
    afterPoll: async () => printer?.postPending(),
    metrics,
    logger,
    clock,
    scheduleJob,
  });
  parts.pollJob = pollJob;
  parts.summaryJob = createDailySummaryJob({
    store,
    senders: parts.chat?.summarySenders ?? [],
    cron: config.summaryCron,
    timezone: config.timezone,
    clock,
    logger,
    scheduleJob,
    pollStaleAfterMs,
    // The catch-up summary at start then reports the startup poll, which pollJob.start() begins first.
    waitForPoll: pollJob.idle,
  });
  return printer;
}

/**
 * Stops the parts in order: scheduling and the HTTP server first, then the running poll, which is aborted
 * unless it ends within POLL_ABORT_AFTER_MS, then queued chat posts, and the store last, which releases its
 * lock.
 */
async function shutDown(parts: Parts, options: ServiceOptions, reason: string): Promise<void> {
  const { logger } = options;
  const pollGraceMs = options.pollGraceMs ?? POLL_GRACE_MS;
  const abortAfterMs = Math.min(options.pollAbortAfterMs ?? POLL_ABORT_AFTER_MS, pollGraceMs);
  const drainGraceMs = options.drainGraceMs ?? DRAIN_GRACE_MS;
  logger.info({ reason }, 'Shutting down');

  // The poll, the summary and the HTTP server wind down at the same time, each within its own grace period.
  const serverClosed = parts.server ? closeServer(parts.server, drainGraceMs) : Promise.resolve();
  const [pollEnded, summaryEnded] = await Promise.all([
    settlesWithin(
      parts.pollJob ? parts.pollJob.stop({ abortAfterMs }) : Promise.resolve(),
      abortAfterMs + pollGraceMs,
    ),
    settlesWithin(parts.summaryJob ? parts.summaryJob.stop() : Promise.resolve(), drainGraceMs),
  ]);
  if (!summaryEnded) {
    logger.warn('The daily summary did not finish sending in time; it is sent again after the next start');
  }
  if (!pollEnded) {
    logger.warn(
      'The running poll did not finish in time; it is abandoned and its window is read again at the next start',
    );
  }
  // From here on the poller's store updates are rejected, so an abandoned poll cannot move the cursor.
  parts.gate.close();
  if (parts.chat && !(await settlesWithin(parts.chat.stop(), drainGraceMs))) {
    logger.warn(
      'Queued chat posts did not finish in time; unposted findings are posted after the next start',
    );
  }
  await serverClosed;
  await parts.store.close();
  parts.cloudTrail?.destroy();
  logger.info('Stopped');
}

async function startSummary(job: DailySummaryJob, logger: Logger): Promise<void> {
  try {
    const outcome = await job.start();
    logger.debug({ outcome }, 'Checked whether the daily summary is due');
  } catch (error) {
    logger.error({ err: error }, 'Starting the daily summary job failed; summaries are not sent');
  }
}

function snapshotStore(store: FileStore) {
  const data = store.read();
  return {
    bytes: statSync(store.path, { throwIfNoEntry: false })?.size ?? 0,
    findingsByState: countByState(data),
    lastPollSuccessAt: data.poll.health.lastSuccessAt,
  };
}

function logStarted(logger: Logger, config: Config, port: number, dryRun: boolean, routes: string[]): void {
  logger.info({ config: describeConfig(config), port, dryRun, routes }, 'keyhunt serve started');
  for (const warning of configWarnings(config)) logger.warn(warning);
  if (dryRun) {
    logger.info(
      { dbPath: config.dbPath },
      'Dry run: findings are printed on stdout instead of posted, and no daily summary is sent. New findings ' +
        'are still stored in KEYHUNT_DB_PATH and the poll cursor moves, so a later keyhunt serve without ' +
        '--dry-run posts every finding stored now. Set KEYHUNT_DB_PATH to a scratch file to keep a trial run ' +
        'apart.',
    );
  }
}
