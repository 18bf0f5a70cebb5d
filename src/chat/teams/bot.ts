/**
 * The Teams turn logic on botbuilder's ActivityHandler: records the conversations the bot is installed in or
 * messaged from, replies to text commands, and handles Action.Execute from finding cards. Handlers stay thin:
 * decoding and the rules live in card-actions.ts, conversations.ts and the shared query and triage code.
 */
import {
  ActivityHandler,
  type Activity,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  CardFactory,
  TurnContext,
} from 'botbuilder';
import type { Logger } from 'pino';
import type { Store } from '../../pipeline/ports.js';
import { evaluateQuery, parseQuery } from '../../pipeline/query.js';
import { errorResponse, handleCardAction, isTriager, type CardActionResponse } from './card-actions.js';
import {
  type ConversationRecord,
  type RecordOutcome,
  baseConversationId,
  deactivateConversation,
  recordConversation,
} from './conversations.js';
import { buildQueryCard } from './query-cards.js';

export interface KeyhuntTeamsBotOptions {
  store: Store;
  logger: Logger;
  clock: () => Date;
  /** Entra object ids allowed to triage; empty allows everyone in the conversation. */
  triagers: readonly string[];
  /** When set, activities from other Microsoft Entra tenants are ignored. */
  tenantId: string | null;
  /**
   * Called after a card action changed a finding, to update the other cards and Slack. It must not block:
   * Teams waits for the invoke response.
   */
  onFindingChanged: (findingId: string) => void;
  /** Time since the last successful poll after which `status` calls the poller stale; the query default when unset. */
  pollStaleAfterMs?: number;
}

export const WELCOME_TEXT =
  'keyhunt will post AWS access keys that were created and deleted within a short time here, and a daily ' +
  'summary. Send "help" (in a channel, "@keyhunt help") to see the commands.';

export const PERSONAL_CHAT_REJECTION =
  'keyhunt sends findings and replies to commands in personal chats only for its triagers. Ask a keyhunt ' +
  'administrator to add your Microsoft Entra object ID to KEYHUNT_TEAMS_TRIAGERS, or use a channel where ' +
  'keyhunt is installed.';

const REMOVED_REASON = 'The bot was removed from the conversation.';

export class KeyhuntTeamsBot extends ActivityHandler {
  readonly #options: KeyhuntTeamsBotOptions;
  readonly #logger: Logger;

  constructor(options: KeyhuntTeamsBotOptions) {
    super();
    this.#options = options;
    this.#logger = options.logger.child({ component: 'teams-bot' });

    this.onConversationUpdate(async (context, next) => {
      if (this.#isAllowedTenant(context.activity)) await this.#handleConversationUpdate(context);
      await next();
    });
    this.onInstallationUpdate(async (context, next) => {
      if (this.#isAllowedTenant(context.activity)) await this.#handleInstallationUpdate(context);
      await next();
    });
    this.onMessage(async (context, next) => {
      if (this.#isAllowedTenant(context.activity)) await this.#handleMessage(context);
      await next();
    });
  }

  protected override async onAdaptiveCardInvoke(
    context: TurnContext,
    invokeValue: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    if (!this.#isAllowedTenant(context.activity)) {
      return toInvokeResponse(
        errorResponse(403, 'Forbidden', 'This keyhunt serves another Microsoft Entra tenant.'),
      );
    }
    const from = context.activity.from;
    const request = {
      verb: invokeValue.action?.verb,
      data: invokeValue.action?.data,
      user: { aadObjectId: from?.aadObjectId ?? null, name: from?.name ?? null },
    };
    try {
      const result = await handleCardAction(request, {
        store: this.#options.store,
        triagers: this.#options.triagers,
        now: this.#options.clock(),
      });
      if (result.changedFindingId !== null) {
        this.#logger.info(
          { findingId: result.changedFindingId, verb: request.verb, aadObjectId: request.user.aadObjectId },
          'Triage change from a Teams card',
        );
        this.#options.onFindingChanged(result.changedFindingId);
      }
      return toInvokeResponse(result.response);
    } catch (error) {
      this.#logger.error({ err: error, verb: request.verb }, 'Handling a Teams card action failed');
      return toInvokeResponse(
        errorResponse(500, 'InternalError', 'keyhunt could not save the change. Try again in a moment.'),
      );
    }
  }

  async #handleConversationUpdate(context: TurnContext): Promise<void> {
    const { activity } = context;
    const channelData = readChannelData(activity);
    if (channelData.eventType === 'channelDeleted' && channelData.channelId) {
      await this.#deactivate(channelData.channelId, 'The channel was deleted.');
      return;
    }
    if (channelData.eventType === 'teamDeleted' && channelData.teamId) {
      await this.#deactivate(channelData.teamId, 'The team was deleted.');
      return;
    }

    const botId = activity.recipient?.id;
    if (activity.membersAdded?.some((member) => member.id === botId)) await this.#install(context);
    if (activity.membersRemoved?.some((member) => member.id === botId)) {
      await this.#deactivate(activity.conversation.id, REMOVED_REASON);
    }
  }

  async #handleInstallationUpdate(context: TurnContext): Promise<void> {
    const action = context.activity.action;
    if (action === 'add' || action === 'add-upgrade') {
      await this.#install(context);
    } else if (action === 'remove' || action === 'remove-upgrade') {
      await this.#deactivate(context.activity.conversation.id, REMOVED_REASON);
    }
  }

  /** Records the conversation after an installation and greets it the first time (or again after a removal). */
  async #install(context: TurnContext): Promise<void> {
    if (this.#rejectsPersonalChat(context.activity)) {
      await context.sendActivity(PERSONAL_CHAT_REJECTION);
      return;
    }
    const outcome = await this.#record(context.activity, true);
    if (outcome === 'added' || outcome === 'reactivated') await context.sendActivity(WELCOME_TEXT);
  }

  async #handleMessage(context: TurnContext): Promise<void> {
    if (this.#rejectsPersonalChat(context.activity)) {
      await context.sendActivity(PERSONAL_CHAT_REJECTION);
      return;
    }
    await this.#record(context.activity, false);
    const text = TurnContext.removeRecipientMention(context.activity) ?? '';
    const command = parseQuery(text.replace(/&nbsp;/g, ' '));
    const result = evaluateQuery(command, this.#options.store.read(), {
      now: this.#options.clock(),
      pollStaleAfterMs: this.#options.pollStaleAfterMs,
    });
    await context.sendActivity({
      type: 'message',
      attachments: [CardFactory.adaptiveCard(buildQueryCard(result))],
    });
  }

  async #record(activity: Activity, install: boolean): Promise<RecordOutcome> {
    const record = toConversationRecord(activity);
    const outcome = await this.#options.store.update((data) =>
      recordConversation(data, record, this.#options.clock(), { install }),
    );
    if (outcome !== 'updated') {
      this.#logger.info(
        { conversationId: record.id, name: record.name, outcome },
        'Recorded a Teams conversation for delivery',
      );
    }
    return outcome;
  }

  async #deactivate(conversationId: string, reason: string): Promise<void> {
    const changed = await this.#options.store.update((data) =>
      deactivateConversation(data, conversationId, reason, this.#options.clock()),
    );
    if (changed) {
      const id = baseConversationId(conversationId);
      this.#logger.warn({ conversationId: id, reason }, 'Teams conversation marked inactive');
    }
  }

  /** True for a personal chat with someone who is not a triager while triagers are configured. */
  #rejectsPersonalChat(activity: Activity): boolean {
    if (activity.conversation?.conversationType !== 'personal') return false;
    const { triagers } = this.#options;
    return triagers.length > 0 && !isTriager(activity.from?.aadObjectId ?? null, triagers);
  }

  #isAllowedTenant(activity: Activity): boolean {
    const expected = this.#options.tenantId;
    if (!expected) return true;
    const tenant = activity.conversation?.tenantId ?? readChannelData(activity).tenantId;
    if (tenant?.toLowerCase() === expected.toLowerCase()) return true;
    this.#logger.warn(
      { tenantId: tenant ?? null, type: activity.type },
      'Ignored a Teams activity from another tenant',
    );
    return false;
  }
}

/** Builds the stored record: the reference addresses the conversation, not the thread or message it came from. */
export function toConversationRecord(activity: Activity): ConversationRecord {
  const reference = TurnContext.getConversationReference(activity);
  const id = baseConversationId(activity.conversation.id);
  const stored = {
    channelId: reference.channelId,
    serviceUrl: reference.serviceUrl,
    locale: reference.locale,
    bot: reference.bot,
    conversation: { ...reference.conversation, id },
  };
  return {
    id,
    reference: JSON.parse(JSON.stringify(stored)) as Record<string, unknown>,
    name: conversationName(activity),
  };
}

function conversationName(activity: Activity): string | null {
  const data = readChannelData(activity);
  switch (activity.conversation?.conversationType) {
    case 'channel':
      return data.teamName
        ? `${data.teamName} / ${data.channelName ?? 'General'}`
        : (data.channelName ?? null);
    case 'personal':
      return activity.from?.name ? `Personal chat with ${activity.from.name}` : 'Personal chat';
    default:
      return activity.conversation?.name ?? null;
  }
}

interface TeamsChannelFields {
  eventType?: string;
  teamId?: string;
  teamName?: string;
  channelId?: string;
  channelName?: string;
  tenantId?: string;
}

/** Reads the Teams fields of `channelData` without trusting its shape. */
function readChannelData(activity: Activity): TeamsChannelFields {
  const data = (activity.channelData ?? {}) as Record<string, unknown>;
  const field = (object: unknown, key: string): string | undefined => {
    if (typeof object !== 'object' || object === null) return undefined;
    const value = (object as Record<string, unknown>)[key];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    eventType: field(data, 'eventType'),
    teamId: field(data['team'], 'id'),
    teamName: field(data['team'], 'name'),
    channelId: field(data['channel'], 'id'),
    channelName: field(data['channel'], 'name'),
    tenantId: field(data['tenant'], 'id'),
  };
}

/** Botbuilder types an invoke response value as an object, but Universal Actions allow a string message. */
function toInvokeResponse(response: CardActionResponse): AdaptiveCardInvokeResponse {
  return response as unknown as AdaptiveCardInvokeResponse;
}
