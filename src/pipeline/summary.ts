/**
 * The daily summary, platform-neutral: a model built from the store, sent once per local day through one
 * sender per chat platform. Slack and Teams render the model their own way.
 */
import { createTask, parse as parseCron, schedule, validate as isValidCron } from 'node-cron';
import type { Logger } from 'pino';
import type { Severity } from '../detect/types.js';
import { DAY_MS } from '../detect/types.js';
import { findingsDeletedBetween } from './records.js';
import type {
  Store,
  StoreData,
  StoredFinding,
  SummaryDeliveryState,
  TriageHistoryEntry,
  TriageState,
} from './ports.js';
import { assessPollHealth, DEFAULT_POLL_STALE_AFTER_MS, type PollHealthReport } from './query.js';

/** How many key owners the summary lists as top users. */
export const TOP_USER_COUNT = 5;
/** The period a summary covers, ending when it is built. */
export const SUMMARY_PERIOD_MS = DAY_MS;

export interface UnacknowledgedFinding {
  stored: StoredFinding;
  /** Time since the finding was stored, that is since it has been waiting for someone to look at it. */
  waitingMs: number;
}

export interface DailySummary {
  /** The local date (YYYY-MM-DD in `timezone`) the summary is for. */
  localDate: string;
  timezone: string;
  /** Start and end of the covered period, ISO. */
  from: string;
  to: string;
  /** Findings whose key was deleted in the period. */
  total: number;
  bySeverity: Record<Severity, number>;
  byState: Record<TriageState, number>;
  /** Findings of the period that a suppression rule resolved; `byState` counts them as resolved. */
  suppressed: number;
  /** Every finding still open, of any day, longest waiting first. */
  unacknowledged: UnacknowledgedFinding[];
  /** Key owners with the most findings in the period, most first; `null` is an unknown owner. */
  topUsers: Array<{ userName: string | null; count: number }>;
  /** Escalations made in the period, oldest first. */
  escalations: Array<{ stored: StoredFinding; entry: TriageHistoryEntry }>;
  /** Poller health, with throttles and incomplete polls counted since the previous summary. */
  health: PollHealthReport;
}

/** Sends a summary to one chat platform. Throws when the send failed, so it is tried again. */
export interface SummarySender {
  readonly platform: string;
  /** `resend` is true when an earlier send of the same summary was interrupted and may have arrived. */
  send(summary: DailySummary, options: { resend: boolean }): Promise<void>;
}

export interface BuildSummaryOptions {
  now: Date;
  timezone: string;
  pollStaleAfterMs?: number;
}

/** Builds the summary model for the day that contains `now` in the timezone. */
export function buildDailySummary(data: Readonly<StoreData>, options: BuildSummaryOptions): DailySummary {
  const nowMs = options.now.getTime();
  const fromMs = nowMs - SUMMARY_PERIOD_MS;
  const inPeriod = findingsDeletedBetween(data, fromMs, nowMs + 1);

  const bySeverity: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0 };
  const byState: Record<TriageState, number> = { open: 0, acknowledged: 0, escalated: 0, resolved: 0 };
  let suppressed = 0;
  for (const stored of inPeriod) {
    bySeverity[stored.finding.severity] += 1;
    byState[stored.state] += 1;
    if (stored.suppressed) suppressed += 1;
  }

  const all = Object.values(data.findings);
  const baseline = data.summaries.pollCountersAtLastSummary ?? null;
  return {
    localDate: localDate(options.now, options.timezone),
    timezone: options.timezone,
    from: new Date(fromMs).toISOString(),
    to: options.now.toISOString(),
    total: inPeriod.length,
    bySeverity,
    byState,
    suppressed,
    unacknowledged: listUnacknowledged(all, nowMs),
    topUsers: rankUsers(inPeriod),
    escalations: listEscalations(all, fromMs, nowMs),
    health: assessPollHealth(
      data.poll,
      options.now,
      options.pollStaleAfterMs ?? DEFAULT_POLL_STALE_AFTER_MS,
      baseline,
    ),
  };
}

function listUnacknowledged(findings: readonly StoredFinding[], nowMs: number): UnacknowledgedFinding[] {
  return findings
    .filter((stored) => stored.state === 'open')
    .map((stored) => ({ stored, waitingMs: Math.max(0, nowMs - Date.parse(stored.storedAt)) }))
    .sort((a, b) => b.waitingMs - a.waitingMs || a.stored.finding.id.localeCompare(b.stored.finding.id));
}

function rankUsers(findings: readonly StoredFinding[]): DailySummary['topUsers'] {
  const counts = new Map<string | null, number>();
  for (const { finding } of findings) counts.set(finding.userName, (counts.get(finding.userName) ?? 0) + 1);
  return [...counts.entries()]
    .map(([userName, count]) => ({ userName, count }))
    .sort((a, b) => b.count - a.count || (a.userName ?? '').localeCompare(b.userName ?? ''))
    .slice(0, TOP_USER_COUNT);
}

function listEscalations(
  findings: readonly StoredFinding[],
  fromMs: number,
  toMs: number,
): DailySummary['escalations'] {
  const escalations: DailySummary['escalations'] = [];
  for (const stored of findings) {
    for (const entry of stored.history) {
      const atMs = Date.parse(entry.at);
      if (entry.action === 'escalate' && atMs >= fromMs && atMs <= toMs) escalations.push({ stored, entry });
    }
  }
  return escalations.sort((a, b) => Date.parse(a.entry.at) - Date.parse(b.entry.at));
}

/** Wall-clock fields of an instant in an IANA timezone. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Reads the wall clock in `timezone` at `now` with Intl.DateTimeFormat. Throws RangeError for an unknown zone. */
export function wallClock(now: Date, timezone: string): WallClock {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const parts = Object.fromEntries(format.formatToParts(now).map((part) => [part.type, part.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** Returns the local date of `now` in `timezone` as YYYY-MM-DD. */
export function localDate(now: Date, timezone: string): string {
  const { year, month, day } = wallClock(now, timezone);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * Returns true when the first time the cron expression fires on today's local date has passed at `now`.
 * The comparison is on wall-clock time, so a run time that does not exist on a daylight saving day (02:30
 * when clocks jump from 02:00 to 03:00) counts as passed once the clock is beyond it.
 */
export function hasScheduledTimePassedToday(cron: string, timezone: string, now: Date): boolean {
  const clock = wallClock(now, timezone);
  const fields = parseCron(cron);
  const firstTime = {
    hour: Math.min(...fields.hour),
    minute: Math.min(...fields.minute),
    second: Math.min(...fields.second),
  };
  // Wall-clock times are laid out on a UTC timeline, which has no daylight saving gaps, and matched in UTC.
  const midnightMs = Date.UTC(clock.year, clock.month - 1, clock.day);
  const nowWallMs = midnightMs + ((clock.hour * 60 + clock.minute) * 60 + clock.second) * 1000;
  const firstWallMs = midnightMs + ((firstTime.hour * 60 + firstTime.minute) * 60 + firstTime.second) * 1000;
  if (firstWallMs > nowWallMs) return false;

  const matcher = createTask(cron, () => undefined, { timezone: 'UTC' });
  try {
    return matcher.match(new Date(firstWallMs));
  } finally {
    void matcher.destroy();
  }
}

/** Runs `run` on a cron expression in an IANA timezone until `stop`; the shape of a generic job scheduler. */
export type ScheduleJob = (job: {
  name: string;
  cron: string;
  timezone: string;
  run: () => Promise<void>;
  logger: Logger;
}) => { stop(): void | Promise<void> };

/** Schedules with node-cron directly, for callers without another scheduler. Errors of `run` are logged. */
export const scheduleWithNodeCron: ScheduleJob = ({ name, cron, timezone, run, logger }) => {
  const task = schedule(
    cron,
    async () => {
      try {
        await run();
      } catch (error) {
        logger.error({ err: error, job: name }, 'Scheduled job failed');
      }
    },
    { name, timezone, noOverlap: true },
  );
  return { stop: () => task.destroy() };
};

/** How often a summary that is due but not sent (failed, or its run was missed) is tried again. */
export const SUMMARY_RECHECK_CRON = '*/15 * * * *';

export interface DailySummaryJobOptions {
  store: Store;
  senders: readonly SummarySender[];
  /** When the summary is sent each day, such as `0 9 * * *`. */
  cron: string;
  /** IANA timezone of `cron` and of the local date that makes a summary unique. */
  timezone: string;
  clock: () => Date;
  logger: Logger;
  scheduleJob?: ScheduleJob;
  pollStaleAfterMs?: number;
  recheckCron?: string;
  /**
   * Resolves when the running poll ended, or at once when none runs. Each run waits for it before reading the
   * store, so a summary never reports a poll that has read its window but not stored the results, such as the
   * startup poll.
   */
  waitForPoll?: () => Promise<void>;
}

export type SummaryRunOutcome = 'sent' | 'already-sent' | 'not-due' | 'no-senders' | 'failed' | 'stopped';

export interface DailySummaryJob {
  /** Schedules the job and sends today's summary at once when its time has passed and it was not sent. */
  start(): Promise<SummaryRunOutcome>;
  /**
   * Sends today's summary when its time has passed and it was not sent; runs one at a time, each after the
   * running poll ended. Returns 'stopped' without sending once `stop` was called.
   */
  runIfDue(): Promise<SummaryRunOutcome>;
  stop(): Promise<void>;
}

/**
 * Creates the daily summary job. It runs on `cron`, at start (catch-up) and every 15 minutes, and sends at
 * most once per local date. The date is recorded only after every sender finished. Each sender's progress is
 * recorded before and after its send, so a crash resends only to platforms that may have missed it.
 */
export function createDailySummaryJob(options: DailySummaryJobOptions): DailySummaryJob {
  if (!isValidCron(options.cron)) {
    throw new Error(
      `Invalid summary cron expression "${options.cron}". Set KEYHUNT_SUMMARY_CRON, such as "0 9 * * *".`,
    );
  }
  wallClock(new Date(0), options.timezone);
  const logger = options.logger.child({ component: 'daily-summary' });
  const scheduleJob = options.scheduleJob ?? scheduleWithNodeCron;
  const handles: Array<{ stop(): void | Promise<void> }> = [];
  let queue: Promise<unknown> = Promise.resolve();
  let isStopped = false;
  // Resolves at stop, so a run waiting for a poll during shutdown ends without sending.
  let markStopped = (): void => undefined;
  const stopped = new Promise<void>((resolve) => {
    markStopped = resolve;
  });

  const runIfDue = (): Promise<SummaryRunOutcome> => {
    const run = queue.then(async () => {
      await Promise.race([options.waitForPoll?.(), stopped]);
      return isStopped ? 'stopped' : sendIfDue(options, logger);
    });
    queue = run.catch(() => undefined);
    return run;
  };
  const runLogged = async (): Promise<void> => {
    await runIfDue();
  };

  return {
    runIfDue,
    async start() {
      const { cron, timezone } = options;
      handles.push(scheduleJob({ name: 'daily-summary', cron, timezone, run: runLogged, logger }));
      const recheckCron = options.recheckCron ?? SUMMARY_RECHECK_CRON;
      handles.push(
        scheduleJob({ name: 'daily-summary-recheck', cron: recheckCron, timezone, run: runLogged, logger }),
      );
      return runIfDue();
    },
    async stop() {
      isStopped = true;
      markStopped();
      for (const handle of handles.splice(0)) await handle.stop();
      await queue;
    },
  };
}

async function sendIfDue(options: DailySummaryJobOptions, logger: Logger): Promise<SummaryRunOutcome> {
  const { store, senders, timezone } = options;
  const now = options.clock();
  const date = localDate(now, timezone);
  if (store.read().summaries.sentDates.includes(date)) return 'already-sent';
  if (!hasScheduledTimePassedToday(options.cron, timezone, now)) return 'not-due';
  if (senders.length === 0) return 'no-senders';

  const summary = buildDailySummary(store.read(), {
    now,
    timezone,
    pollStaleAfterMs: options.pollStaleAfterMs,
  });
  const platforms = senders.map((sender) => sender.platform);
  const before = await store.update((data) => claimDeliveries(data, date, platforms));

  let allSent = true;
  for (const sender of senders) {
    const previous = before[sender.platform];
    if (previous === 'sent') continue;
    const resend = previous === 'sending';
    try {
      await sender.send(summary, { resend });
      await store.update((data) => setDelivery(data, date, sender.platform, 'sent'));
      logger.info({ date, platform: sender.platform, resend }, 'Sent the daily summary');
    } catch (error) {
      allSent = false;
      logger.error(
        { err: error, date, platform: sender.platform },
        'Sending the daily summary failed; it is tried again',
      );
      await store.update((data) => setDelivery(data, date, sender.platform, 'failed'));
    }
  }
  if (!allSent) return 'failed';
  await store.update((data) => recordSent(data, date, now));
  return 'sent';
}

/** Marks every unfinished platform as `sending` and returns each platform's state from before. */
function claimDeliveries(
  data: StoreData,
  date: string,
  platforms: readonly string[],
): Record<string, SummaryDeliveryState | undefined> {
  const deliveries = (data.summaries.deliveries ??= {});
  const forDate = (deliveries[date] ??= {});
  const before: Record<string, SummaryDeliveryState | undefined> = {};
  for (const platform of platforms) {
    before[platform] = forDate[platform];
    if (forDate[platform] !== 'sent') forDate[platform] = 'sending';
  }
  return before;
}

function setDelivery(data: StoreData, date: string, platform: string, state: SummaryDeliveryState): void {
  const deliveries = (data.summaries.deliveries ??= {});
  (deliveries[date] ??= {})[platform] = state;
}

/** Records the date as sent, keeps the poller counters for the next summary and drops finished deliveries. */
function recordSent(data: StoreData, date: string, now: Date): void {
  if (!data.summaries.sentDates.includes(date)) data.summaries.sentDates.push(date);
  const { incompletePolls, throttles } = data.poll.health;
  data.summaries.pollCountersAtLastSummary = { incompletePolls, throttles, at: now.toISOString() };
  const deliveries = data.summaries.deliveries ?? {};
  for (const day of Object.keys(deliveries)) {
    if (day <= date) delete deliveries[day];
  }
}
