/**
 * The chat side of `keyhunt serve`: builds Slack and Teams from their settings, links their triage changes
 * to each other, and derives the chat metrics (posts, failures, triage actions) from the store, because the
 * chat modules report none themselves.
 */
import type { Logger } from 'pino';
import { createSlackApp, type SlackApp } from '../chat/slack/app.js';
import { createTeamsBot, type TeamsBot } from '../chat/teams/index.js';
import { listActiveConversations } from '../chat/teams/conversations.js';
import type { Config } from '../config.js';
import { chatCheck, type ReadinessCheck } from '../health.js';
import type { ChatPlatform, PrometheusMetrics } from '../metrics.js';
import type { FindingNotifier, Store, StoreData } from '../pipeline/ports.js';
import type { SummarySender } from '../pipeline/summary.js';
import type { HttpRoute } from '../server.js';
import { getStoredFinding } from '../pipeline/records.js';
import { listSlackPostable, listTeamsPostable } from '../pipeline/suppression.js';

export interface ChatPlatforms {
  routes: HttpRoute[];
  notifiers: FindingNotifier[];
  summarySenders: SummarySender[];
  checks: ReadinessCheck[];
  /** Checks the Slack token and connects Socket Mode; throws when Slack rejects the settings. */
  start(): Promise<void>;
  /** Waits for queued posts and card updates, and disconnects Socket Mode. */
  stop(): Promise<void>;
}

export interface ChatOptions {
  config: Config;
  store: Store;
  logger: Logger;
  clock: () => Date;
  metrics: PrometheusMetrics;
  /** Returns false once shutdown started, so no new round of posts begins. */
  isRunning: () => boolean;
  /** Age of the last complete poll after which `/keyhunt status` calls the poller stale. */
  pollStaleAfterMs?: number;
}

/** Builds whichever of Slack and Teams is configured; with neither, every list is empty. */
export function createChatPlatforms(options: ChatOptions): ChatPlatforms {
  const { config, store, logger, clock, metrics } = options;
  let slack: SlackApp | null = null;
  let teams: TeamsBot | null = null;

  // A triage change on one platform updates the other one; the first platform updates itself.
  const afterTriage = (from: ChatPlatform) => async (findingId: string) => {
    countTriage(store, findingId, metrics);
    const other = from === 'slack' ? teams?.notifier : slack?.notifier;
    await other?.refresh(findingId);
  };

  if (config.slack) {
    slack = createSlackApp({
      config: config.slack,
      store,
      logger,
      clock,
      onTriageChanged: afterTriage('slack'),
      routing: config.rules.routing,
      pollStaleAfterMs: options.pollStaleAfterMs,
    });
  }
  if (config.teams) {
    teams = createTeamsBot({
      config: config.teams,
      store,
      logger,
      clock,
      onTriageChanged: afterTriage('teams'),
      pollStaleAfterMs: options.pollStaleAfterMs,
    });
  }

  const notifiers: FindingNotifier[] = [];
  const checks: ReadinessCheck[] = [];
  const summarySenders: SummarySender[] = [];
  if (slack) {
    const client = slack.client;
    notifiers.push(observePosts(slack.notifier, (data) => listSlackPostable(data).length, options));
    summarySenders.push(slack.summarySender);
    checks.push(
      chatCheck({
        platform: 'slack',
        lastPost: () => metrics.lastPost('slack'),
        probe: async () => {
          await client.auth.test();
        },
        now: clock,
      }),
    );
  }
  if (teams) {
    notifiers.push(observePosts(teams.notifier, countUnpostedTeams, options));
    summarySenders.push(teams.summarySender);
    checks.push(chatCheck({ platform: 'teams', lastPost: () => metrics.lastPost('teams'), now: clock }));
  }

  return {
    routes: [...(slack?.routes ?? []), ...(teams?.routes ?? [])],
    notifiers,
    summarySenders,
    checks,
    start: async () => {
      await slack?.start();
    },
    stop: async () => {
      await Promise.all([slack?.stop(), teams?.idle()]);
    },
  };
}

/**
 * Wraps a notifier to count its outcome: a run that leaves findings unposted is a post failure, a run that
 * posted everything pending is a success. Skips the run once shutdown started.
 */
function observePosts(
  notifier: FindingNotifier,
  countUnposted: (data: Readonly<StoreData>) => number,
  options: ChatOptions,
): FindingNotifier {
  const { store, metrics, isRunning } = options;
  const platform = notifier.platform;
  return {
    platform,
    refresh: (findingId) => notifier.refresh(findingId),
    postPending: async () => {
      if (!isRunning()) return;
      const before = countUnposted(store.read());
      try {
        await notifier.postPending();
      } catch (error) {
        metrics.postFailed(platform);
        throw error;
      }
      const after = countUnposted(store.read());
      if (after > 0) metrics.postFailed(platform);
      else if (before > 0) metrics.postSucceeded(platform);
    },
  };
}

function countUnpostedTeams(data: Readonly<StoreData>): number {
  let count = 0;
  for (const conversation of listActiveConversations(data))
    count += listTeamsPostable(data, conversation.id).length;
  return count;
}

/** Counts the finding's latest triage change, which the platform has just stored. */
function countTriage(store: Store, findingId: string, metrics: PrometheusMetrics): void {
  const history = getStoredFinding(store.read(), findingId)?.history;
  const last = history?.[history.length - 1];
  if (last) metrics.triageAction(last.action, last.actor.platform);
}
