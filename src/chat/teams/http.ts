/**
 * POST /api/messages on keyhunt's shared node:http server. CloudAdapter.process expects an Express-like
 * request with a parsed JSON body and a response with status, header, send and end. This file builds both
 * from the raw node objects.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CloudAdapter, Request, Response, TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import type { HttpRoute } from '../../server.js';
import { createRejectionLog } from '../rejection-log.js';

export const MESSAGES_PATH = '/api/messages';
/** Maximum request body size in bytes. Teams activities are far smaller, so the limit only stops memory exhaustion. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Creates the route that hands Bot Framework activities to the adapter and the bot's turn logic. */
export function createMessagesRoute(options: {
  adapter: CloudAdapter;
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
      // botbuilder reports a failed token check with console.error, so a missing header is rejected here instead.
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
      const request: Request = { body: body.value, headers: req.headers, method: req.method };
      await adapter.process(request, wrapResponse(res), logic);
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

/** Adapts a node response to botbuilder's Response: `send` buffers the body, `end` writes it once. */
function wrapResponse(res: ServerResponse): Response {
  let body: string | Buffer | null = null;
  return {
    socket: res.socket,
    status(code: number) {
      res.statusCode = code;
      return this;
    },
    header(name: string, value: unknown) {
      res.setHeader(name, String(value));
      return this;
    },
    send(payload?: unknown) {
      if (payload === undefined || payload === null) return this;
      if (typeof payload === 'string' || Buffer.isBuffer(payload)) {
        body = payload;
        if (!res.hasHeader('content-type')) res.setHeader('content-type', 'text/plain; charset=utf-8');
      } else {
        body = JSON.stringify(payload);
        res.setHeader('content-type', 'application/json; charset=utf-8');
      }
      return this;
    },
    end() {
      if (res.writableEnded) return this;
      if (body === null) res.end();
      else res.end(body);
      return this;
    },
  };
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
}
