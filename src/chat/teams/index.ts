/**
 * Microsoft Teams for keyhunt. `createTeamsBot` builds the adapter, the turn logic, the POST /api/messages
 * route and the notifier. Every botbuilder import stays in this folder (adapter.ts, bot.ts, http.ts).
 */
import type { Logger } from 'pino';
import type { TeamsConfig } from '../../config.js';
import type { FindingNotifier, Store } from '../../pipeline/ports.js';
import type { DailySummary, SummarySender } from '../../pipeline/summary.js';
import type { HttpRoute } from '../../server.js';
import { CloudAdapterChannel, type TeamsAuthentication, createCloudAdapter } from './adapter.js';
import { KeyhuntTeamsBot } from './bot.js';
import { createMessagesRoute } from './http.js';
import { TeamsNotifier } from './notifier.js';

export { TeamsSetupError, type TeamsAuthentication } from './adapter.js';
export { MESSAGES_PATH } from './http.js';
export { buildFindingCard, REFRESH_VERB, TRIAGE_VERBS } from './cards.js';

export interface CreateTeamsBotOptions {
  config: TeamsConfig;
  store: Store;
  logger: Logger;
  clock: () => Date;
  /** Defaults to `bot-framework`. `disabled-for-tests` needs an empty app id and is for tests only. */
  authentication?: TeamsAuthentication;
  /** Called after a Teams card action changed a finding, so Slack can update its message. */
  onTriageChanged?: (findingId: string) => Promise<void>;
  /** Time since the last successful poll after which `status` calls the poller stale. */
  pollStaleAfterMs?: number;
}

export interface TeamsBot {
  /** POST /api/messages, for src/server.ts. */
  routes: HttpRoute[];
  /** Posts pending findings to every active conversation and updates posted cards after triage changes. */
  notifier: FindingNotifier;
  /** The daily summary sender for the summary job. */
  summarySender: SummarySender;
  /** Sends the daily summary card to every active conversation; throws when a conversation could not get it. */
  sendSummary(summary: DailySummary, options?: { resend?: boolean }): Promise<void>;
  /** Waits for the follow-ups of card actions (card updates and onTriageChanged) started so far. */
  idle(): Promise<void>;
}

/** Builds the Teams side of `keyhunt serve`. Throws TeamsSetupError for unusable credentials. */
export function createTeamsBot(options: CreateTeamsBotOptions): TeamsBot {
  const authentication = options.authentication ?? 'bot-framework';
  const logger = options.logger.child({ platform: 'teams' });
  const adapter = createCloudAdapter(options.config, authentication, logger);
  const notifier = new TeamsNotifier({
    store: options.store,
    channel: new CloudAdapterChannel(adapter, options.config.appId),
    logger,
    clock: options.clock,
  });

  const followUps = new Set<Promise<void>>();
  const runFollowUp = (findingId: string, name: string, task: () => Promise<void>): Promise<void> =>
    task().catch((error: unknown) => {
      logger.error({ err: error, findingId }, `${name} after a Teams triage change failed`);
    });
  const onFindingChanged = (findingId: string): void => {
    const tasks = [runFollowUp(findingId, 'Updating the Teams cards', () => notifier.refresh(findingId))];
    const { onTriageChanged } = options;
    if (onTriageChanged) {
      tasks.push(runFollowUp(findingId, 'Notifying the other platforms', () => onTriageChanged(findingId)));
    }
    const done = Promise.all(tasks).then(() => undefined);
    followUps.add(done);
    void done.finally(() => followUps.delete(done));
  };

  const bot = new KeyhuntTeamsBot({
    store: options.store,
    logger,
    clock: options.clock,
    triagers: options.config.triagers,
    tenantId: options.config.tenantId,
    pollStaleAfterMs: options.pollStaleAfterMs,
    onFindingChanged,
  });

  adapter.onTurnError = async (context, error) => {
    const { activity } = context;
    logger.error(
      { err: error, activityType: activity.type, conversationId: activity.conversation?.id },
      'A Teams turn failed',
    );
    if (activity.type !== 'message') return;
    try {
      await context.sendActivity(
        'keyhunt could not handle that message. The error is logged; try again later.',
      );
    } catch (sendError) {
      logger.error(
        { err: sendError, conversationId: activity.conversation?.id },
        'Telling Teams about a failed turn failed',
      );
    }
  };

  const route = createMessagesRoute({
    adapter,
    logic: (context) => bot.run(context),
    logger,
    clock: options.clock,
    requireAuthorizationHeader: authentication === 'bot-framework',
  });

  return {
    routes: [route],
    notifier,
    summarySender: notifier,
    sendSummary: (summary, sendOptions) => notifier.send(summary, { resend: sendOptions?.resend ?? false }),
    idle: async () => {
      while (followUps.size > 0) await Promise.all([...followUps]);
    },
  };
}
