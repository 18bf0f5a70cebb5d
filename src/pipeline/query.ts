/**
 * The `/keyhunt` command language, shared by Slack and Teams: parsing the text people type and evaluating it
 * against the store. Both steps are pure, and the chat adapters render the structured result.
 */
import { DAY_MS, MINUTE_MS } from '../detect/types.js';
import { DURATION_EXAMPLE, formatDuration, parseDuration } from '../duration.js';
import { countByState, findingsDeletedBetween, findingsForUser, getStoredFinding } from './records.js';
import type { PollState, StoreData, StoredFinding, TriageState } from './ports.js';

/** Maximum period `last` accepts, which is also how far back LookupEvents keeps history. */
export const MAX_QUERY_PERIOD_MS = 90 * DAY_MS;
/** A poller whose last success is older than this is reported as stale unless the caller passes another limit. */
export const DEFAULT_POLL_STALE_AFTER_MS = 30 * MINUTE_MS;
/** The word that, as the last word of a command, shows the response to the whole channel. */
export const SHARE_MODIFIER = 'share';

export type QueryCommand =
  | { kind: 'last'; periodMs: number; periodText: string; share: boolean }
  | { kind: 'status'; share: boolean }
  | { kind: 'show'; findingId: string; share: boolean }
  | { kind: 'user'; userName: string; share: boolean }
  | { kind: 'help'; share: boolean }
  /** Text that is not a command. `message` states what is wrong, and the renderer adds the usage. */
  | { kind: 'invalid'; message: string; share: false };

export interface CommandUsage {
  usage: string;
  description: string;
}

/** The commands in the order help lists them. Chat adapters prefix them with their own command name. */
export const COMMAND_USAGES: readonly CommandUsage[] = [
  {
    usage: 'last 24h',
    description: `Findings whose key was deleted in that period (such as 90m, 24h or 7d, at most 90d), by triage state.`,
  },
  { usage: 'status', description: 'Poller health and the number of findings in each triage state.' },
  { usage: 'show ID', description: 'One finding with its triage history.' },
  { usage: 'user NAME', description: 'Findings where NAME owns, created or deleted the key.' },
  { usage: 'help', description: 'This list.' },
  {
    usage: `... ${SHARE_MODIFIER}`,
    description: `Add ${SHARE_MODIFIER} at the end to post the response to the channel instead of only to you.`,
  },
];

/** Parses the text after the command name. Never throws; anything unrecognised becomes `invalid`. */
export function parseQuery(text: string): QueryCommand {
  const words = text
    .trim()
    .split(/\s+/)
    .filter((word) => word.length > 0);
  let share = false;
  if (words.length > 1 && words[words.length - 1]!.toLowerCase() === SHARE_MODIFIER) {
    share = true;
    words.pop();
  }
  const [verb, ...args] = words;
  if (verb === undefined) return { kind: 'help', share: false };

  switch (verb.toLowerCase()) {
    case 'help':
      return args.length === 0 ? { kind: 'help', share } : invalid(`help takes no arguments.`);
    case 'status':
      return args.length === 0 ? { kind: 'status', share } : invalid(`status takes no arguments.`);
    case 'last':
      return parseLast(args, share);
    case 'show':
      return args.length === 1
        ? { kind: 'show', findingId: args[0]!, share }
        : invalid('show needs exactly one finding id, such as `show kh-3f9a2c71d0`.');
    case 'user':
      return args.length === 1
        ? { kind: 'user', userName: args[0]!, share }
        : invalid('user needs exactly one IAM user name, such as `user alice`.');
    default:
      return invalid(`Unknown command "${verb}".`);
  }
}

function parseLast(args: string[], share: boolean): QueryCommand {
  if (args.length !== 1) return invalid(`last needs one period, such as \`last 24h\` (${DURATION_EXAMPLE}).`);
  const periodText = args[0]!;
  const periodMs = parseDuration(periodText);
  if (periodMs === null) {
    return invalid(`"${periodText}" is not a period. Use a whole number and a unit: ${DURATION_EXAMPLE}.`);
  }
  if (periodMs <= 0) return invalid(`The period must be longer than zero, got "${periodText}".`);
  if (periodMs > MAX_QUERY_PERIOD_MS) {
    return invalid(`The period "${periodText}" is longer than the maximum of 90d.`);
  }
  return { kind: 'last', periodMs, periodText: periodText.toLowerCase(), share };
}

function invalid(message: string): QueryCommand {
  return { kind: 'invalid', message, share: false };
}

/** The states in the order responses list them, with what needs attention first. */
export const STATE_ORDER: readonly TriageState[] = ['open', 'escalated', 'acknowledged', 'resolved'];

export interface StateGroup {
  state: TriageState;
  findings: StoredFinding[];
}

/** The poller's health with what a person needs to judge it: lag, staleness and coverage gaps in words. */
export interface PollHealthReport {
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  lastOutcome: 'complete' | 'incomplete' | null;
  lastError: string | null;
  lastEventSeenAt: string | null;
  cursor: string | null;
  /** Now minus the cursor: how far behind the poller's fully read windows are. Null before the first poll. */
  lagMs: number | null;
  /** Throttled requests, since the baseline when one was given. */
  throttles: number;
  /** Polls that could not read their whole window, since the baseline when one was given. */
  incompletePolls: number;
  /** True when no poll has succeeded or the last success is older than the stale limit. */
  stale: boolean;
  /** Plain sentences about windows that may not have been read; empty when coverage is complete. */
  gaps: string[];
}

export type QueryResult =
  | {
      kind: 'period';
      share: boolean;
      periodText: string;
      from: string;
      to: string;
      total: number;
      groups: StateGroup[];
    }
  | {
      kind: 'status';
      share: boolean;
      health: PollHealthReport;
      counts: Record<TriageState, number>;
      total: number;
    }
  | { kind: 'finding'; share: boolean; stored: StoredFinding }
  | { kind: 'not-found'; share: boolean; findingId: string }
  | { kind: 'user'; share: boolean; userName: string; findings: StoredFinding[] }
  | { kind: 'help'; share: boolean; commands: readonly CommandUsage[] }
  | { kind: 'usage'; share: false; message: string; commands: readonly CommandUsage[] };

export interface EvaluateOptions {
  now: Date;
  pollStaleAfterMs?: number;
}

/** Evaluates a parsed command against the store's current data. */
export function evaluateQuery(
  command: QueryCommand,
  data: Readonly<StoreData>,
  options: EvaluateOptions,
): QueryResult {
  const nowMs = options.now.getTime();
  switch (command.kind) {
    case 'last': {
      const fromMs = nowMs - command.periodMs;
      const findings = findingsDeletedBetween(data, fromMs, nowMs + 1);
      return {
        kind: 'period',
        share: command.share,
        periodText: command.periodText,
        from: new Date(fromMs).toISOString(),
        to: options.now.toISOString(),
        total: findings.length,
        groups: groupByState(findings),
      };
    }
    case 'status': {
      const counts = countByState(data);
      const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
      const staleAfterMs = options.pollStaleAfterMs ?? DEFAULT_POLL_STALE_AFTER_MS;
      const health = assessPollHealth(data.poll, options.now, staleAfterMs);
      return { kind: 'status', share: command.share, health, counts, total };
    }
    case 'show': {
      const stored = getStoredFinding(data, command.findingId);
      if (!stored) return { kind: 'not-found', share: command.share, findingId: command.findingId };
      return { kind: 'finding', share: command.share, stored };
    }
    case 'user':
      return {
        kind: 'user',
        share: command.share,
        userName: command.userName,
        findings: findingsForUser(data, command.userName),
      };
    case 'help':
      return { kind: 'help', share: command.share, commands: COMMAND_USAGES };
    case 'invalid':
      return { kind: 'usage', share: false, message: command.message, commands: COMMAND_USAGES };
  }
}

/** Groups findings by triage state in STATE_ORDER, leaving out empty states and keeping the input order. */
export function groupByState(findings: readonly StoredFinding[]): StateGroup[] {
  return STATE_ORDER.map((state) => ({
    state,
    findings: findings.filter((stored) => stored.state === state),
  })).filter((group) => group.findings.length > 0);
}

/** Poller counters at an earlier time, so a report can state what happened since then. */
export interface PollCounterBaseline {
  incompletePolls: number;
  throttles: number;
  at: string;
}

/**
 * Judges the poller's recorded health at `now`, stating coverage gaps as sentences. With a baseline, the
 * incomplete polls are counted since the baseline's time instead of since the store was created.
 */
export function assessPollHealth(
  poll: Readonly<PollState>,
  now: Date,
  staleAfterMs: number,
  baseline: PollCounterBaseline | null = null,
): PollHealthReport {
  const { health } = poll;
  const nowMs = now.getTime();
  const lagMs = poll.cursor === null ? null : Math.max(0, nowMs - Date.parse(poll.cursor));
  const sinceSuccessMs = health.lastSuccessAt === null ? null : nowMs - Date.parse(health.lastSuccessAt);
  const stale = sinceSuccessMs === null || sinceSuccessMs > staleAfterMs;

  const gaps: string[] = [];
  if (sinceSuccessMs === null) {
    gaps.push('No poll has succeeded yet, so no CloudTrail events have been read.');
  } else if (stale) {
    gaps.push(
      `The last successful poll was ${formatDuration(sinceSuccessMs)} ago, longer than the expected ` +
        `${formatDuration(staleAfterMs)}. Key pairs from that time are not reported until polling succeeds again.`,
    );
  }
  if (health.lastOutcome === 'incomplete') {
    const reason = health.lastError ? `: ${health.lastError}` : '';
    gaps.push(
      `The last poll could not read its whole window${reason}. The window is read again on the next poll.`,
    );
  }
  const incomplete = countSince(health.incompletePolls, baseline?.incompletePolls);
  if (incomplete > 0) {
    const since = baseline ? ` since ${baseline.at}` : '';
    gaps.push(
      `${incomplete} poll(s)${since} could not read their whole window. Each window is read again ` +
        'because the cursor does not move past it.',
    );
  }

  return {
    lastAttemptAt: health.lastAttemptAt,
    lastSuccessAt: health.lastSuccessAt,
    lastOutcome: health.lastOutcome,
    lastError: health.lastError,
    lastEventSeenAt: health.lastEventSeenAt,
    cursor: poll.cursor,
    lagMs,
    throttles: countSince(health.throttles, baseline?.throttles),
    incompletePolls: incomplete,
    stale,
    gaps,
  };
}

/** Returns the increase of a counter since a baseline, or the whole count when the counter was reset. */
function countSince(current: number, baseline: number | undefined): number {
  if (baseline === undefined || baseline > current) return current;
  return current - baseline;
}
