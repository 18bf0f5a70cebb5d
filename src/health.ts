/**
 * Health endpoints. `GET /healthz` returns 200 while the process serves HTTP at all (liveness).
 * `GET /readyz` runs the readiness checks (store open, last poll recent, chat reachable) and returns 200, or
 * 503 with a JSON body that lists the failing checks.
 */
import { createTask } from 'node-cron';
import type { PollHealth } from './pipeline/ports.js';
import type { HttpRoute } from './server.js';
import type { ChatPlatform, PostStatus } from './metrics.js';
import { formatDuration } from './duration.js';

export interface CheckResult {
  ok: boolean;
  /** A sentence for the person reading the probe output, such as why the check failed. */
  detail: string;
}

export interface ReadinessCheck {
  name: string;
  run(): CheckResult | Promise<CheckResult>;
}

/** A check that has not finished within this time fails, so a hung dependency cannot hang the probe. */
export const CHECK_TIMEOUT_MS = 2_000;
/** The poll must have completed within this time at least, even when polls are frequent. */
export const MIN_POLL_MAX_AGE_MS = 15 * 60_000;
/** How many poll intervals may pass without a complete poll before the service is not ready. */
export const POLL_INTERVALS_BEFORE_STALE = 3;

/** Returns the `/healthz` and `/readyz` routes over the given readiness checks. */
export function createHealthRoutes(
  checks: readonly ReadinessCheck[],
  timeoutMs = CHECK_TIMEOUT_MS,
): HttpRoute[] {
  return [
    {
      method: 'GET',
      path: '/healthz',
      handler: (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}\n');
      },
    },
    {
      method: 'GET',
      path: '/readyz',
      handler: async (_req, res) => {
        const report = await runChecks(checks, timeoutMs);
        res.writeHead(report.ready ? 200 : 503, { 'content-type': 'application/json' });
        res.end(`${JSON.stringify(report)}\n`);
      },
    },
  ];
}

export interface ReadinessReport {
  ready: boolean;
  /** Names of the checks that failed; empty when ready. */
  failing: string[];
  checks: Array<{ name: string } & CheckResult>;
}

/** Runs every check at once; a check that throws or times out fails with the reason as its detail. */
export async function runChecks(
  checks: readonly ReadinessCheck[],
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (check) => ({ name: check.name, ...(await runOne(check, timeoutMs)) })),
  );
  const failing = results.filter((result) => !result.ok).map((result) => result.name);
  return { ready: failing.length === 0, failing, checks: results };
}

async function runOne(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, detail: `the check timed out after ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([Promise.resolve().then(() => check.run()), timeout]);
  } catch (error) {
    return {
      ok: false,
      detail: `the check failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Checks that the store is open, which it stops being once shutdown begins. */
export function storeOpenCheck(isOpen: () => boolean): ReadinessCheck {
  return {
    name: 'store',
    run: () =>
      isOpen() ? { ok: true, detail: 'the store is open' } : { ok: false, detail: 'the store is closed' },
  };
}

export interface PollRecencyOptions {
  readHealth: () => Readonly<PollHealth>;
  /** Process start: before the first poll, the check passes until `maxAgeMs` after it. */
  startedAt: Date;
  maxAgeMs: number;
  now: () => Date;
}

/** Checks that a poll completed within `maxAgeMs`. */
export function pollRecencyCheck(options: PollRecencyOptions): ReadinessCheck {
  return {
    name: 'poll',
    run: () => {
      const now = options.now().getTime();
      const { lastSuccessAt, lastError } = options.readHealth();
      const limit = formatDuration(options.maxAgeMs);
      if (lastSuccessAt !== null && now - Date.parse(lastSuccessAt) <= options.maxAgeMs) {
        return { ok: true, detail: `the last complete poll was at ${lastSuccessAt}` };
      }
      if (now - options.startedAt.getTime() <= options.maxAgeMs) {
        return { ok: true, detail: `no complete poll yet; the service started less than ${limit} ago` };
      }
      const last =
        lastSuccessAt === null ? 'no poll has completed' : `the last complete poll was at ${lastSuccessAt}`;
      const error = lastError ? ` The last error: ${lastError}` : '';
      return { ok: false, detail: `${last}, more than ${limit} ago.${error}` };
    },
  };
}

export interface ChatCheckOptions {
  platform: ChatPlatform;
  /** The last post attempt, from the metrics. */
  lastPost: () => PostStatus | null;
  /** A cheap call that throws when the platform cannot be reached or rejects the credentials. */
  probe?: () => Promise<void>;
  /** How long a probe result is reused, so frequent readiness probes do not call the platform each time. */
  probeCacheMs?: number;
  now: () => Date;
}

/**
 * Checks that a chat platform is reachable: the last post must not have failed, and the probe, when given,
 * must succeed. A post that succeeds after a failure makes the check pass again.
 */
export function chatCheck(options: ChatCheckOptions): ReadinessCheck {
  const cacheMs = options.probeCacheMs ?? 60_000;
  let cached: { at: number; result: CheckResult } | null = null;

  const probe = async (): Promise<CheckResult> => {
    const now = options.now().getTime();
    if (cached && now - cached.at < cacheMs) return cached.result;
    let result: CheckResult;
    try {
      await options.probe?.();
      result = { ok: true, detail: `${options.platform} is reachable` };
    } catch (error) {
      result = {
        ok: false,
        detail: `${options.platform} is not reachable: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    cached = { at: now, result };
    return result;
  };

  return {
    name: options.platform,
    run: async () => {
      const last = options.lastPost();
      if (last && !last.ok) {
        return {
          ok: false,
          detail: `the last post to ${options.platform} failed at ${last.at.toISOString()}`,
        };
      }
      if (options.probe) return probe();
      const detail = last
        ? `the last post succeeded at ${last.at.toISOString()}`
        : 'nothing posted since start';
      return { ok: true, detail };
    },
  };
}

/**
 * Returns how old the last complete poll may be: 3 intervals of the poll schedule (the longest gap among its
 * next runs), and at least 15 minutes.
 */
export function pollMaxAgeMs(pollCron: string, timezone: string): number {
  const task = createTask(pollCron, () => undefined, { timezone });
  try {
    const runs = task.getNextRuns(12).map((date) => date.getTime());
    let interval = 0;
    for (let index = 1; index < runs.length; index += 1)
      interval = Math.max(interval, runs[index]! - runs[index - 1]!);
    return Math.max(MIN_POLL_MAX_AGE_MS, POLL_INTERVALS_BEFORE_STALE * interval);
  } finally {
    void task.destroy();
  }
}
