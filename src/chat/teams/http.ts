/**
 * POST /api/messages on keyhunt's shared node:http server. The route reads and checks the activity itself
 * and passes it to KeyhuntCloudAdapter, in place of `CloudAdapter.process`. botbuilder 4.23's `process`
 * responds to a body without a string `type` with 500 and writes each rejected token to console.error.
 * Here both get a 4xx response and a warning that rejection-log.ts limits to one line per status per minute.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Activity, InvokeResponse, TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import type { HttpRoute } from '../../server.js';
import { createRejectionLog } from '../rejection-log.js';
import type { KeyhuntCloudAdapter } from './adapter.js';

export const MESSAGES_PATH = '/api/messages';
/** Maximum request body size in bytes. Teams activities are far smaller, so the limit only stops memory exhaustion. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Creates the route that hands Bot Framework activities to the adapter and the bot's turn logic. */
export function createMessagesRoute(options: {
  adapter: KeyhuntCloudAdapter;
  logic: (context: TurnContext) => Promise<void>;
  logger: Logger;
  clock: () => Date;
  /** When true, a request without an Authorization header is rejected here with 401 and logged. */
  requireAuthorizationHeader: boolean;
}): HttpRoute {
  const { adapter, logic, logger, clock, requireAuthorizationHeader } = options;
  const logRejection = createRejectionLog(logger, clock);
  return {
    method: 'POST',
    path: MESSAGES_PATH,
    handler: async (req, res) => {
      if (requireAuthorizationHeader && !req.headers.authorization) {
        logRejection(401, req, 'Rejected a Teams request without an Authorization header');
        sendText(res, 401, 'Authorization header required\n');
        return;
      }
      const body = await readJsonBody(req);
      if (body.kind === 'too-large') {
        logRejection(413, req, `Rejected a Teams request with a body over ${MAX_BODY_BYTES} bytes`);
        sendText(res, 413, `Request body larger than ${MAX_BODY_BYTES} bytes\n`);
        return;
      }
      if (body.kind === 'invalid') {
        logRejection(
          400,
          req,
          `Rejected a Teams request with an invalid JSON body: ${body.reason.slice(0, 200)}`,
        );
        sendText(res, 400, 'Request body is not a JSON object\n');
        return;
      }
      const activity = toActivity(body.value);
      if (!activity) {
        logRejection(400, req, 'Rejected a Teams request whose activity has no type');
        sendText(res, 400, 'The activity has no type\n');
        return;
      }
      const outcome = await adapter.processAuthenticated(req.headers.authorization ?? '', activity, logic);
      if (outcome.kind === 'unauthorized') {
        logRejection(401, req, `Rejected a Teams request whose token is invalid: ${outcome.reason}`);
        sendText(res, 401, 'The Authorization token is invalid\n');
        return;
      }
      sendInvokeResponse(res, outcome.invokeResponse);
    },
  };
}

type BodyResult =
  | { kind: 'ok'; value: Record<string, unknown> }
  | { kind: 'too-large' }
  | { kind: 'invalid'; reason: string };

async function readJsonBody(req: IncomingMessage): Promise<BodyResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Reads to the end even past the limit, discarding, because leaving the loop early would destroy the
  // socket before the 413 response is written.
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size <= MAX_BODY_BYTES) chunks.push(buffer);
  }
  if (size > MAX_BODY_BYTES) return { kind: 'too-large' };
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    return { kind: 'invalid', reason: error instanceof Error ? error.message : String(error) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'invalid', reason: 'the body is not a JSON object' };
  }
  return { kind: 'ok', value: value as Record<string, unknown> };
}

/**
 * Returns the body as an activity with its time fields converted to Date, keeping the text in `rawTimestamp`
 * and the like, as botbuilder 4.23's `validateAndFixActivity` does. Returns null when `type` is not a
 * non-empty string.
 */
function toActivity(body: Record<string, unknown>): Activity | null {
  if (typeof body['type'] !== 'string' || body['type'] === '') return null;
  const activity: Record<string, unknown> = { ...body };
  const timeFields = [
    ['timestamp', 'rawTimestamp'],
    ['expiration', 'rawExpiration'],
    ['localTimestamp', 'rawLocalTimestamp'],
  ] as const;
  for (const [field, rawField] of timeFields) {
    const value = body[field];
    if (typeof value !== 'string') continue;
    activity[rawField] = value;
    activity[field] = new Date(value);
  }
  return activity as unknown as Activity;
}

/** Writes the turn's invoke response, or 200 without a body when the activity was not an invoke. */
function sendInvokeResponse(res: ServerResponse, invokeResponse: InvokeResponse | undefined): void {
  const status = invokeResponse?.status ?? 200;
  const body: unknown = invokeResponse?.body;
  if (body === undefined || body === null) {
    res.writeHead(status).end();
    return;
  }
  if (typeof body === 'string') {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
}
