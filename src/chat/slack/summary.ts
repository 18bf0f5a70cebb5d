/**
 * The daily summary in Slack: Block Kit built from the platform-neutral DailySummary, and the sender that
 * posts it to the channel through the channel's queue.
 */
import type { Logger } from 'pino';
import { formatDuration } from '../../duration.js';
import type { DailySummary, SummarySender } from '../../pipeline/summary.js';
import { STATE_LABELS } from '../../pipeline/triage.js';
import {
  describeKeyOwner,
  formatCount,
  formatSeverityCounts,
  formatStateCounts,
  limitList,
  truncate,
} from '../text.js';
import { describeActor, type KnownBlock, type SlackMessage } from './blocks.js';
import type { ChannelQueue } from './channel-queue.js';
import { describeFindingBrief } from './finding-text.js';
import { MAX_SECTION_CHARS, escapeMrkdwn, inlineCode, slackDate } from './mrkdwn.js';
import { formatFindingLine, formatPollHealth, MAX_LISTED_FINDINGS } from './query-blocks.js';
import { callSlack, type CallOptions, type WebClient } from './web-api.js';

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, MAX_SECTION_CHARS) } };
}

/** Builds the Slack message of a daily summary. `resend` adds a note that an earlier copy may exist. */
export function buildSummaryMessage(summary: DailySummary, resend: boolean): SlackMessage {
  const now = new Date(summary.to);
  const title = `:bar_chart: keyhunt daily summary for ${summary.localDate} (${summary.timezone})`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(title, 150), emoji: true } },
  ];
  if (resend) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: ':repeat: Sent again because an earlier send was interrupted; an earlier copy may exist.',
        },
      ],
    });
  }

  const severities = formatSeverityCounts(summary.bySeverity);
  const states = formatStateCounts(summary.byState);
  const suppressed =
    summary.suppressed > 0 ? `\nSuppressed by rules: ${summary.suppressed} (counted as resolved)` : '';
  const findings = formatCount(summary.total, 'finding');
  blocks.push(
    section(
      `*Last 24 hours* (${slackDate(summary.from)} to ${slackDate(summary.to)}): ${findings}\n` +
        `By severity: ${severities}\nBy state: ${states}${suppressed}`,
    ),
  );
  blocks.push(section(formatUnacknowledged(summary)));
  if (summary.topUsers.length > 0) blocks.push(section(formatTopUsers(summary)));
  blocks.push(section(formatEscalations(summary)));
  blocks.push(section(`*Poller health*\n${formatPollHealth(summary.health, now)}`));

  const coverage =
    summary.health.gaps.length === 0
      ? 'no coverage gaps'
      : formatCount(summary.health.gaps.length, 'coverage gap');
  const text =
    `keyhunt daily summary for ${summary.localDate}: ${findings} in the last 24 hours, ` +
    `${summary.unacknowledged.length} unacknowledged, ${coverage}.`;
  return { text, blocks };
}

function formatUnacknowledged(summary: DailySummary): string {
  if (summary.unacknowledged.length === 0) return '*Still unacknowledged*\nNone.';
  const { listed, more } = limitList(summary.unacknowledged, MAX_LISTED_FINDINGS);
  const lines = listed.map(
    ({ stored, waitingMs }) => `${formatFindingLine(stored, false)}, waiting ${formatDuration(waitingMs)}`,
  );
  if (more) lines.push(more);
  return `*Still unacknowledged* (${summary.unacknowledged.length})\n${lines.join('\n')}`;
}

function formatTopUsers(summary: DailySummary): string {
  const lines = summary.topUsers.map(
    ({ userName, count }) => `• ${describeKeyOwner(userName, inlineCode)}: ${count}`,
  );
  return `*Top key owners*\n${lines.join('\n')}`;
}

function formatEscalations(summary: DailySummary): string {
  if (summary.escalations.length === 0) return '*Escalations*\nNone in the last 24 hours.';
  const lines = summary.escalations.map(
    ({ stored, entry }) =>
      `• ${slackDate(entry.at)} ${describeFindingBrief(stored.finding)}, by ${describeActor(entry.actor)}` +
      ` (now ${escapeMrkdwn(STATE_LABELS[stored.state])})`,
  );
  return `*Escalations* (${summary.escalations.length})\n${lines.join('\n')}`;
}

export interface SlackSummarySenderOptions {
  client: WebClient;
  channelId: string;
  queue: ChannelQueue;
  logger: Logger;
  retry?: Pick<CallOptions, 'attempts' | 'retryDelayMs'>;
}

/** Creates the sender that posts daily summaries to the Slack channel. */
export function createSlackSummarySender(options: SlackSummarySenderOptions): SummarySender {
  const logger = options.logger.child({ component: 'slack-summary' });
  return {
    platform: 'slack',
    async send(summary, { resend }) {
      const message = buildSummaryMessage(summary, resend);
      const channel = options.channelId;
      await options.queue.run(channel, () =>
        callSlack(
          'chat.postMessage',
          () => options.client.chat.postMessage({ channel, ...message, unfurl_links: false }),
          { logger, context: { date: summary.localDate }, ...options.retry },
        ),
      );
    },
  };
}
