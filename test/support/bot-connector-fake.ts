/**
 * A local fake of the Bot Connector service (the `serviceUrl` of a Teams activity). botbuilder's real
 * ConnectorClient talks to it over HTTP on 127.0.0.1, so tests see exactly what keyhunt sends to Teams.
 *
 * Implemented operations of the Bot Connector REST API v3:
 * - POST /v3/conversations/{conversationId}/activities                  send to a conversation
 * - POST /v3/conversations/{conversationId}/activities/{activityId}     reply to an activity
 * - PUT  /v3/conversations/{conversationId}/activities/{activityId}     update an activity
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConnectorRequest {
  method: string;
  path: string;
  conversationId: string;
  /** The activity id in the path: the replied-to activity for a reply, the updated one for an update. */
  activityId: string | null;
  authorization: string | null;
  body: Record<string, unknown>;
}

export interface SentActivity {
  conversationId: string;
  /** The id the fake assigned, as returned to the bot. */
  id: string;
  replyToId: string | null;
  activity: Record<string, unknown>;
}

export interface UpdatedActivity {
  conversationId: string;
  activityId: string;
  activity: Record<string, unknown>;
}

export interface BotConnectorFake {
  /** Base URL to use as `serviceUrl`, ending in `/`. */
  readonly url: string;
  /** Every request received, in order, including rejected ones. */
  readonly requests: ConnectorRequest[];
  /** Activities accepted by send and reply, in order. */
  readonly sent: SentActivity[];
  /** Accepted updates, in order. */
  readonly updates: UpdatedActivity[];
  /** Makes every later request for the conversation fail with `status` (403 or 404 as Teams does when removed). */
  failConversation(conversationId: string, status: number): void;
  /** Lets requests for the conversation succeed again. */
  restoreConversation(conversationId: string): void;
  /** Forgets every request and failure, for the next test. */
  reset(): void;
  sentTo(conversationId: string): SentActivity[];
  close(): Promise<void>;
}

const ACTIVITY_PATH = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?\/?$/;

/** Starts the fake on 127.0.0.1 with a free port. */
export async function startBotConnectorFake(): Promise<BotConnectorFake> {
  const requests: ConnectorRequest[] = [];
  const sent: SentActivity[] = [];
  const updates: UpdatedActivity[] = [];
  const failures = new Map<string, number>();
  let nextId = 1;

  const server = http.createServer((req, res) => {
    readJson(req)
      .then((body) => {
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        const match = ACTIVITY_PATH.exec(path);
        if (!match) return reply(res, 404, { error: { code: 'NotFound', message: `No route for ${path}` } });

        const conversationId = decodeURIComponent(match[1]!);
        const activityId = match[2] === undefined ? null : decodeURIComponent(match[2]);
        const method = req.method ?? 'GET';
        const authorization = req.headers.authorization ?? null;
        requests.push({ method, path, conversationId, activityId, authorization, body });

        const failure = failures.get(conversationId);
        if (failure !== undefined) {
          return reply(res, failure, {
            error: {
              code: 'BotNotInConversationRoster',
              message: 'The bot is not part of the conversation roster.',
            },
          });
        }
        if (method === 'POST') {
          const id = `activity-${nextId++}`;
          sent.push({ conversationId, id, replyToId: activityId, activity: body });
          return reply(res, 201, { id });
        }
        if (method === 'PUT' && activityId !== null) {
          updates.push({ conversationId, activityId, activity: body });
          return reply(res, 200, { id: activityId });
        }
        return reply(res, 405, { error: { code: 'MethodNotAllowed', message: `${method} ${path}` } });
      })
      .catch((error: unknown) => {
        reply(res, 400, { error: { code: 'BadRequest', message: String(error) } });
      });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    sent,
    updates,
    failConversation: (conversationId, status) => {
      failures.set(conversationId, status);
    },
    restoreConversation: (conversationId) => {
      failures.delete(conversationId);
    },
    reset: () => {
      requests.length = 0;
      sent.length = 0;
      updates.length = 0;
      failures.clear();
    },
    sentTo: (conversationId) => sent.filter((activity) => activity.conversationId === conversationId),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text === '') return resolve({});
      try {
        resolve(JSON.parse(text) as Record<string, unknown>);
      } catch (error) {
        reject(new Error(`Invalid JSON body: ${String(error)}`, { cause: error }));
      }
    });
  });
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
