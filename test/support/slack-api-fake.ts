/**
 * A local fake of the Slack Web API for tests: the real WebClient (through Bolt) talks to it over HTTP on
 * 127.0.0.1. It records every call with its decoded arguments and returns what Slack documents for the methods
 * keyhunt uses. A test can queue a 429, an HTTP error or an `ok: false` error for the next calls of a
 * method. It also receives `response_url` posts of slash commands.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  /** Milliseconds since the epoch when the request arrived. */
  atMs: number;
}

export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export const FAKE_BOT_USER_ID = 'UKEYHUNTBOT';
export const FAKE_TEAM_ID = 'T0KEYHUNT';

export class SlackApiFake {
  readonly calls: RecordedCall[] = [];
  /** Bodies posted to response URLs, by path. */
  readonly responses: Array<{ path: string; body: unknown }> = [];
  /** Members per user group id, for usergroups.users.list. */
  readonly userGroups: Record<string, string[]> = {};
  private readonly scripted = new Map<string, ScriptedResponse[]>();
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private messageCount = 0;
  private baseUrl = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  /** The Web API base URL to pass as SLACK_API_URL. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  /** Returns a response URL on this fake, like the one Slack puts into a slash command payload. */
  responseUrl(name: string): string {
    return `${this.baseUrl}/response/${name}`;
  }

  /** Queues `response` for the next call of `method` in place of the default. Several are used in order. */
  failNext(method: string, response: ScriptedResponse): void {
    const queue = this.scripted.get(method) ?? [];
    queue.push(response);
    this.scripted.set(method, queue);
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = (req.url ?? '/').split('?')[0]!;
    if (path.startsWith('/response/')) {
      this.responses.push({ path, body: JSON.parse(raw) as unknown });
      sendJson(res, 200, { ok: true });
      return;
    }
    const method = path.replace(/^\/api\//, '');
    const args = decodeArgs(raw, req.headers['content-type'] ?? '');
    this.calls.push({ method, args, atMs: Date.now() });

    const scripted = this.scripted.get(method)?.shift();
    if (scripted) {
      sendJson(
        res,
        scripted.status ?? 200,
        scripted.body ?? { ok: false, error: 'scripted_error' },
        scripted.headers,
      );
      return;
    }
    sendJson(res, 200, this.answer(method, args));
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://keyhunt-test.slack.com/',
          team_id: FAKE_TEAM_ID,
          user_id: FAKE_BOT_USER_ID,
          bot_id: 'BKEYHUNT',
        };
      case 'chat.postMessage': {
        this.messageCount += 1;
        const ts = `1700000000.${String(this.messageCount).padStart(6, '0')}`;
        return { ok: true, channel: args.channel, ts, message: { text: args.text, ts } };
      }
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts, text: args.text };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: '1700000000.999999' };
      case 'chat.getPermalink':
        return {
          ok: true,
          channel: args.channel,
          permalink: `https://keyhunt-test.slack.com/archives/${String(args.channel)}/p${String(args.message_ts).replace('.', '')}`,
        };
      case 'usergroups.users.list': {
        const users = this.userGroups[String(args.usergroup)];
        return users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Form fields that the WebClient sends as JSON strings. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata']);

/** Decodes a WebClient request: form fields (with JSON_FIELDS parsed) or a JSON body. */
function decodeArgs(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json'))
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    args[key] = JSON_FIELDS.has(key) ? (JSON.parse(value) as unknown) : value;
  }
  return args;
}

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
