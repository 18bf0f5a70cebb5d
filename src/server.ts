/**
 * The one HTTP server: Slack at `/slack/events`, Teams at `/api/messages`, health and metrics. Each part
 * registers routes; anything else gets 404.
 */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

export interface HttpRoute {
  method: 'GET' | 'POST';
  path: string;
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
}

/** Creates the HTTP server over the given routes. Call `listen` on the result. */
export function createHttpServer(routes: HttpRoute[], logger: Logger): http.Server {
  return http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = routes.find((candidate) => candidate.path === path && candidate.method === req.method);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    Promise.resolve()
      .then(() => route.handler(req, res))
      .catch((error: unknown) => {
        logger.error({ err: error, method: req.method, path }, 'HTTP handler failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
      });
  });
}
