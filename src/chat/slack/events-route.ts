/**
 * POST /slack/events in HTTP mode. The route buffers the body, verifies its signature with Bolt's own
 * function, parses it the way Bolt does and checks its shape. Only a signed request that a keyhunt listener
 * handles reaches Bolt's HTTPReceiver, which then reuses the buffered body (Bolt reads `rawBody` when it is
 * already set). Every other request gets a 4xx response at once, and a warning that rejection-log.ts
 * limits to one line per status per minute.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTPModuleFunctions, type BufferedIncomingMessage, type HTTPReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import type { HttpRoute } from '../../server.js';
import { createRejectionLog, type RejectionLog } from '../rejection-log.js';
import { checkSlackRequestBody } from './request-body.js';

export const SLACK_EVENTS_PATH = '/slack/events';
/** Maximum request body size in bytes, the same as Bolt's default. Slack's payloads are far smaller. */
export const MAX_SLACK_BODY_BYTES = HTTPModuleFunctions.defaultBodyLimit;

export interface EventsRouteOptions {
  receiver: HTTPReceiver;
  signingSecret: string;
  /** The slash command keyhunt registers, such as `/keyhunt`. */
  commandName: string;
  logger: Logger;
  /** Clock of the rate limit on warnings about rejected requests (REJECTION_LOG_INTERVAL_MS). */
  clock: () => Date;
}

type Verified = { kind: 'verified'; request: BufferedIncomingMessage } | { kind: 'rejected' };

/** Creates the route that checks each request and hands the accepted ones to Bolt. */
export function createEventsRoute(options: EventsRouteOptions): HttpRoute {
  const { receiver, commandName } = options;
  const logRejection = createSlackRejectionLog(options.logger, options.clock);
  return {
    method: 'POST',
    path: SLACK_EVENTS_PATH,
    handler: async (req, res) => {
      const verified = await verifyRequest(req, res, options.signingSecret, logRejection);
      if (verified.kind === 'rejected') return;
      const { request } = verified;

      let body: unknown;
      try {
        body = HTTPModuleFunctions.parseHTTPRequestBody(request);
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        logRejection(400, req, `Rejected a signed Slack request whose body is not valid JSON: ${detail}`);
        sendText(res, 400, 'The request body is not valid JSON.\n');
        return;
      }
      const check = checkSlackRequestBody(body, commandName);
      if (!check.ok) {
        logRejection(
          400,
          req,
          `Rejected a signed Slack request that keyhunt does not handle: ${check.reason}`,
        );
        sendText(res, 400, 'keyhunt does not handle this kind of Slack request.\n');
        return;
      }
      receiver.requestListener(request, res);
    },
  };
}

/** Buffers the body and verifies the signature. Responds with 401, 413 or 400 itself when either fails. */
async function verifyRequest(
  req: IncomingMessage,
  res: ServerResponse,
  signingSecret: string,
  logRejection: RejectionLog,
): Promise<Verified> {
  try {
    const request = await HTTPModuleFunctions.parseAndVerifyHTTPRequest(
      { signingSecret, bodyLimit: MAX_SLACK_BODY_BYTES },
      req,
    );
    return { kind: 'verified', request };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    if (HTTPModuleFunctions.isRawBodyError(error)) {
      // raw-body's errors carry a status: 413 for a body over the limit, 400 for an aborted request.
      const { statusCode } = error as Error & { statusCode: number };
      const status = statusCode >= 400 && statusCode < 500 ? statusCode : 400;
      logRejection(status, req, `Rejected a Slack request whose body could not be read: ${detail}`);
      sendText(res, status, 'The request body could not be read.\n');
      return { kind: 'rejected' };
    }
    logRejection(
      401,
      req,
      `Rejected a Slack request with a missing, invalid or expired signature (${detail}). ` +
        'If requests from Slack get this, check SLACK_SIGNING_SECRET.',
    );
    sendText(res, 401, 'The request signature is missing, invalid or expired.\n');
    return { kind: 'rejected' };
  }
}

/** Adds the request's Slack timestamp header to each warning, to tell a stale request from a forged one. */
function createSlackRejectionLog(logger: Logger, clock: () => Date): RejectionLog {
  const log = createRejectionLog(logger, clock);
  return (status, req, message) =>
    log(status, req, message, { timestamp: req.headers['x-slack-request-timestamp'] ?? null });
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
}
