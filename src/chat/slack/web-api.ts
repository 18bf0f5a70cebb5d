/**
 * Slack Web API calls: the WebClient retry policy, one more retry layer for Slack's transient
 * `ok: false` errors, and one function that turns the WebClient's failures into errors naming the fix.
 *
 * The WebClient (@slack/web-api 8) already waits out a 429 for its Retry-After seconds and retries HTTP and
 * network failures with the `retryConfig` policy. It does not retry a response with `ok: false`, such as
 * `internal_error`, which is what `callSlack` adds.
 */
import { webApi } from '@slack/bolt';
import type { Logger } from 'pino';

export type WebClient = webApi.WebClient;
export type RetryOptions = NonNullable<webApi.WebClientOptions['retryConfig']>;

/**
 * The WebClient retry policy: up to 5 retries over about a minute (1 s doubling, capped at 30 s), plus the
 * Retry-After wait of each 429. Shorter than the WebClient default (10 retries over about 30 minutes) so a
 * post that keeps failing gives the queue back and is tried again on the next poll.
 */
export const SLACK_RETRY_POLICY: RetryOptions = {
  retries: 5,
  factor: 2,
  minTimeout: 1000,
  maxTimeout: 30_000,
  randomize: true,
};

/** Slack `error` values that mean "try again later", from the Web API method reference pages. */
export const TRANSIENT_SLACK_ERRORS: ReadonlySet<string> = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
]);

export type SlackApiErrorCode =
  'SLACK_PLATFORM_ERROR' | 'SLACK_HTTP_ERROR' | 'SLACK_REQUEST_FAILED' | 'SLACK_RATE_LIMITED';

/** A failed Web API call, with Slack's `error` value when there is one and a message that names the fix. */
export class SlackApiError extends Error {
  /** The scope Slack named in the `needed` field of a `missing_scope` error; null otherwise. */
  readonly neededScope: string | null;

  constructor(
    readonly code: SlackApiErrorCode,
    readonly method: string,
    /** Slack's `error` value, such as `channel_not_found`; null for HTTP and network failures. */
    readonly slackError: string | null,
    message: string,
    options?: { cause?: unknown; neededScope?: string },
  ) {
    super(message, options);
    this.name = 'SlackApiError';
    this.neededScope = options?.neededScope ?? null;
  }

  get transient(): boolean {
    return this.code === 'SLACK_PLATFORM_ERROR'
      ? TRANSIENT_SLACK_ERRORS.has(this.slackError ?? '')
      : this.code !== 'SLACK_HTTP_ERROR';
  }
}

const FIXES: Readonly<Record<string, string>> = {
  channel_not_found:
    'Check KEYHUNT_SLACK_CHANNEL (or KEYHUNT_ESCALATION_CHANNEL): it must be a channel id such as C0123456789 that the app can see.',
  not_in_channel: 'Invite the app to the channel with /invite @keyhunt.',
  is_archived: 'The channel is archived. Unarchive it or set another channel id.',
  invalid_auth: 'Check SLACK_BOT_TOKEN: it must be the current xoxb- bot token of the installed app.',
  not_authed: 'Set SLACK_BOT_TOKEN to the xoxb- bot token of the installed app.',
  token_revoked: 'The bot token was revoked. Reinstall the app and set the new SLACK_BOT_TOKEN.',
  account_inactive:
    'The bot token belongs to a deleted app or user. Reinstall the app and set the new SLACK_BOT_TOKEN.',
  missing_scope: 'Add the missing scope from manifests/slack-app.yaml to the app and reinstall it.',
  message_not_found: 'The message was deleted in Slack; the finding keeps its state in the store.',
  cant_update_message: 'The message was not posted by this app, so it cannot be updated.',
  no_such_subteam: 'Check KEYHUNT_SLACK_TRIAGERS: a user group id (S...) does not exist.',
  msg_too_long: 'The message is longer than Slack accepts; report this as a keyhunt bug with the finding id.',
};

/** Turns a WebClient failure into a SlackApiError whose message names the method, Slack's error and the fix. */
export function translateSlackError(method: string, error: unknown): SlackApiError {
  if (error instanceof webApi.WebAPIPlatformError) {
    const slackError = error.data.error;
    const data = error.data as unknown as Record<string, unknown>;
    const neededScope = typeof data.needed === 'string' ? data.needed : undefined;
    const needed = neededScope ? ` (needed: ${neededScope})` : '';
    const fix =
      FIXES[slackError] ??
      (TRANSIENT_SLACK_ERRORS.has(slackError)
        ? 'Slack reported a temporary problem; it is tried again.'
        : 'See the Slack API documentation of the method for this error.');
    return new SlackApiError(
      'SLACK_PLATFORM_ERROR',
      method,
      slackError,
      `Slack ${method} failed with ${slackError}${needed}. ${fix}`,
      { cause: error, neededScope },
    );
  }
  if (error instanceof webApi.WebAPIHTTPError) {
    return new SlackApiError(
      'SLACK_HTTP_ERROR',
      method,
      null,
      `Slack ${method} failed with HTTP ${error.statusCode} ${error.statusMessage}. Check SLACK_API_URL when it is set.`,
      { cause: error },
    );
  }
  if (error instanceof webApi.WebAPIRateLimitedError) {
    return new SlackApiError(
      'SLACK_RATE_LIMITED',
      method,
      'ratelimited',
      `Slack ${method} is rate limited for ${error.retryAfter} s; it is tried again later.`,
      { cause: error },
    );
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new SlackApiError(
    'SLACK_REQUEST_FAILED',
    method,
    null,
    `Slack ${method} failed: ${detail}. Check the network path to Slack (or SLACK_API_URL).`,
    { cause: error },
  );
}

export interface CallOptions {
  logger: Logger;
  /** Ids to log with each retry, such as the finding id. */
  context?: Record<string, unknown>;
  /** Attempts in all, counting the first; 3 by default. */
  attempts?: number;
  /** Wait before the first retry, doubled for each later one; 1000 ms by default. */
  retryDelayMs?: number;
}

/**
 * Calls one Web API method, retrying Slack's transient `ok: false` errors with a doubling delay. Throws a
 * SlackApiError once the attempts are used up or for any other error.
 */
export async function callSlack<T>(method: string, call: () => Promise<T>, options: CallOptions): Promise<T> {
  const attempts = options.attempts ?? 3;
  let delayMs = options.retryDelayMs ?? 1000;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const translated = translateSlackError(method, error);
      const retryable = translated.code === 'SLACK_PLATFORM_ERROR' && translated.transient;
      if (!retryable || attempt >= attempts) throw translated;
      options.logger.warn(
        { ...options.context, method, attempt, slackError: translated.slackError, retryInMs: delayMs },
        'Slack call failed with a temporary error; retrying',
      );
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs *= 2;
    }
  }
}
