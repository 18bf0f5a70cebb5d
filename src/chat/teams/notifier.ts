/**
 * Proactive delivery to Teams: new findings to every active conversation, card updates after triage changes,
 * and the daily summary. A conversation that returns 403 or 404 is marked inactive and the others still get
 * their cards. Delivery is at least once: a crash between a send and recording it sends that card again.
 * Findings that a suppression rule resolved are never sent.
 */
import type { Logger } from 'pino';
import type { FindingNotifier, Store, StoredFinding, TeamsConversation } from '../../pipeline/ports.js';
import type { DailySummary, SummarySender } from '../../pipeline/summary.js';
import { getConversation, getStoredFinding, markTeamsPosted } from '../../pipeline/records.js';
import { isSuppressed, listTeamsPostable } from '../../pipeline/suppression.js';
import { buildFindingCard } from './cards.js';
import { SEVERITY_LABELS } from '../text.js';
import { keyOwnerLabel } from './card-text.js';
import { deactivateConversation, listActiveConversations } from './conversations.js';
import { type DeliveryFailure, type ProactiveChannel, classifyDeliveryError } from './delivery.js';
import { buildSummaryCard } from './list-cards.js';

export interface TeamsNotifierOptions {
  store: Store;
  channel: ProactiveChannel;
  logger: Logger;
  clock: () => Date;
}

/** Notification text of a finding card, shown where Teams cannot show the card itself. */
export function findingSummaryText(stored: StoredFinding): string {
  const { finding } = stored;
  return `${SEVERITY_LABELS[finding.severity]}: short-lived access key ${finding.accessKeyId} of ${keyOwnerLabel(finding.userName)}`;
}

export class TeamsNotifier implements FindingNotifier, SummarySender {
  readonly platform = 'teams' as const;
  readonly #store: Store;
  readonly #channel: ProactiveChannel;
  readonly #logger: Logger;
  readonly #clock: () => Date;
  /** Runs of postPending, one at a time, so two runs never post the same finding twice. */
  #postQueue: Promise<void> = Promise.resolve();
  /** Conversations that got the summary of a local date in this process, so a retry skips them. */
  readonly #summarySent = new Map<string, Set<string>>();

  constructor(options: TeamsNotifierOptions) {
    this.#store = options.store;
    this.#channel = options.channel;
    this.#logger = options.logger.child({ component: 'teams-notifier' });
    this.#clock = options.clock;
  }

  /**
   * Posts every stored finding not yet posted to each active conversation, oldest deletion first, except
   * suppressed ones.
   */
  postPending(): Promise<void> {
    const run = this.#postQueue.then(() => this.#postPendingOnce());
    // The caller gets the error from `run`; the queue only has to go on with the next run.
    this.#postQueue = run.catch(() => undefined);
    return run;
  }

  async #postPendingOnce(): Promise<void> {
    for (const conversation of listActiveConversations(this.#store.read())) {
      for (const pending of listTeamsPostable(this.#store.read(), conversation.id)) {
        const failure = await this.#postOne(conversation, pending.finding.id);
        if (failure) break;
      }
    }
  }

  /** Posts one finding to one conversation; returns the failure, after which the conversation waits for the next run. */
  async #postOne(conversation: TeamsConversation, findingId: string): Promise<DeliveryFailure | null> {
    const stored = getStoredFinding(this.#store.read(), findingId);
    if (!stored || isSuppressed(stored)) return null;
    const logger = this.#logger.child({ findingId, conversationId: conversation.id });

    let activityId: string;
    try {
      activityId = await this.#channel.sendCard(
        conversation.reference,
        buildFindingCard(stored),
        findingSummaryText(stored),
      );
    } catch (error) {
      return this.#handleFailure(conversation, error, logger, 'Posting a finding to Teams failed');
    }

    const postedAt = this.#clock().toISOString();
    const current = await this.#store.update((data) =>
      markTeamsPosted(data, findingId, conversation.id, {
        conversationId: conversation.id,
        activityId,
        postedAt,
      }),
    );
    logger.info({ activityId }, 'Posted a finding to Teams');
    // A triage change made while the card was on its way is not on it yet.
    if (current && current.updatedAt !== stored.updatedAt) {
      await this.#updateOne(conversation, activityId, current);
    }
    return null;
  }

  /** Rebuilds the card of a finding from the store and updates every Teams activity it was posted as. */
  async refresh(findingId: string): Promise<void> {
    const data = this.#store.read();
    const stored = getStoredFinding(data, findingId);
    if (!stored) {
      this.#logger.warn({ findingId }, 'Cannot update the Teams cards of a finding that is not stored');
      return;
    }
    const updates = Object.values(stored.teams).map(async (post) => {
      const conversation = getConversation(data, post.conversationId);
      if (!conversation?.active) return;
      await this.#updateOne(conversation, post.activityId, stored);
    });
    await Promise.all(updates);
  }

  async #updateOne(
    conversation: TeamsConversation,
    activityId: string,
    stored: StoredFinding,
  ): Promise<void> {
    const logger = this.#logger.child({
      findingId: stored.finding.id,
      conversationId: conversation.id,
      activityId,
    });
    try {
      await this.#channel.updateCard(
        conversation.reference,
        activityId,
        buildFindingCard(stored),
        findingSummaryText(stored),
      );
      logger.debug('Updated a finding card in Teams');
    } catch (error) {
      await this.#handleFailure(conversation, error, logger, 'Updating a finding card in Teams failed');
    }
  }

  /**
   * Sends the daily summary to every active conversation that has not got it from this process yet. Throws
   * when a conversation failed for a reason other than the app being removed, so the job tries again.
   */
  async send(summary: DailySummary, options: { resend: boolean }): Promise<void> {
    const sentTo = this.#summarySent.get(summary.localDate) ?? new Set<string>();
    this.#summarySent.clear();
    this.#summarySent.set(summary.localDate, sentTo);

    const card = buildSummaryCard(summary, { resend: options.resend });
    const text = `keyhunt daily summary for ${summary.localDate}: ${summary.total} finding(s)`;
    const failed: string[] = [];
    for (const conversation of listActiveConversations(this.#store.read())) {
      if (sentTo.has(conversation.id)) continue;
      const logger = this.#logger.child({ conversationId: conversation.id, date: summary.localDate });
      try {
        await this.#channel.sendCard(conversation.reference, card, text);
        sentTo.add(conversation.id);
        logger.info('Sent the daily summary to Teams');
      } catch (error) {
        const failure = await this.#handleFailure(
          conversation,
          error,
          logger,
          'Sending the daily summary to Teams failed',
        );
        if (failure.kind !== 'removed') failed.push(conversation.id);
      }
    }
    if (failed.length > 0) {
      throw new Error(
        `The daily summary could not be sent to ${failed.length} Teams conversation(s): ${failed.join(', ')}.`,
      );
    }
  }

  /** Logs a failed call and marks the conversation inactive when Teams reports that the app is gone. */
  async #handleFailure(
    conversation: TeamsConversation,
    error: unknown,
    logger: Logger,
    message: string,
  ): Promise<DeliveryFailure> {
    const failure = classifyDeliveryError(error);
    if (failure.kind !== 'removed') {
      logger.error({ err: error, status: failure.status }, `${message}; it is tried again on the next run`);
      return failure;
    }
    const changed = await this.#store.update((data) =>
      deactivateConversation(data, conversation.id, failure.reason, this.#clock()),
    );
    if (changed) {
      logger.warn(
        { status: failure.status, reason: failure.reason },
        `${message}; the conversation is marked inactive`,
      );
    }
    return failure;
  }
}
