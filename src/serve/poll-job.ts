/**
 * The scheduled poll of `keyhunt serve`: runs `runPoll` on KEYHUNT_POLL_CRON, one poll at a time, and turns
 * each PollReport into metrics. A run that starts while the previous one is still going is skipped. Stopping
 * the job can abort the running poll, which then ends without storing what it had not finished reading.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { errorCode } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { runPoll, type PollReport } from '../pipeline/poll.js';
import type { FindingNotifier, KeyEventSource, Store } from '../pipeline/ports.js';
import type { ScheduleJobOptions } from '../schedule/scheduler.js';
import { settlesWithin } from './lifecycle.js';

export interface PollJobOptions {
  config: Config;
  /** The store the poller writes; main passes one that rejects updates once shutdown started. */
  store: Store;
  source: KeyEventSource;
  notifiers: readonly FindingNotifier[];
  /** Runs after each poll that stored its results, such as printing findings in a dry run. */
  afterPoll: () => Promise<void>;
  metrics: Metrics;
  logger: Logger;
  clock: () => Date;
  scheduleJob: (options: ScheduleJobOptions) => { stop(): void | Promise<void> };
}

export interface PollJob {
  /** Starts the schedule and runs the first poll at once, to catch up after a restart. */
  start(): void;
  /** Runs a poll now unless one is running; resolves when that poll ended. */
  runNow(): Promise<void>;
  /** Resolves when the running poll ended, at once when none is running. */
  idle(): Promise<void>;
  /**
   * Stops the schedule, and aborts the running poll if it has not ended within `abortAfterMs` (0, at once, by
   * default). Resolves when that poll ended. No poll starts after this.
   */
  stop(options?: { abortAfterMs?: number }): Promise<void>;
}

export function createPollJob(options: PollJobOptions): PollJob {
  const { config, logger } = options;
  let running: Promise<void> | null = null;
  let handle: { stop(): void | Promise<void> } | null = null;
  let stopped = false;
  // One controller for the life of the job, because once it aborts no poll may run any more.
  const aborting = new AbortController();

  const runNow = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      logger.debug('The previous poll is still running; this run is skipped');
      return running;
    }
    running = pollOnce(options, aborting.signal).finally(() => {
      running = null;
    });
    return running;
  };

  return {
    start() {
      handle = options.scheduleJob({
        name: 'poll',
        cron: config.pollCron,
        timezone: config.timezone,
        setting: 'KEYHUNT_POLL_CRON',
        run: runNow,
        logger,
        clock: options.clock,
      });
      void runNow();
    },
    runNow,
    idle: () => running ?? Promise.resolve(),
    async stop(stopOptions = {}) {
      stopped = true;
      await handle?.stop();
      handle = null;
      const current = running;
      if (current && !(await settlesWithin(current, stopOptions.abortAfterMs ?? 0))) {
        logger.info('Aborting the running poll for shutdown');
        aborting.abort();
      }
      await running;
    },
  };
}

/** Runs one poll and records its metrics. Never rejects: failures are logged and counted. */
async function pollOnce(options: PollJobOptions, signal: AbortSignal): Promise<void> {
  const { config, metrics, logger } = options;
  const startedAt = performance.now();
  let report: PollReport;
  try {
    report = await runPoll(
      {
        store: options.store,
        source: options.source,
        logger,
        notifiers: options.notifiers,
        options: {
          thresholdMs: config.thresholdMs,
          deliveryLagMs: config.deliveryLagMs,
          region: config.cloudTrailRegion,
          quietWarningMs: config.quietWarningMs,
          suppress: config.rules.suppress,
        },
      },
      options.clock(),
      signal,
    );
  } catch (error) {
    if (errorCode(error) === 'SHUTTING_DOWN') {
      logger.info('Abandoned the running poll for shutdown; the cursor did not move');
      return;
    }
    metrics.pollCompleted('failed', performance.now() - startedAt);
    logger.error(
      { err: error },
      'Poll failed; the cursor did not move and the next poll reads the window again',
    );
    return;
  }

  if (report.aborted) {
    logger.info(
      { pollId: report.pollId },
      'Stopped the running poll for shutdown; nothing was stored and the cursor did not move',
    );
    return;
  }
  recordReport(metrics, report);
  try {
    await options.afterPoll();
  } catch (error) {
    logger.error({ err: error, pollId: report.pollId }, 'Handling the findings of the poll failed');
  }
}

function recordReport(metrics: Metrics, report: PollReport): void {
  metrics.pollCompleted(report.outcome, report.durationMs);
  metrics.lookupCall(false, report.requests - report.throttles);
  metrics.lookupCall(true, report.throttles);
  metrics.eventsRead(report.events);
  for (const stored of report.findings) metrics.findingsDetected(stored.finding.severity);
}
