/**
 * The PollReport of one poll run: what was read, what was stored and how it ended, for the command output,
 * the logs, the metrics and tests.
 */
import { toIsoTime } from '../detect/index.js';
import type { EventRead, KeyUseRead, LookupFailure, LookupStats, StoredFinding } from './ports.js';
import type { ParsedRead } from './poll-records.js';
import type { PollWindow } from './poll-window.js';

/** Failure code of a poll that its AbortSignal stopped before it stored anything. */
export const POLL_ABORTED = 'POLL_ABORTED';

/** Counts and new findings of one poll, for the command output, logs and tests. */
export interface PollReport {
  pollId: string;
  outcome: 'complete' | 'incomplete';
  /**
   * True when the AbortSignal stopped the poll before its reads finished. Nothing was stored then: the
   * cursor, the seen event ids and the poll health are unchanged, and the next poll reads the same window.
   */
  aborted: boolean;
  /** ISO times of the window read, both inclusive. */
  window: { from: string; to: string };
  catchingUp: boolean;
  /** True when the window start was moved forward to the 90 days of event history. */
  clamped: boolean;
  pages: number;
  requests: number;
  throttles: number;
  retries: number;
  /** Events LookupEvents returned, including ones seen before. */
  events: number;
  newKeyEvents: number;
  duplicates: number;
  /** Events whose CloudTrailEvent could not be turned into a key event. */
  rejected: number;
  pairsOutsideWindow: number;
  /** Findings stored by this poll, in pairing order. */
  findings: StoredFinding[];
  pendingCreates: number;
  pendingDeletes: number;
  failure: LookupFailure | null;
  notifierFailures: number;
  durationMs: number;
}

/** What the store update of a poll changed, or what it would have started from when nothing was stored. */
export interface StoredCounts {
  added: StoredFinding[];
  pairsOutsideWindow: number;
  pendingCreates: number;
  pendingDeletes: number;
}

export interface ReportParts {
  pollId: string;
  window: PollWindow;
  read: EventRead;
  parsed: ParsedRead;
  uses: ReadonlyMap<string, KeyUseRead>;
  stored: StoredCounts;
  aborted: boolean;
  notifierFailures: number;
  durationMs: number;
}

export function abortedPollFailure(): LookupFailure {
  return {
    code: POLL_ABORTED,
    message:
      'The poll was stopped before its reads finished, so nothing was stored and the next poll reads the same window again.',
  };
}

export function buildReport(parts: ReportParts): PollReport {
  const { read, parsed, uses, stored, window } = parts;
  return {
    pollId: parts.pollId,
    outcome: read.complete && !parts.aborted ? 'complete' : 'incomplete',
    aborted: parts.aborted,
    window: { from: toIsoTime(window.fromMs), to: toIsoTime(window.toMs) },
    catchingUp: window.catchingUp,
    clamped: window.clamped,
    pages: read.pages + sumOf(uses, 'pages'),
    requests: read.requests + sumOf(uses, 'requests'),
    throttles: read.throttles + sumOf(uses, 'throttles'),
    retries: read.retries + sumOf(uses, 'retries'),
    events: read.events.length,
    newKeyEvents: parsed.keyEvents.length,
    duplicates: parsed.duplicates,
    rejected: parsed.rejected.length,
    pairsOutsideWindow: stored.pairsOutsideWindow,
    findings: stored.added,
    pendingCreates: stored.pendingCreates,
    pendingDeletes: stored.pendingDeletes,
    failure: parts.aborted ? abortedPollFailure() : read.failure,
    notifierFailures: parts.notifierFailures,
    durationMs: parts.durationMs,
  };
}

export function sumOf(uses: ReadonlyMap<string, KeyUseRead>, field: keyof LookupStats): number {
  return [...uses.values()].reduce((sum, use) => sum + use[field], 0);
}
