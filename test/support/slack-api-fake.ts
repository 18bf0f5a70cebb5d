/**
 * A local fake of the Slack Web API for tests: the real WebClient (through Bolt) talks to it over HTTP on
 * 127.0.0.1. It records every call with its decoded arguments and returns what Slack documents for the methods
 * keyhunt uses. A test can queue a 429, an HTTP error or an `ok: false` error for the next calls of a
 * method. It also receives `response_url` posts of slash commands.
 *
 * Posted messages are kept per channel with their metadata, and conversations.history serves them back,
 * newest first, filtered by `oldest`/`latest` and paged by `limit`/`cursor`.
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

/** A message as the fake keeps it and as conversations.history returns it. */
export interface FakeMessage {
  type: 'message';
  ts: string;
  text?: string;
  user?: string;
  bot_id?: string;
  thread_ts?: string;
  metadata?: unknown;
}

export interface SlackApiFakeOptions {
  /**
   * The time of new messages. Their ts is this second plus a counter as the fraction, so the default (a
   * fixed second, 1700000000) gives predictable ts values. Set it where conversations.history must find
   * the messages inside a time window.
   */
  clock?: () => Date;
}

export const FAKE_BOT_USER_ID = 'UKEYHUNTBOT';
export const FAKE_BOT_ID = 'BKEYHUNT';
export const FAKE_TEAM_ID = 'T0KEYHUNT';
/** Page size of conversations.history when the request sets no `limit`, as Slack documents. */
const DEFAULT_HISTORY_LIMIT = 100;

export class SlackApiFake {
  readonly calls: RecordedCall[] = [];
  /** Bodies posted to response URLs, by path. */
  readonly responses: Array<{ path: string; body: unknown }> = [];
  /** Members per user group id, for usergroups.users.list. */
  readonly userGroups: Record<string, string[]> = {};
  private readonly scripted = new Map<string, ScriptedResponse[]>();
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private readonly channels = new Map<string, FakeMessage[]>();
  private readonly clock: () => Date;
  private messageCount = 0;
  private baseUrl = '';

  constructor(options: SlackApiFakeOptions = {}) {
    this.clock = options.clock ?? (() => new Date(1_700_000_000_000));
  }

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

  /** Returns the messages of `channel` in the order they were added, thread replies included. */
  messagesIn(channel: string): FakeMessage[] {
    return this.channels.get(channel) ?? [];
  }

  /** Adds a message to `channel` as if someone had posted it, and returns it. `ts` defaults to the next one. */
  addMessage(channel: string, fields: Omit<FakeMessage, 'type' | 'ts'> & { ts?: string }): FakeMessage {
    const message: FakeMessage = { type: 'message', ...fields, ts: fields.ts ?? this.nextTs() };
    const messages = this.channels.get(channel) ?? [];
    messages.push(message);
    this.channels.set(channel, messages);
    return message;
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
          bot_id: FAKE_BOT_ID,
        };
      case 'chat.postMessage': {
        const { ts } = this.addMessage(String(args.channel), {
          text: optionalString(args.text),
          user: FAKE_BOT_USER_ID,
          bot_id: FAKE_BOT_ID,
          thread_ts: optionalString(args.thread_ts),
          metadata: args.metadata,
        });
        return { ok: true, channel: args.channel, ts, message: { text: args.text, ts } };
      }
      case 'chat.update':
        return this.update(args);
      case 'conversations.history':
        return this.history(args);
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

  private nextTs(): string {
    this.messageCount += 1;
    const seconds = Math.floor(this.clock().getTime() / 1000);
    return `${seconds}.${String(this.messageCount).padStart(6, '0')}`;
  }

  /**
   * Changes the text, and the metadata when given, of a kept message. It also succeeds for a ts it does not
   * keep, because tests seed findings as posted without posting them.
   */
  private update(args: Record<string, unknown>): Record<string, unknown> {
    const message = this.messagesIn(String(args.channel)).find((kept) => kept.ts === args.ts);
    if (message) {
      message.text = optionalString(args.text);
      if (args.metadata !== undefined) message.metadata = args.metadata;
    }
    return { ok: true, channel: args.channel, ts: args.ts, text: args.text };
  }

  /**
   * Top-level messages of a channel, newest first, with ts after `oldest` and before `latest` (both
   * exclusive unless `inclusive`). Metadata is returned only with `include_all_metadata`, so a test fails
   * when a caller leaves that argument out. The cursor is the offset of the next page.
   */
  private history(args: Record<string, unknown>): Record<string, unknown> {
    const channel = String(args.channel);
    const inclusive = args.inclusive === true || args.inclusive === 'true';
    const oldest = args.oldest === undefined ? Number.NEGATIVE_INFINITY : Number(args.oldest);
    const latest = args.latest === undefined ? Number.POSITIVE_INFINITY : Number(args.latest);
    const inWindow = (ts: number): boolean =>
      inclusive ? ts >= oldest && ts <= latest : ts > oldest && ts < latest;
    const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';

    const matching = this.messagesIn(channel)
      .filter((message) => message.thread_ts === undefined || message.thread_ts === message.ts)
      .filter((message) => inWindow(Number(message.ts)))
      .sort((a, b) => Number(b.ts) - Number(a.ts));
    const limit = args.limit === undefined ? DEFAULT_HISTORY_LIMIT : Number(args.limit);
    const offset = args.cursor === undefined ? 0 : Number(args.cursor);
    const page = matching.slice(offset, offset + limit).map((message) => {
      if (withMetadata) return message;
      const { metadata: _left, ...rest } = message;
      return rest;
    });
    const hasMore = offset + limit < matching.length;
    return {
      ok: true,
      messages: page,
      has_more: hasMore,
      response_metadata: { next_cursor: hasMore ? String(offset + limit) : '' },
    };
  }
}

function optionalString(value: unknown): string | undefined {
  return value === undefined ? undefined : String(value);
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
