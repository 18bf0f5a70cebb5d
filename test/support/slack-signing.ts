/**
 * Requests as Slack sends them to an app: form-encoded slash commands and interactivity payloads, signed with
 * the signing secret the way Slack's "Verifying requests from Slack" guide describes (HMAC-SHA256 over
 * `v0:<timestamp>:<body>`, sent as `x-slack-signature: v0=<hex>` with `x-slack-request-timestamp`).
 */
import { createHmac } from 'node:crypto';

export const TEST_SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

export function signSlackRequest(
  secret: string,
  body: string,
  timestampSeconds: number,
): Record<string, string> {
  const signature = createHmac('sha256', secret).update(`v0:${timestampSeconds}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': String(timestampSeconds), 'x-slack-signature': `v0=${signature}` };
}

export interface PostOptions {
  /** Secret to sign with; null sends the request without signature headers. */
  secret?: string | null;
  /** Request timestamp in epoch seconds; now by default. */
  timestampSeconds?: number;
  /** Content type; form-encoded by default. */
  contentType?: string;
  /** Aborts the request after this many milliseconds; 10,000 by default. */
  timeoutMs?: number;
}

export interface PostResult {
  status: number;
  text: string;
  elapsedMs: number;
}

/** POSTs a body (form-encoded by default) to an app endpoint, signed unless `secret` is null, and measures the response time. */
export async function postSigned(url: string, body: string, options: PostOptions = {}): Promise<PostResult> {
  const secret = options.secret === undefined ? TEST_SIGNING_SECRET : options.secret;
  const timestamp = options.timestampSeconds ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
  };
  if (secret !== null) Object.assign(headers, signSlackRequest(secret, body, timestamp));

  const started = performance.now();
  const signal = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  const response = await fetch(url, { method: 'POST', headers, body, signal });
  const text = await response.text();
  return { status: response.status, text, elapsedMs: performance.now() - started };
}

export interface SlashCommandFields {
  text: string;
  userId?: string;
  userName?: string;
  channelId?: string;
  responseUrl: string;
}

/** Builds the form body of a `/keyhunt` slash command request. */
export function slashCommandBody(fields: SlashCommandFields): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T0KEYHUNT',
    team_domain: 'keyhunt-test',
    channel_id: fields.channelId ?? 'CFINDINGS',
    channel_name: 'security-alerts',
    user_id: fields.userId ?? 'UALICE',
    user_name: fields.userName ?? 'alice',
    command: '/keyhunt',
    text: fields.text,
    api_app_id: 'AKEYHUNT',
    response_url: fields.responseUrl,
    trigger_id: '1234.5678.abcdef',
  }).toString();
}

export interface ClickFields {
  userId: string;
  userName: string;
  channelId: string;
  messageTs: string;
  actionId: string;
  /** A button's value; for a select, the selected option's value. */
  value: string;
  kind?: 'button' | 'static_select';
  responseUrl: string;
}

/** Builds the form body of a block_actions request for one click on a message. */
export function blockActionsBody(fields: ClickFields): string {
  const action =
    fields.kind === 'static_select'
      ? {
          type: 'static_select',
          action_id: fields.actionId,
          block_id: 'finding.actions',
          selected_option: { text: { type: 'plain_text', text: 'option' }, value: fields.value },
          action_ts: '1700000100.000001',
        }
      : {
          type: 'button',
          action_id: fields.actionId,
          block_id: 'finding.actions',
          text: { type: 'plain_text', text: 'button' },
          value: fields.value,
          action_ts: '1700000100.000001',
        };
  const payload = {
    type: 'block_actions',
    team: { id: 'T0KEYHUNT', domain: 'keyhunt-test' },
    user: { id: fields.userId, username: fields.userName, name: fields.userName, team_id: 'T0KEYHUNT' },
    api_app_id: 'AKEYHUNT',
    token: 'legacy-verification-token',
    container: {
      type: 'message',
      message_ts: fields.messageTs,
      channel_id: fields.channelId,
      is_ephemeral: false,
    },
    trigger_id: '1234.5678.abcdef',
    channel: { id: fields.channelId, name: 'security-alerts' },
    message: { type: 'message', ts: fields.messageTs, text: 'finding' },
    response_url: fields.responseUrl,
    actions: [action],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
