/**
 * The Slack side of keyhunt in one factory: the Bolt app with its receiver, the `/keyhunt` command, the triage
 * buttons, the finding notifier and the daily summary sender. main.ts builds it and mounts `routes` on the
 * shared HTTP server.
 *
 * HTTP mode (the default) uses Bolt's HTTPReceiver without its own server. The route at POST /slack/events
 * (events-route.ts) verifies request signing (HMAC-SHA256 of `v0:timestamp:body`, and timestamps older than
 * 5 minutes are rejected) and the body's shape before Bolt's request listener receives it. A failed
 * signature check returns 401. Socket Mode is used when an app-level token is configured. Then Slack sends
 * requests over a WebSocket and no route is mounted.
 */
import { App, HTTPReceiver, webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { SlackConfig } from '../../config.js';
import type { Store } from '../../pipeline/ports.js';
import type { RoutingRule } from '../../pipeline/rules.js';
import type { SummarySender } from '../../pipeline/summary.js';
import type { HttpRoute } from '../../server.js';
import { registerTriageActions } from './actions.js';
import { createBoltLogger } from './bolt-logger.js';
import { ChannelQueue } from './channel-queue.js';
import { COMMAND_NAME, registerKeyhuntCommand } from './command.js';
import { SLACK_EVENTS_PATH, createEventsRoute } from './events-route.js';
import { SlackNotifier } from './notifier.js';
import { buildReceiver } from './receiver.js';
import { describeRequestIds } from './request-body.js';
import { createSlackSummarySender } from './summary.js';
import { createTriagerPolicy } from './triagers.js';
import {
  SLACK_RETRY_POLICY,
  translateSlackError,
  type CallOptions,
  type RetryOptions,
  type WebClient,
} from './web-api.js';

export { SLACK_EVENTS_PATH } from './events-route.js';
/** Minimum time between two posts to one channel, because Slack allows about one message per second per channel. */
export const CHANNEL_POST_INTERVAL_MS = 1000;

export interface CreateSlackAppOptions {
  config: SlackConfig;
  store: Store;
  logger: Logger;
  clock?: () => Date;
  /** Called after a triage change made in Slack was stored, so main can update Teams. */
  onTriageChanged?: (findingId: string) => Promise<void>;
  /** WebClient retry policy for HTTP failures and 429s; SLACK_RETRY_POLICY by default. */
  retryConfig?: RetryOptions;
  /** Retries of Slack's transient `ok: false` errors. */
  slackRetry?: Pick<CallOptions, 'attempts' | 'retryDelayMs'>;
  channelPostIntervalMs?: number;
  triagerCacheMs?: number;
  /** Routing rules of the config file, which send findings to other channels than `config.channelId`. */
  routing?: readonly RoutingRule[];
  /** Age of the last complete poll after which `/keyhunt status` reports the poller stale. */
  pollStaleAfterMs?: number;
  ackDeadlineMs?: number;
}

export interface SlackApp {
  app: App;
  mode: 'http' | 'socket';
  /** POST /slack/events in HTTP mode; empty in Socket Mode. */
  routes: HttpRoute[];
  notifier: SlackNotifier;
  summarySender: SummarySender;
  /** The Web API client every Slack call of keyhunt goes through. */
  client: WebClient;
  /** Checks the bot token with auth.test and, in Socket Mode, connects. Call before serving requests. */
  start(): Promise<void>;
  /** Disconnects Socket Mode and waits for queued posts to finish. */
  stop(): Promise<void>;
}

/** Builds the Slack app. Nothing connects until `start()`. */
export function createSlackApp(options: CreateSlackAppOptions): SlackApp {
  const { config, store } = options;
  const logger = options.logger.child({ platform: 'slack' });
  const clock = options.clock ?? (() => new Date());
  const boltLogger = createBoltLogger(logger.child({ component: 'bolt' }));
  const mode = config.appToken ? 'socket' : 'http';
  const slackApiUrl = config.apiUrl ?? undefined;

  const receiver = buildReceiver(config, boltLogger, logger);
  const app = new App({
    token: config.botToken,
    receiver,
    logger: boltLogger,
    clientOptions: { slackApiUrl, retryConfig: options.retryConfig ?? SLACK_RETRY_POLICY },
    deferInitialization: true,
    extendedErrorHandler: true,
  });
  const client = app.client;
  client.on(webApi.WebClientEvent.RATE_LIMITED, (retryAfterSeconds: number, details: { url?: string }) => {
    logger.warn(
      { retryAfterSeconds, url: details.url },
      'Slack rate limited a call; waiting for Retry-After before retrying',
    );
  });
  app.error(logListenerError(logger));

  const queue = new ChannelQueue(options.channelPostIntervalMs ?? CHANNEL_POST_INTERVAL_MS);
  const notifier = new SlackNotifier({
    client,
    store,
    config,
    logger,
    clock,
    queue,
    routing: options.routing,
    retry: options.slackRetry,
  });
  const policy = createTriagerPolicy({
    triagers: config.triagers,
    client,
    logger,
    cacheMs: options.triagerCacheMs,
    retry: options.slackRetry,
  });
  registerTriageActions(app, {
    store,
    notifier,
    policy,
    client,
    logger,
    clock,
    onTriageChanged: options.onTriageChanged,
  });
  registerKeyhuntCommand(app, {
    store,
    logger,
    clock,
    pollStaleAfterMs: options.pollStaleAfterMs,
    ackDeadlineMs: options.ackDeadlineMs,
  });
  const summarySender = createSlackSummarySender({
    client,
    channelId: config.channelId,
    queue,
    logger,
    retry: options.slackRetry,
  });

  const routes =
    receiver instanceof HTTPReceiver
      ? [
          createEventsRoute({
            receiver,
            signingSecret: config.signingSecret,
            commandName: COMMAND_NAME,
            logger,
            clock,
          }),
        ]
      : [];

  return {
    app,
    mode,
    routes,
    notifier,
    summarySender,
    client,
    async start() {
      try {
        await app.init();
      } catch (error) {
        throw translateSlackError('auth.test', error);
      }
      if (mode === 'socket') await app.start();
      logger.info(
        { mode, channelId: config.channelId },
        mode === 'http'
          ? `Slack app ready at POST ${SLACK_EVENTS_PATH}`
          : 'Slack app connected in Socket Mode',
      );
    },
    async stop() {
      if (mode === 'socket') await app.stop();
      await queue.idle();
    },
  };
}

/** Bolt's handler type for `extendedErrorHandler: true`, which Bolt 5.1.0 does not export by name. */
type ExtendedErrorHandler = Parameters<App['error']>[0];

/** Logs a listener's error with the ids of the request it was handling. */
function logListenerError(logger: Logger): ExtendedErrorHandler {
  return async ({ error, body, context }) => {
    const ids = describeRequestIds(body);
    logger.error(
      { err: error, ...ids, teamId: context.teamId ?? ids.teamId, userId: context.userId ?? ids.userId },
      'A Slack listener failed',
    );
  };
}
