/**
 * The port through which keyhunt sends and updates cards in Teams conversations it is not currently talking
 * in (proactive messages), and the translation of its failures. Only adapter.ts implements it with botbuilder,
 * so the notifier does not depend on the SDK.
 */
import type { AdaptiveCard } from './card-elements.js';

export interface ProactiveChannel {
  /** Posts a card to the conversation of `reference` and returns the new activity id. */
  sendCard(reference: Record<string, unknown>, card: AdaptiveCard, summary: string): Promise<string>;
  /** Replaces the card of an activity the bot posted in the conversation of `reference`. */
  updateCard(
    reference: Record<string, unknown>,
    activityId: string,
    card: AdaptiveCard,
    summary: string,
  ): Promise<void>;
}

/**
 * Why a send or update failed:
 * - `removed`: Teams returned 403 or 404, as it does once the app is removed from the team or chat, or the
 *   conversation is deleted. The conversation is marked inactive.
 * - `throttled`: 429 after the client's own retries. The rest waits for the next run.
 * - `failed`: anything else (network error, 5xx). The item stays pending and is tried on the next run.
 */
export type DeliveryFailure =
  | { kind: 'removed'; status: 403 | 404; reason: string }
  | { kind: 'throttled'; status: 429; reason: string }
  | { kind: 'failed'; status: number | null; reason: string };

/** Reads the HTTP status of a Bot Connector call's error, which the SDK's REST client puts in `statusCode`. */
export function httpStatusOf(error: unknown): number | null {
  if (typeof error !== 'object' || error === null) return null;
  const record = error as { statusCode?: unknown; response?: { status?: unknown } };
  if (typeof record.statusCode === 'number') return record.statusCode;
  if (typeof record.response?.status === 'number') return record.response.status;
  return null;
}

/** Translates a failed Bot Connector call into what keyhunt does about it. */
export function classifyDeliveryError(error: unknown): DeliveryFailure {
  const status = httpStatusOf(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (status === 403 || status === 404) {
    return {
      kind: 'removed',
      status,
      reason: `Teams returned HTTP ${status} (${detail}): the app was probably removed from the conversation.`,
    };
  }
  if (status === 429) return { kind: 'throttled', status, reason: `Teams returned HTTP 429 (${detail}).` };
  return {
    kind: 'failed',
    status,
    reason: status === null ? detail : `Teams returned HTTP ${status} (${detail}).`,
  };
}
