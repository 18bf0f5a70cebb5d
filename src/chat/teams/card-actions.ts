/**
 * What an Action.Execute on a finding card does: check the verb and data, authorize the person, call the
 * shared triage function and respond with the card rebuilt from the store. The response has the shape of a
 * Universal Actions invoke response; bot.ts sends it, so nothing here depends on the SDK.
 */
import { getStoredFinding } from '../../pipeline/records.js';
import type { Resolution, Store, TriageAction } from '../../pipeline/ports.js';
import { RESOLUTIONS, type TriageOutcome, applyTriage } from '../../pipeline/triage.js';
import { ADAPTIVE_CARD_CONTENT_TYPE, type AdaptiveCard, adaptiveCard, textLine } from './card-elements.js';
import { cleanValue } from './card-text.js';
import { type CardNotice, RESOLUTION_INPUT_ID, buildFindingCard, decodeVerb } from './cards.js';

export const MESSAGE_CONTENT_TYPE = 'application/vnd.microsoft.activity.message';
export const ERROR_CONTENT_TYPE = 'application/vnd.microsoft.error';
/** Maximum length of a finding id accepted from a card; real ids are 13 characters. */
const MAX_FINDING_ID_CHARS = 100;

export type CardActionResponse =
  | { statusCode: 200; type: typeof ADAPTIVE_CARD_CONTENT_TYPE; value: AdaptiveCard }
  | { statusCode: 200; type: typeof MESSAGE_CONTENT_TYPE; value: string }
  | {
      statusCode: 400 | 403 | 500;
      type: typeof ERROR_CONTENT_TYPE;
      value: { code: string; message: string };
    };

export interface CardActionRequest {
  verb: unknown;
  /** `action.data` of the invoke: the card's data merged with the values of its inputs. */
  data: unknown;
  /** `from.aadObjectId` and `from.name` of the person who clicked. */
  user: { aadObjectId: string | null; name: string | null };
}

export interface CardActionResult {
  response: CardActionResponse;
  /** The finding whose state changed, so every other posted card and Slack can be updated; null otherwise. */
  changedFindingId: string | null;
}

export interface CardActionContext {
  store: Store;
  /** Entra object ids allowed to triage; empty allows everyone who can see the card. */
  triagers: readonly string[];
  now: Date;
}

const DONE_MESSAGES: Readonly<Record<TriageAction, string>> = {
  acknowledge: 'You acknowledged this finding.',
  escalate: 'You escalated this finding.',
  resolve: 'You resolved this finding.',
  reopen: 'You reopened this finding.',
};

/** Handles one Action.Execute from a finding card. Throws only when the store fails. */
export async function handleCardAction(
  request: CardActionRequest,
  context: CardActionContext,
): Promise<CardActionResult> {
  const verb = decodeVerb(request.verb);
  if (!verb) {
    const message = `keyhunt has no card action "${String(request.verb)}".`;
    return noChange(errorResponse(400, 'NotSupported', message));
  }
  const data = readData(request.data);
  const findingId = data['findingId'];
  if (typeof findingId !== 'string' || findingId.length === 0 || findingId.length > MAX_FINDING_ID_CHARS) {
    return noChange(errorResponse(400, 'BadRequest', 'The card action carries no valid findingId.'));
  }

  const stored = getStoredFinding(context.store.read(), findingId);
  if (verb.kind === 'refresh') {
    return noChange(cardResponse(stored ? buildFindingCard(stored) : missingFindingCard(findingId)));
  }
  if (!stored) {
    return noChange(messageResponse(`No finding with id ${cleanValue(findingId)} is stored any more.`));
  }

  const authorization = authorize(request.user, context.triagers);
  if (!authorization.allowed) {
    const notice: CardNotice = { text: authorization.reason, style: 'attention' };
    return noChange(cardResponse(buildFindingCard(stored, { notice })));
  }

  const outcome = await applyTriage(context.store, {
    findingId,
    action: verb.action,
    resolution: readResolution(data[RESOLUTION_INPUT_ID]),
    actor: {
      platform: 'teams',
      id: authorization.aadObjectId,
      name: request.user.name?.trim() || authorization.aadObjectId,
    },
    now: context.now,
  });
  return respondToOutcome(outcome, verb.action, findingId);
}

/** Builds the invoke response for a triage outcome: the card in its new state, with what happened on top. */
function respondToOutcome(outcome: TriageOutcome, action: TriageAction, findingId: string): CardActionResult {
  switch (outcome.kind) {
    case 'changed': {
      const notice: CardNotice = { text: DONE_MESSAGES[action], style: 'good' };
      return {
        response: cardResponse(buildFindingCard(outcome.stored, { notice })),
        changedFindingId: findingId,
      };
    }
    case 'unchanged': {
      const notice: CardNotice = { text: outcome.message, style: 'warning' };
      return noChange(cardResponse(buildFindingCard(outcome.stored, { notice })));
    }
    case 'invalid': {
      const notice: CardNotice = { text: outcome.message, style: 'attention' };
      return noChange(cardResponse(buildFindingCard(outcome.stored, { notice })));
    }
    case 'not-found':
      return noChange(messageResponse(outcome.message));
  }
}

function readData(data: unknown): Record<string, unknown> {
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
}

type Authorization = { allowed: true; aadObjectId: string } | { allowed: false; reason: string };

/** Decides whether the person may triage: they need an Entra object id, and one of the triagers' when any are set. */
export function authorize(user: CardActionRequest['user'], triagers: readonly string[]): Authorization {
  const aadObjectId = user.aadObjectId;
  if (!aadObjectId) {
    return {
      allowed: false,
      reason:
        'Teams did not send your Microsoft Entra object ID, so keyhunt cannot record who made the change. Nothing was changed.',
    };
  }
  if (triagers.length === 0 || isTriager(aadObjectId, triagers)) return { allowed: true, aadObjectId };
  return {
    allowed: false,
    reason:
      'You are not allowed to triage keyhunt findings, so nothing was changed. Ask a keyhunt administrator to add ' +
      `your Microsoft Entra object ID ${cleanValue(aadObjectId)} to KEYHUNT_TEAMS_TRIAGERS.`,
  };
}

/** Checks an Entra object id against the triagers; GUIDs compare without regard to case. */
export function isTriager(aadObjectId: string | null, triagers: readonly string[]): boolean {
  if (!aadObjectId) return false;
  const normalized = aadObjectId.toLowerCase();
  return triagers.some((triager) => triager.toLowerCase() === normalized);
}

function readResolution(value: unknown): Resolution | null {
  return typeof value === 'string' && (RESOLUTIONS as readonly string[]).includes(value)
    ? (value as Resolution)
    : null;
}

function noChange(response: CardActionResponse): CardActionResult {
  return { response, changedFindingId: null };
}

export function cardResponse(card: AdaptiveCard): CardActionResponse {
  return { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: card };
}

export function messageResponse(text: string): CardActionResponse {
  return { statusCode: 200, type: MESSAGE_CONTENT_TYPE, value: text };
}

export function errorResponse(
  statusCode: 400 | 403 | 500,
  code: string,
  message: string,
): CardActionResponse {
  return { statusCode, type: ERROR_CONTENT_TYPE, value: { code, message } };
}

/** Builds the card for a finding that is not stored any more, returned when an old card is refreshed. */
export function missingFindingCard(findingId: string): AdaptiveCard {
  return adaptiveCard([textLine(`Finding ${cleanValue(findingId)} is no longer stored by keyhunt.`)]);
}
