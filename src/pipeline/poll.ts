/**
 * One run of the live poller: read the key events of a window from CloudTrail, pair them with the pending
 * ones, store new findings and poll state in one store update, then let the notifiers post what is unposted.
 *
 * Crash safety comes from the order. Nothing is written until the read and the enrichment lookups are done.
 * Then seen event ids, pending events, findings, health and cursor change in a single atomic write. A crash
 * before that write loses nothing, because the cursor did not move and the next poll reads the same window.
 * A crash after it only delays posting, because notifiers post every stored finding that is still unposted.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { buildFinding, toIsoTime } from '../detect/index.js';
import { DAY_MS } from '../detect/types.js';
import { addFindings } from './records.js';
import { findSuppression, type SuppressionRule } from './rules.js';
import { suppressFinding } from './suppression.js';
import type {
  EventRead,
  FindingNotifier,
  KeyEventSource,
  KeyUseRead,
  LookupFailure,
  LookupStats,
  PollState,
  Store,
  StoredFinding,
  StoreData,
} from './ports.js';
import { parseLookedUpEvents } from './poll-records.js';
import type { ParsedRead } from './poll-records.js';
import { applyKeyEvents, markSeen, prunePollState } from './poll-state.js';
import type { KeyPair, PollPruneCounts } from './poll-state.js';
import { logCommit, logRejected, logReport, logWindow } from './poll-log.js';
import { computePollWindow, quietWarningDue } from './poll-window.js';
import type { PollWindow } from './poll-window.js';

/** Default time without any key event after which the poller warns that its Region may be wrong. */
export const DEFAULT_QUIET_WARNING_MS = 7 * DAY_MS;
/** Default period of key events kept for the per-user and per-principal counts of findings. */
export const DEFAULT_KEY_EVENT_HISTORY_MS = 7 * DAY_MS;

export interface PollOptions {
  thresholdMs: number;
  deliveryLagMs: number;
  /** The Region LookupEvents is called in, named in the quiet-Region warning. */
  region: string;
  quietWarningMs?: number;
  /** Kept at least threshold + lag, so a finding's counts cover its own key's lifetime. */
  keyEventHistoryMs?: number;
  /** Rules of the config file; a new finding that matches one is stored resolved and never posted. */
  suppress?: readonly SuppressionRule[];
}

export interface PollDeps {
  store: Store;
  source: KeyEventSource;
  logger: Logger;
  options: PollOptions;
  /** Posted to after each poll, one after another; an empty list stores findings without posting. */
  notifiers?: readonly FindingNotifier[];
  createPollId?: () => string;
}

/** Counts and new findings of one poll, for the command output, logs and tests. */
export interface PollReport {
  pollId: string;
  outcome: 'complete' | 'incomplete';
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

interface CommitInput {
  now: Date;
  window: PollWindow;
  parsed: ParsedRead;
  complete: boolean;
  failure: LookupFailure | null;
  throttles: number;
  uses: ReadonlyMap<string, KeyUseRead>;
  options: Required<PollOptions>;
}

interface CommitResult {
  added: StoredFinding[];
  pairsOutsideWindow: number;
  pendingCreates: number;
  pendingDeletes: number;
  pruned: PollPruneCounts | null;
  quiet: { due: boolean; quietSinceMs: number | null };
}

function resolveOptions(options: PollOptions): Required<PollOptions> {
  const minimumHistoryMs = options.thresholdMs + options.deliveryLagMs;
  return {
    ...options,
    quietWarningMs: options.quietWarningMs ?? DEFAULT_QUIET_WARNING_MS,
    keyEventHistoryMs: Math.max(options.keyEventHistoryMs ?? DEFAULT_KEY_EVENT_HISTORY_MS, minimumHistoryMs),
    suppress: options.suppress ?? [],
  };
}

function pairKey(pair: KeyPair): string {
  return `${pair.create.eventId}/${pair.del.eventId}`;
}

/** Runs one poll at `now`. Rejects only when the store cannot be written; AWS failures make it incomplete. */
export async function runPoll(deps: PollDeps, now: Date): Promise<PollReport> {
  const startedAt = performance.now();
  const pollId = (deps.createPollId ?? (() => randomUUID().slice(0, 8)))();
  const logger = deps.logger.child({ pollId });
  const options = resolveOptions(deps.options);

  const before = structuredClone(deps.store.read().poll) as PollState;
  const window = computePollWindow(before.cursor, now.getTime(), options);
  logWindow(logger, window, before.cursor);

  const read = await deps.source.readKeyEvents(window.fromMs, window.toMs);
  const parsed = parseLookedUpEvents(read.events, before.seenEventIds);
  logRejected(logger, parsed.rejected);

  // Pairing on a copy finds the keys to enrich; the commit pairs again on the stored state.
  const planned = applyKeyEvents(before, parsed.keyEvents, options.thresholdMs);
  const uses = await lookupUses(deps.source, planned.pairs, logger);

  const commit = await deps.store.update((data) =>
    commitPoll(data, {
      now,
      window,
      parsed,
      complete: read.complete,
      failure: read.failure,
      throttles: read.throttles + sumOf(uses, 'throttles'),
      uses,
      options,
    }),
  );
  logCommit(logger, commit, options.region);
  const notifierFailures = await notify(deps.notifiers ?? [], logger);

  const durationMs = Math.round(performance.now() - startedAt);
  const report = buildReport({ pollId, window, read, parsed, uses, commit, notifierFailures, durationMs });
  logReport(logger, report);
  return report;
}

interface ReportParts {
  pollId: string;
  window: PollWindow;
  read: EventRead;
  parsed: ParsedRead;
  uses: ReadonlyMap<string, KeyUseRead>;
  commit: CommitResult;
  notifierFailures: number;
  durationMs: number;
}

function buildReport({
  pollId,
  window,
  read,
  parsed,
  uses,
  commit,
  notifierFailures,
  durationMs,
}: ReportParts): PollReport {
  return {
    pollId,
    outcome: read.complete ? 'complete' : 'incomplete',
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
    pairsOutsideWindow: commit.pairsOutsideWindow,
    findings: commit.added,
    pendingCreates: commit.pendingCreates,
    pendingDeletes: commit.pendingDeletes,
    failure: read.failure,
    notifierFailures,
    durationMs,
  };
}

function sumOf(uses: ReadonlyMap<string, KeyUseRead>, field: keyof LookupStats): number {
  return [...uses.values()].reduce((sum, use) => sum + use[field], 0);
}

/** Reads what each paired key was used for during its lifetime, one lookup per pair. */
async function lookupUses(
  source: KeyEventSource,
  pairs: readonly KeyPair[],
  logger: Logger,
): Promise<Map<string, KeyUseRead>> {
  const uses = new Map<string, KeyUseRead>();
  for (const pair of pairs) {
    const accessKeyId = pair.create.accessKeyId ?? '';
    const read = await source.lookupKeyUses(accessKeyId, pair.create.time, pair.del.time);
    if (read.uses === null) {
      logger.warn(
        { accessKeyId, code: read.failure?.code },
        'Could not read what the key was used for; the finding is stored without usage',
      );
    }
    uses.set(pairKey(pair), read);
  }
  return uses;
}

/** Applies one poll to the stored state. Runs inside store.update, so it must not throw after changing data. */
function commitPoll(data: StoreData, input: CommitInput): CommitResult {
  const poll = data.poll;
  const { health } = poll;
  const nowIso = input.now.toISOString();

  const pairing = applyKeyEvents(poll, input.parsed.keyEvents, input.options.thresholdMs);
  markSeen(poll, input.parsed.newSeenEventIds);
  const findings = pairing.pairs.map((pair) =>
    buildFinding(pair.create, pair.del, {
      keyEvents: poll.recentKeyEvents,
      uses: input.uses.get(pairKey(pair))?.uses ?? null,
    }),
  );
  const added = addFindings(data, findings, input.now);
  for (const stored of added) {
    const rule = findSuppression(input.options.suppress, stored.finding, input.now);
    if (rule) suppressFinding(stored, rule, input.now);
  }

  health.firstAttemptAt ??= nowIso;
  const newestMs = input.parsed.newestKeyEventMs;
  if (
    newestMs !== null &&
    (health.lastEventSeenAt === null || Date.parse(health.lastEventSeenAt) < newestMs)
  ) {
    health.lastEventSeenAt = toIsoTime(newestMs);
  }
  const quiet = quietWarningDue(health, input.now.getTime(), input.options.quietWarningMs);
  health.lastAttemptAt = nowIso;
  health.throttles += input.throttles;
  if (input.complete) {
    poll.cursor = toIsoTime(input.window.toMs);
    health.lastSuccessAt = nowIso;
    health.lastOutcome = 'complete';
    health.lastError = null;
  } else {
    health.lastOutcome = 'incomplete';
    health.lastError = input.failure?.message ?? 'The window was not read completely.';
    health.incompletePolls += 1;
  }

  const pruned = poll.cursor === null ? null : prunePollState(poll, Date.parse(poll.cursor), input.options);
  return {
    added: structuredClone(added),
    pairsOutsideWindow: pairing.pairsOutsideWindow,
    pendingCreates: Object.keys(poll.pendingCreates).length,
    pendingDeletes: Object.keys(poll.pendingDeletes).length,
    pruned,
    quiet,
  };
}

/** Calls each notifier's postPending in turn. A failure is logged and left for the next poll to retry. */
async function notify(notifiers: readonly FindingNotifier[], logger: Logger): Promise<number> {
  let failures = 0;
  for (const notifier of notifiers) {
    try {
      await notifier.postPending();
    } catch (error) {
      failures += 1;
      logger.error(
        { err: error, platform: notifier.platform },
        'Posting pending findings failed; they stay unposted and the next poll posts them',
      );
    }
  }
  return failures;
}
