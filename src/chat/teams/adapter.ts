/**
 * botbuilder's CloudAdapter with standard Bot Framework authentication, and the proactive channel built on
 * it. Together with bot.ts and http.ts this is where keyhunt touches the Bot Framework SDK, so moving to the
 * Microsoft 365 Agents SDK replaces these files and keeps the cards, notifier and store helpers.
 */
import {
  type Activity,
  CardFactory,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type ConversationReference,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import type { Logger } from 'pino';
import type { TeamsConfig } from '../../config.js';
import type { AdaptiveCard } from './card-elements.js';
import type { ProactiveChannel } from './delivery.js';

/**
 * `bot-framework` validates every request's JWT and signs outgoing calls with the app's credentials.
 * `disabled-for-tests` skips both; it needs an empty app id and exists only for tests against local fakes.
 */
export type TeamsAuthentication = 'bot-framework' | 'disabled-for-tests';

/** A Teams setting keyhunt cannot start with; the message names the variable and the fix. */
export class TeamsSetupError extends Error {
  readonly code = 'TEAMS_SETUP_INVALID';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TeamsSetupError';
  }
}

/** The outcome of one incoming activity: rejected for its token, or run with its invoke response. */
export type ActivityOutcome =
  | { kind: 'unauthorized'; reason: string }
  | { kind: 'processed'; invokeResponse: InvokeResponse | undefined };

/**
 * CloudAdapter whose token check reports to the caller. `CloudAdapter.process` writes a failed check to
 * console.error with its stack and responds with 401 itself, so a flood of bad tokens would bypass
 * keyhunt's log.
 */
export class KeyhuntCloudAdapter extends CloudAdapter {
  /**
   * Authenticates the request's Authorization header for `activity`, then runs `logic` in a turn. A token
   * that fails the check returns `unauthorized`, and every other error is thrown.
   */
  async processAuthenticated(
    authHeader: string,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<ActivityOutcome> {
    let authentication: Awaited<ReturnType<typeof this.botFrameworkAuthentication.authenticateRequest>>;
    try {
      authentication = await this.botFrameworkAuthentication.authenticateRequest(activity, authHeader);
    } catch (error) {
      if (!isAuthenticationError(error)) throw error;
      return { kind: 'unauthorized', reason: error.message };
    }
    return { kind: 'processed', invokeResponse: await this.processActivity(authentication, activity, logic) };
  }
}

/**
 * Tells a rejected token from other failures. botframework-connector 4.23 throws AuthenticationError with
 * status 401 for a bad token, 400 for a missing header and 500 when the signing keys cannot be loaded. Only
 * the 500 is keyhunt's problem. botbuilder does not export the class, so its `statusCode` is checked.
 */
function isAuthenticationError(error: unknown): error is Error & { statusCode: number } {
  if (!(error instanceof Error)) return false;
  const { statusCode } = error as { statusCode?: unknown };
  return statusCode === 400 || statusCode === 401 || statusCode === 403;
}

/** Creates the CloudAdapter. Throws TeamsSetupError instead of ever turning authentication off silently. */
export function createCloudAdapter(
  config: TeamsConfig,
  authentication: TeamsAuthentication,
  logger: Logger,
): KeyhuntCloudAdapter {
  const appId = config.appId.trim();
  if (authentication === 'bot-framework' && appId === '') {
    throw new TeamsSetupError(
      'MicrosoftAppId is empty, which would turn Bot Framework authentication off. Set MicrosoftAppId and ' +
        'MicrosoftAppPassword to the Microsoft App ID and client secret of your Azure Bot resource.',
    );
  }
  if (authentication === 'disabled-for-tests' && appId !== '') {
    throw new TeamsSetupError(
      `Authentication "disabled-for-tests" needs an empty MicrosoftAppId, got "${appId}". Use "bot-framework".`,
    );
  }
  if (authentication === 'disabled-for-tests') {
    logger.warn('Teams authentication is disabled: requests are not verified. Use this only in tests.');
  }

  let botFrameworkAuthentication: ConfigurationBotFrameworkAuthentication;
  try {
    botFrameworkAuthentication = new ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: appId,
      MicrosoftAppPassword: config.appPassword,
      MicrosoftAppType: config.appType,
      MicrosoftAppTenantId: config.tenantId ?? '',
    });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new TeamsSetupError(
      `The Teams credentials are invalid for MicrosoftAppType=${config.appType}: ${detail} Check MicrosoftAppId, ` +
        'MicrosoftAppPassword and MicrosoftAppTenantId against the Azure Bot resource.',
      { cause: error },
    );
  }
  return new KeyhuntCloudAdapter(botFrameworkAuthentication);
}

/** Sends and updates cards in stored conversations with `continueConversationAsync`. */
export class CloudAdapterChannel implements ProactiveChannel {
  readonly #adapter: CloudAdapter;
  readonly #appId: string;

  constructor(adapter: CloudAdapter, appId: string) {
    this.#adapter = adapter;
    this.#appId = appId.trim();
  }

  async sendCard(reference: Record<string, unknown>, card: AdaptiveCard, summary: string): Promise<string> {
    let activityId: string | undefined;
    await this.#continue(reference, async (context) => {
      const response = await context.sendActivity({
        type: 'message',
        summary,
        attachments: [CardFactory.adaptiveCard(card)],
      });
      activityId = response?.id;
    });
    if (!activityId) {
      throw new Error('Teams accepted the card but returned no activity id, so it cannot be updated later.');
    }
    return activityId;
  }

  async updateCard(
    reference: Record<string, unknown>,
    activityId: string,
    card: AdaptiveCard,
    summary: string,
  ): Promise<void> {
    await this.#continue(reference, async (context) => {
      await context.updateActivity({
        id: activityId,
        type: 'message',
        summary,
        attachments: [CardFactory.adaptiveCard(card)],
      });
    });
  }

  /**
   * Runs `logic` in a proactive turn and rethrows its error. Without this, the adapter's onTurnError would
   * receive the error and the caller could not tell a 403 from a success.
   */
  async #continue(
    reference: Record<string, unknown>,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<void> {
    let failure: { error: unknown } | null = null;
    await this.#adapter.continueConversationAsync(
      this.#appId,
      reference as Partial<ConversationReference>,
      async (context) => {
        try {
          await logic(context);
        } catch (error) {
          failure = { error };
        }
      },
    );
    if (failure !== null) throw (failure as { error: unknown }).error;
  }
}
