/**
 * Posts findings to Slack and keeps each message in step with the finding's triage state: the message is
 * rebuilt in full after every change, and each change gets one thread reply. A finding goes to the channel of
 * the first routing rule that matches it, else to the configured channel. Suppressed findings are not posted.
 */
import type { Logger } from 'pino';
import type { SlackConfig } from '../../config.js';
import type { FindingNotifier, Store, StoredFinding, TriageHistoryEntry } from '../../pipeline/ports.js';
import { getStoredFinding } from '../../pipeline/records.js';
import { routeSlackChannel, type RoutingRule } from '../../pipeline/rules.js';
import { isSuppressed, listSlackPostable } from '../../pipeline/suppression.js';
import { buildChangeReply, buildEscalationNotice, buildFindingMessage } from './blocks.js';
import type { ChannelQueue } from './channel-queue.js';
import {
  findInterruptedPost,
  findingMetadata,
  recordSlackAttempt,
  recordSlackPost,
  type PostedRef,
} from './post-recovery.js';
import { callSlack, SlackApiError, type CallOptions, type WebClient } from './web-api.js';

/** Slack errors caused by one message's content; posting goes on with the next finding after them. */
const MESSAGE_SPECIFIC_ERRORS: ReadonlySet<string> = new Set([
  'invalid_blocks',
  'msg_too_long',
  'invalid_arguments',
]);

/**
 * Slack errors caused by the channel. Routing rules can send findings to several channels, so posting goes on
 * with the findings of the other channels and skips the rest of this one until the next poll.
 */
const CHANNEL_SPECIFIC_ERRORS: ReadonlySet<string> = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
]);

export interface SlackNotifierOptions {
  client: WebClient;
  store: Store;
  config: Pick<SlackConfig, 'channelId' | 'escalationMention' | 'escalationChannelId'>;
  logger: Logger;
  clock: () => Date;
  queue: ChannelQueue;
  /** Routing rules of the config file; none sends every finding to `config.channelId`. */
  routing?: readonly RoutingRule[];
  /** Retry settings for Slack's transient `ok: false` errors. */
  retry?: Pick<CallOptions, 'attempts' | 'retryDelayMs'>;
}

export class SlackNotifier implements FindingNotifier {
  readonly platform = 'slack' as const;
  private readonly logger: Logger;
  private pendingRun: Promise<void> = Promise.resolve();

  constructor(private readonly options: SlackNotifierOptions) {
    this.logger = options.logger.child({ component: 'slack-notifier' });
  }

  /**
   * Posts every finding not yet in Slack, oldest deletion first. An attempt is stored before each post and
   * channel and ts after it, so a finding interrupted by a crash is found in the channel history on the next
   * call and not posted twice. A finding that cannot be posted stays unposted for the next call. Calls run
   * one at a time.
   */
  postPending(): Promise<void> {
    const run = this.pendingRun.then(() => this.postAllUnposted());
    this.pendingRun = run.catch(() => undefined);
    return run;
  }

  /** Rebuilds a posted finding's message and replies in its thread to each change not yet replied to. */
  async refresh(findingId: string): Promise<void> {
    const ref = getStoredFinding(this.options.store.read(), findingId)?.slack;
    if (!ref) {
      this.logger.debug({ findingId }, 'Finding is not in Slack yet; its first post shows the current state');
      return;
    }
    await this.options.queue.run(ref.channel, () => this.updateAndReply(findingId));
  }

  private async postAllUnposted(): Promise<void> {
    const unposted = listSlackPostable(this.options.store.read());
    const unreachable = new Set<string>();
    for (const [index, stored] of unposted.entries()) {
      const findingId = stored.finding.id;
      const channel = this.channelFor(stored);
      if (unreachable.has(channel)) continue;
      try {
        await this.options.queue.run(channel, () => this.postOne(findingId));
      } catch (error) {
        this.logger.error(
          { err: error, findingId, channel },
          'Posting a finding to Slack failed; it stays unposted and is tried on the next poll',
        );
        const slackError = error instanceof SlackApiError ? (error.slackError ?? '') : '';
        if (MESSAGE_SPECIFIC_ERRORS.has(slackError)) continue;
        if (CHANNEL_SPECIFIC_ERRORS.has(slackError)) {
          unreachable.add(channel);
          continue;
        }
        const left = unposted.length - index - 1;
        if (left > 0)
          this.logger.warn(
            { unpostedAfterFailure: left },
            'Stopped posting until the next poll because the error affects every message',
          );
        return;
      }
    }
  }

  /**
   * Runs inside the channel queue: posts one finding unless it was posted meanwhile. A finding with an
   * interrupted attempt is looked up in the channel history first, and a message found there is recorded
   * without posting again.
   */
  private async postOne(findingId: string): Promise<void> {
    const { store } = this.options;
    const stored = getStoredFinding(store.read(), findingId);
    if (!stored || stored.slack || isSuppressed(stored)) return;

    const found = stored.slackAttempt
      ? await findInterruptedPost(
          this.options.client,
          findingId,
          stored.slackAttempt,
          this.callOptions({ findingId }),
        )
      : null;
    const ref = found ?? (await this.postNew(stored));
    if (!ref) return;
    await store.update((data) => recordSlackPost(data, findingId, ref));
    const logFields = { findingId, channel: ref.channel, ts: ref.ts };
    if (found)
      this.logger.info(
        logFields,
        'Found the message of an interrupted Slack post; recorded it without posting again',
      );
    else this.logger.info(logFields, 'Posted a finding to Slack');

    // A triage change between building the message and recording the post is not in the message yet.
    const current = getStoredFinding(store.read(), findingId);
    if (current && current.history.length > ref.historyPosted) await this.updateAndReply(findingId);
  }

  /**
   * Stores the post attempt, then posts the finding with its metadata. Returns where it was posted, or null
   * when the finding was removed or posted meanwhile. A crash after the post leaves the attempt for
   * `findInterruptedPost` after a restart.
   */
  private async postNew(stored: StoredFinding): Promise<PostedRef | null> {
    const { store, client, clock } = this.options;
    const findingId = stored.finding.id;
    const historyPosted = stored.history.length;
    const message = buildFindingMessage(stored);
    const channel = this.channelFor(stored);
    const attempt = { channel, startedAt: clock().toISOString(), historyPosted };
    if (!(await store.update((data) => recordSlackAttempt(data, findingId, attempt)))) return null;

    const result = await callSlack(
      'chat.postMessage',
      () =>
        client.chat.postMessage({
          channel,
          ...message,
          metadata: findingMetadata(findingId),
          unfurl_links: false,
          unfurl_media: false,
        }),
      this.callOptions({ findingId }),
    );
    if (!result.ts)
      throw new SlackApiError(
        'SLACK_PLATFORM_ERROR',
        'chat.postMessage',
        null,
        'Slack chat.postMessage returned no ts.',
      );
    return {
      channel: result.channel ?? channel,
      ts: result.ts,
      postedAt: clock().toISOString(),
      historyPosted,
    };
  }

  /** Runs inside the channel queue of the finding's message. */
  private async updateAndReply(findingId: string): Promise<void> {
    const { store, client } = this.options;
    const stored = getStoredFinding(store.read(), findingId);
    const ref = stored?.slack;
    if (!stored || !ref) return;

    const message = buildFindingMessage(stored);
    await callSlack(
      'chat.update',
      () =>
        client.chat.update({
          channel: ref.channel,
          ts: ref.ts,
          ...message,
          metadata: findingMetadata(findingId),
        }),
      this.callOptions({ findingId }),
    );

    const alreadyPosted = ref.historyPosted ?? stored.history.length;
    for (let index = alreadyPosted; index < stored.history.length; index += 1) {
      await this.replyToChange(stored, stored.history[index]!);
      const posted = index + 1;
      await store.update((data) => {
        const slack = getStoredFinding(data, findingId)?.slack;
        if (slack) slack.historyPosted = Math.max(slack.historyPosted ?? 0, posted);
      });
    }
  }

  private async replyToChange(stored: StoredFinding, entry: TriageHistoryEntry): Promise<void> {
    const { client, config } = this.options;
    const ref = stored.slack!;
    const findingId = stored.finding.id;
    const reply = buildChangeReply(entry, config.escalationMention);
    await callSlack(
      'chat.postMessage',
      () => client.chat.postMessage({ channel: ref.channel, thread_ts: ref.ts, ...reply }),
      this.callOptions({ findingId }),
    );
    if (entry.action === 'escalate' && config.escalationChannelId)
      await this.crossPostEscalation(stored, entry, config.escalationChannelId);
  }

  /**
   * Posts the escalation to the escalation channel. Best effort: a failure is logged, and the thread reply
   * already records the escalation. It is not queued, because it may run inside the main channel's queue and
   * the escalation channel may be the same channel.
   */
  private async crossPostEscalation(
    stored: StoredFinding,
    entry: TriageHistoryEntry,
    channel: string,
  ): Promise<void> {
    const { client, config } = this.options;
    const ref = stored.slack!;
    const findingId = stored.finding.id;
    let permalink: string | null = null;
    try {
      const result = await callSlack(
        'chat.getPermalink',
        () => client.chat.getPermalink({ channel: ref.channel, message_ts: ref.ts }),
        this.callOptions({ findingId }),
      );
      permalink = result.permalink ?? null;
    } catch (error) {
      this.logger.warn(
        { err: error, findingId },
        'Could not get the permalink of a finding; the escalation notice has no link',
      );
    }
    try {
      const notice = buildEscalationNotice(stored, entry, permalink, config.escalationMention);
      await callSlack(
        'chat.postMessage',
        () => client.chat.postMessage({ channel, ...notice, unfurl_links: false }),
        this.callOptions({ findingId }),
      );
    } catch (error) {
      this.logger.error(
        { err: error, findingId, channel },
        'Cross-posting an escalation failed; the thread reply records it',
      );
    }
  }

  /** Returns the channel a new post of the finding goes to. */
  private channelFor(stored: StoredFinding): string {
    return routeSlackChannel(this.options.routing ?? [], stored.finding, this.options.config.channelId);
  }

  private callOptions(context: Record<string, unknown>): CallOptions {
    return { logger: this.logger, context, ...this.options.retry };
  }
}
