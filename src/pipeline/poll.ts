/**
 * One run of the live poller: read the key events of a window from CloudTrail, pair them with the pending
 * ones, store new findings and poll state in one store update, then let the notifiers post what is unposted.
 *
 * Crash safety comes from the order. Nothing is written until the read and the enrichment lookups are done.
 * Then seen event ids, pending events, findings, health and cursor change in a single atomic write. A crash
 * before that write loses nothing, because the cursor did not move and the next poll reads the same window.
 * A crash after it only delays posting, because notifiers post every stored finding that is still unposted.
 * An AbortSignal that stops a read or a lookup before it finished ends the poll before that write, so an
 * aborted poll changes nothing in the store.
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
  PollState,
  Store,
  StoreData,
} from './ports.js';
import { parseLookedUpEvents } from './poll-records.js';
import type { ParsedRead } from './poll-records.js';
import { applyKeyEvents, markSeen, prunePollState } from './poll-state.js';
import type { KeyPair, PollPruneCounts } from './poll-state.js';
import { logCommit, logRejected, logReport, logWindow } from './poll-log.js';
import { computePollWindow, quietWarningDue } from './poll-window.js';
import type { PollWindow } from './poll-window.js';
import { buildReport, sumOf, type PollReport, type StoredCounts } from './poll-report.js';

export { POLL_ABORTED, type PollReport } from './poll-report.js';

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
  /** True when the store is an in-memory copy that is thrown away, so the logs say found, not stored. */
  dryRun?: boolean;
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

interface CommitResult extends StoredCounts {
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
    dryRun: options.dryRun ?? false,
  };
}

function pairKey(pair: KeyPair): string {
  return `${pair.create.eventId}/${pair.del.eventId}`;
}

/**
 * Runs one poll at `now`. Rejects only when the store cannot be written; AWS failures make it incomplete.
 * When `signal` aborts, waits and retries stop at once. A poll whose reads were cut short by it then stores
 * nothing and posts nothing, and its report has `aborted` set.
 */
export async function runPoll(deps: PollDeps, now: Date, signal?: AbortSignal): Promise<PollReport> {
  const startedAt = performance.now();
  const pollId = (deps.createPollId ?? (() => randomUUID().slice(0, 8)))();
  const logger = deps.logger.child({ pollId });
  const options = resolveOptions(deps.options);

  const before = structuredClone(deps.store.read().poll) as PollState;
  const window = computePollWindow(before.cursor, now.getTime(), options);
  logWindow(logger, window, before.cursor);

  const read = await deps.source.readKeyEvents(window.fromMs, window.toMs, signal);
  const parsed = parseLookedUpEvents(read.events, before.seenEventIds);
  logRejected(logger, parsed.rejected);

  // Pairing on a copy finds the keys to enrich; the commit pairs again on the stored state.
  const planned = applyKeyEvents(before, parsed.keyEvents, options.thresholdMs);
  const uses = await lookupUses(deps.source, planned.pairs, logger, signal);
  const parts = { pollId, window, read, parsed, uses };

  if (signal?.aborted && isCutShort(read, uses, planned.pairs.length)) {
    const stored = { added: [], pairsOutsideWindow: 0, ...countPending(before) };
    const durationMs = Math.round(performance.now() - startedAt);
    const report = buildReport({ ...parts, stored, aborted: true, notifierFailures: 0, durationMs });
    logReport(logger, report);
    return report;
  }

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
  logCommit(logger, commit, options);
  // Once aborted, the stored findings wait for the next run's notifiers instead of delaying the stop.
  const notifierFailures = signal?.aborted ? 0 : await notify(deps.notifiers ?? [], logger);

  const durationMs = Math.round(performance.now() - startedAt);
  const report = buildReport({ ...parts, stored: commit, aborted: false, notifierFailures, durationMs });
  logReport(logger, report);
  return report;
}

/** True when the window read or a pair's key use lookup did not finish, so storing would lose data. */
function isCutShort(read: EventRead, uses: ReadonlyMap<string, KeyUseRead>, pairCount: number): boolean {
  if (!read.complete || uses.size < pairCount) return true;
  return [...uses.values()].some((use) => use.uses === null);
}

function countPending(poll: PollState): { pendingCreates: number; pendingDeletes: number } {
  return {
    pendingCreates: Object.keys(poll.pendingCreates).length,
    pendingDeletes: Object.keys(poll.pendingDeletes).length,
  };
}

/**
 * Reads what each paired key was used for during its lifetime, one lookup per pair. Stops before the next
 * lookup once `signal` aborts, so the map then has fewer entries than pairs.
 */
async function lookupUses(
  source: KeyEventSource,
  pairs: readonly KeyPair[],
  logger: Logger,
  signal: AbortSignal | undefined,
): Promise<Map<string, KeyUseRead>> {
  const uses = new Map<string, KeyUseRead>();
  for (const pair of pairs) {
    if (signal?.aborted) break;
    const accessKeyId = pair.create.accessKeyId ?? '';
    const read = await source.lookupKeyUses(accessKeyId, pair.create.time, pair.del.time, signal);
    if (read.uses === null && !signal?.aborted) {
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
