/**
 * The Bolt receiver of each mode, with handlers for Bolt's HTTP failures that log through pino with the
 * error and the ids of the request. Bolt 5.1.0's default handlers log a fixed sentence without either.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ErrorCode,
  HTTPModuleFunctions,
  HTTPReceiver,
  SocketModeReceiver,
  type Logger as SlackLogger,
  type Receiver,
  type ReceiverProcessEventErrorHandlerArgs,
  type ReceiverUnhandledRequestHandlerArgs,
} from '@slack/bolt';
import type { Logger } from 'pino';
import type { SlackConfig } from '../../config.js';
import { SLACK_EVENTS_PATH } from './events-route.js';
import { describeRequestIds, type SlackRequestIds } from './request-body.js';

/** Builds the Socket Mode receiver when an app-level token is set, and Bolt's HTTP receiver otherwise. */
export function buildReceiver(config: SlackConfig, boltLogger: SlackLogger, logger: Logger): Receiver {
  if (config.appToken) {
    return new SocketModeReceiver({
      appToken: config.appToken,
      logger: boltLogger,
      installerOptions: { clientOptions: { slackApiUrl: config.apiUrl ?? undefined } },
    });
  }
  const handlers = createReceiverHandlers(logger);
  return new HTTPReceiver({
    signingSecret: config.signingSecret,
    endpoints: SLACK_EVENTS_PATH,
    logger: boltLogger,
    processEventErrorHandler: handlers.processEventError,
    unhandledRequestHandler: handlers.unhandledRequest,
  });
}

export interface ReceiverHandlers {
  /** Called when Bolt's processing of a request throws. Returns true to mark the request acknowledged. */
  processEventError(args: ReceiverProcessEventErrorHandlerArgs): Promise<boolean>;
  /** Called when no listener acknowledged a request within 3 seconds. */
  unhandledRequest(args: ReceiverUnhandledRequestHandlerArgs): void;
}

/**
 * Creates the HTTPReceiver's failure handlers. They respond as Bolt's defaults do: 401 for an authorization
 * error, 500 for any other error, 404 when nothing acknowledged. Neither may throw, because Bolt calls them
 * outside any promise chain that would catch it.
 */
export function createReceiverHandlers(logger: Logger): ReceiverHandlers {
  return {
    async processEventError({ error, request, response }) {
      const fields = { err: error, ...readRequestIds(request) };
      if (response.headersSent) {
        logger.error(fields, 'Processing a Slack request failed after it was acknowledged');
        return false;
      }
      if ((error as { code?: unknown }).code === ErrorCode.AuthorizationError) {
        logger.warn(fields, 'Rejected a Slack request that Bolt could not authorize');
        endResponse(response, 401);
        return true;
      }
      logger.error(fields, 'Processing a Slack request failed');
      endResponse(response, 500);
      return false;
    },
    unhandledRequest({ request, response }) {
      logger.error(
        readRequestIds(request),
        'No listener acknowledged a Slack request within 3 seconds, so it got 404',
      );
      if (!response.headersSent) endResponse(response, 404);
    },
  };
}

/** Reads the ids from the body the route buffered. A parse error takes their place if there is one. */
function readRequestIds(request: IncomingMessage): SlackRequestIds | { bodyError: string } {
  if (!HTTPModuleFunctions.isBufferedIncomingMessage(request))
    return { bodyError: 'the body was not buffered' };
  try {
    return describeRequestIds(HTTPModuleFunctions.parseHTTPRequestBody(request));
  } catch (error) {
    return { bodyError: error instanceof Error ? error.message : String(error) };
  }
}

function endResponse(response: ServerResponse, status: number): void {
  response.writeHead(status);
  response.end();
}
