/**
 * Log lines of a poll run, kept apart from the orchestration so runPoll reads as its steps.
 */
import type { Logger } from 'pino';
import { toIsoTime } from '../detect/index.js';
import type { StoredFinding } from './ports.js';
import type { RejectedEvent } from './poll-records.js';
import type { PollWindow } from './poll-window.js';
import type { PollReport } from './poll-report.js';

export function logWindow(logger: Logger, window: PollWindow, cursor: string | null): void {
  const fields = { from: toIsoTime(window.fromMs), to: toIsoTime(window.toMs), cursor };
  if (window.catchingUp) logger.info(fields, 'Catching up on CloudTrail events since the stored cursor');
  if (window.clamped) {
    logger.warn(
      { ...fields, requestedFrom: toIsoTime(window.requestedFromMs) },
      'The cursor is older than the 90 days of CloudTrail event history; events before the window start cannot be read',
    );
  }
  logger.debug(fields, 'Poll started');
}

export function logRejected(logger: Logger, rejected: readonly RejectedEvent[]): void {
  if (rejected.length === 0) return;
  const byReason: Record<string, number> = {};
  for (const event of rejected) byReason[event.reason] = (byReason[event.reason] ?? 0) + 1;
  logger.warn(
    { count: rejected.length, byReason, examples: rejected.slice(0, 5) },
    'Skipped events whose CloudTrail record could not be read as a key event',
  );
}

const FINDING_MESSAGES = {
  stored: 'Stored a new finding',
  storedSuppressed:
    'Stored a new finding as resolved (expected) by a suppression rule; it is not posted to chat',
  dryRun: 'Found a new finding (dry run: nothing is stored or posted)',
  dryRunSuppressed:
    'Found a new finding that a suppression rule resolves as expected (dry run: nothing is stored or posted)',
};

/** Logs each new finding of the commit, and the quiet-Region warning when it is due. */
export function logCommit(
  logger: Logger,
  commit: { added: readonly StoredFinding[]; quiet: { due: boolean; quietSinceMs: number | null } },
  options: { region: string; dryRun: boolean },
): void {
  const { region, dryRun } = options;
  for (const stored of commit.added) {
    const { finding } = stored;
    const fields = {
      accessKeyId: finding.accessKeyId,
      userName: finding.userName,
      severity: finding.severity,
    };
    const findingLogger = logger.child({ findingId: finding.id });
    if (stored.suppressed) {
      findingLogger.info(
        { ...fields, reason: stored.suppressed.reason },
        dryRun ? FINDING_MESSAGES.dryRunSuppressed : FINDING_MESSAGES.storedSuppressed,
      );
    } else {
      findingLogger.info(fields, dryRun ? FINDING_MESSAGES.dryRun : FINDING_MESSAGES.stored);
    }
  }
  if (commit.quiet.due) {
    const since = commit.quiet.quietSinceMs === null ? null : toIsoTime(commit.quiet.quietSinceMs);
    logger.warn(
      { region, since },
      `No CreateAccessKey or DeleteAccessKey event has been seen in ${region} since ${since}. IAM records these ` +
        'events in us-east-1 only (commercial partition), so check KEYHUNT_CLOUDTRAIL_REGION and that the ' +
        'credentials belong to the intended account.',
    );
  }
}

export function logReport(logger: Logger, report: PollReport): void {
  const fields = {
    outcome: report.outcome,
    window: report.window,
    pages: report.pages,
    events: report.events,
    newKeyEvents: report.newKeyEvents,
    findings: report.findings.length,
    throttles: report.throttles,
    durationMs: report.durationMs,
  };
  if (report.aborted) {
    logger.info(fields, 'Poll stopped before its reads finished; nothing was stored and the cursor stays');
  } else if (report.outcome === 'complete') {
    logger.info(fields, 'Poll finished');
  } else {
    logger.warn(
      { ...fields, code: report.failure?.code, error: report.failure?.message },
      'Poll incomplete; the cursor stays and the next poll reads the window again',
    );
  }
}
