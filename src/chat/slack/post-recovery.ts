/**
 * Finding posts that survive a crash without a second message. Before chat.postMessage the notifier stores a
 * post attempt, and every finding message carries Slack message metadata with its finding id. An attempt
 * without a recorded ts means a crash or a lost response interrupted the post, and the channel history shows
 * whether the message exists.
 *
 * Slack's chat.postMessage takes no idempotency key, so the history search is the only way to tell. It needs
 * the channels:history scope (groups:history for a private channel).
 */
import type { Logger } from 'pino';
import type { SlackPostAttempt, SlackPostRef, StoreData } from '../../pipeline/ports.js';
import { getStoredFinding, markSlackPosted } from '../../pipeline/records.js';
import { callSlack, SlackApiError, type CallOptions, type WebClient } from './web-api.js';

/** The metadata `event_type` of finding messages. */
export const FINDING_EVENT_TYPE = 'keyhunt_finding';

/**
 * How long before the attempt's start the history search begins. The attempt time comes from this host's
 * clock and the message ts from Slack's, so the margin covers clock skew between the two.
 */
export const HISTORY_SEARCH_MARGIN_MS = 60_000;

/** Messages per conversations.history page. Slack's reference for the method recommends at most 200. */
export const HISTORY_PAGE_SIZE = 200;

/**
 * Pages read at most in one search (10,000 messages). The window starts just before the interrupted post, so
 * only a busy channel and a long outage reach it. The finding is then posted, and may show twice.
 */
export const MAX_HISTORY_PAGES = 50;

export interface FindingMetadata {
  event_type: typeof FINDING_EVENT_TYPE;
  event_payload: { finding_id: string };
}

/** Builds the message metadata that ties a Slack message to its finding. */
export function findingMetadata(findingId: string): FindingMetadata {
  return { event_type: FINDING_EVENT_TYPE, event_payload: { finding_id: findingId } };
}

/**
 * Stores the start of a post attempt. Run it inside `store.update`. Returns false, changing nothing, when the
 * finding is no longer stored or already has a post.
 */
export function recordSlackAttempt(data: StoreData, findingId: string, attempt: SlackPostAttempt): boolean {
  const stored = getStoredFinding(data, findingId);
  if (!stored || stored.slack) return false;
  stored.slackAttempt = attempt;
  return true;
}

/** Stores where a finding was posted and removes its attempt. Run it inside `store.update`. */
export function recordSlackPost(data: StoreData, findingId: string, ref: SlackPostRef): void {
  const stored = markSlackPosted(data, findingId, ref);
  if (stored) delete stored.slackAttempt;
}

/** Formats epoch milliseconds as a Slack timestamp (seconds with six decimals), as `oldest` takes it. */
export function slackTs(epochMs: number): string {
  return (epochMs / 1000).toFixed(6);
}

/** Converts a Slack message ts to an ISO time. */
export function slackTsToIso(ts: string): string {
  return new Date(Math.floor(Number(ts) * 1000)).toISOString();
}

/** A post reference whose history count is always set. */
export type PostedRef = SlackPostRef & { historyPosted: number };

/**
 * Looks for the message of an attempt that has no recorded ts. Returns where it is, or null when the finding
 * must be posted because the message is not there or the search failed. Posting after a failed search may
 * show the finding twice, but never leaves it unposted. Logs the outcome with `options.logger`.
 */
export async function findInterruptedPost(
  client: WebClient,
  findingId: string,
  attempt: SlackPostAttempt,
  options: CallOptions,
): Promise<PostedRef | null> {
  const logger = options.logger;
  const context = { findingId, channel: attempt.channel, attemptStartedAt: attempt.startedAt };
  if (!Number.isFinite(Date.parse(attempt.startedAt))) {
    logger.warn(
      context,
      'The stored Slack post attempt has an invalid startedAt, so its message cannot be looked up; posting the finding, which may show it twice',
    );
    return null;
  }

  let search: HistorySearchResult;
  try {
    search = await findFindingMessage(client, attempt, findingId, { ...options, context });
  } catch (error) {
    warnSearchFailed(logger, error, context);
    return null;
  }
  if (search.ts) {
    const ts = search.ts;
    return { channel: attempt.channel, ts, postedAt: slackTsToIso(ts), historyPosted: attempt.historyPosted };
  }
  if (search.complete) {
    logger.info(context, 'An interrupted Slack post left no message; posting the finding');
  } else {
    logger.warn(
      { ...context, pagesRead: search.pagesRead },
      'Stopped searching the channel history for an interrupted Slack post at the page limit; posting the finding, which may show it twice',
    );
  }
  return null;
}

function warnSearchFailed(logger: Logger, error: unknown, context: Record<string, unknown>): void {
  if (error instanceof SlackApiError && error.slackError === 'missing_scope') {
    const scope =
      error.neededScope ?? 'channels:history (public channel) or groups:history (private channel)';
    logger.warn(
      { err: error, ...context, neededScope: error.neededScope },
      `The Slack app lacks the ${scope} scope, so the message of an interrupted post cannot be looked up and ` +
        'the finding is posted again (it may show twice). Add the scope from manifests/slack-app.yaml and reinstall the app.',
    );
    return;
  }
  logger.warn(
    { err: error, ...context },
    'Searching the channel history for an interrupted Slack post failed; posting the finding, which may show it twice',
  );
}

export interface HistorySearchResult {
  /** The ts of the finding's message, or null when none was found. */
  ts: string | null;
  pagesRead: number;
  /** False when the search stopped at MAX_HISTORY_PAGES with more history left in the window. */
  complete: boolean;
}

/**
 * Looks for the message of `findingId` in the attempt's channel, from HISTORY_SEARCH_MARGIN_MS before the
 * attempt started until now, following the history cursor. Throws the SlackApiError of a failed call.
 */
export async function findFindingMessage(
  client: WebClient,
  attempt: SlackPostAttempt,
  findingId: string,
  options: CallOptions,
  maxPages = MAX_HISTORY_PAGES,
): Promise<HistorySearchResult> {
  const oldest = slackTs(Date.parse(attempt.startedAt) - HISTORY_SEARCH_MARGIN_MS);
  let cursor: string | undefined;
  for (let page = 1; page <= maxPages; page += 1) {
    const pageCursor = cursor;
    const result = await callSlack(
      'conversations.history',
      () =>
        client.conversations.history({
          channel: attempt.channel,
          oldest,
          limit: HISTORY_PAGE_SIZE,
          include_all_metadata: true,
          ...(pageCursor ? { cursor: pageCursor } : {}),
        }),
      options,
    );
    const match = (result.messages ?? []).find((message) => isFindingMessage(message, findingId));
    if (match?.ts) return { ts: match.ts, pagesRead: page, complete: true };

    cursor = result.response_metadata?.next_cursor || undefined;
    if (!result.has_more || !cursor) return { ts: null, pagesRead: page, complete: true };
  }
  return { ts: null, pagesRead: maxPages, complete: false };
}

interface HistoryMessage {
  ts?: string;
  thread_ts?: string;
  metadata?: { event_type?: string; event_payload?: unknown };
}

/** True for a top-level message whose metadata names the finding. */
function isFindingMessage(message: HistoryMessage, findingId: string): boolean {
  if (message.thread_ts !== undefined && message.thread_ts !== message.ts) return false;
  const metadata = message.metadata;
  if (metadata?.event_type !== FINDING_EVENT_TYPE) return false;
  const payload = metadata.event_payload;
  return typeof payload === 'object' && payload !== null && 'finding_id' in payload
    ? payload.finding_id === findingId
    : false;
}
