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
    // HEAD runs the GET handler; Node's ServerResponse leaves the body out of HEAD responses.
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const onPath = routes.filter((candidate) => candidate.path === path);
    const route = onPath.find((candidate) => candidate.method === method);
    if (!route) {
      if (onPath.length === 0) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      const allowed = onPath.map((candidate) => candidate.method).join(', ');
      res
        .writeHead(405, { 'content-type': 'text/plain', allow: allowed })
        .end(`method not allowed; use ${allowed}\n`);
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
