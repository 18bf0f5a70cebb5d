/**
 * Block Kit responses to `/keyhunt` commands, built from the platform-neutral QueryResult. Pure functions.
 */
import { formatDuration } from '../../duration.js';
import type { StoredFinding, TriageHistoryEntry } from '../../pipeline/ports.js';
import type { CommandUsage, PollHealthReport, QueryResult } from '../../pipeline/query.js';
import { RESOLUTION_LABELS, STATE_LABELS } from '../../pipeline/triage.js';
import {
  findingStateLabel,
  formatCount,
  formatStateCounts,
  limitList,
  severityLabel,
  truncate,
} from '../text.js';
import {
  ACTIONS_BLOCK_ID,
  buildFindingMessage,
  describeActor,
  severityEmoji,
  type KnownBlock,
  type SlackMessage,
} from './blocks.js';
import { describeFindingBrief } from './finding-text.js';
import { MAX_SECTION_CHARS, escapeMrkdwn, inlineCode, slackDate } from './mrkdwn.js';

/** How many findings one list shows before it counts the rest, to stay well inside Block Kit's limits. */
export const MAX_LISTED_FINDINGS = 20;

export interface CommandResponse extends SlackMessage {
  /** `in_channel` for shared responses, `ephemeral` (only the person who typed it) otherwise. */
  response_type: 'ephemeral' | 'in_channel';
}

/** Renders a query result as a slash command response. `commandName` is how people type the command. */
export function buildCommandResponse(result: QueryResult, commandName: string, now: Date): CommandResponse {
  const message = buildResponseMessage(result, commandName, now);
  return { response_type: result.share ? 'in_channel' : 'ephemeral', ...message };
}

function buildResponseMessage(result: QueryResult, commandName: string, now: Date): SlackMessage {
  switch (result.kind) {
    case 'period':
      return buildPeriodResponse(result, commandName);
    case 'status':
      return buildStatusResponse(result, now);
    case 'finding':
      return buildShowResponse(result.stored);
    case 'not-found':
      return textMessage(
        `No finding with id ${inlineCode(result.findingId)} is stored. ` +
          `List recent ones with \`${commandName} last 7d\`.`,
      );
    case 'user':
      return buildUserResponse(result.userName, result.findings);
    case 'help':
      return textMessage(`*${commandName} commands*\n${formatUsages(result.commands, commandName)}`);
    case 'usage':
      return textMessage(
        `${escapeMrkdwn(result.message)}\n\n*Usage*\n${formatUsages(result.commands, commandName)}`,
      );
  }
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, MAX_SECTION_CHARS) } };
}

function textMessage(text: string): SlackMessage {
  return { text: truncate(text, MAX_SECTION_CHARS), blocks: [section(text)] };
}

function formatUsages(commands: readonly CommandUsage[], commandName: string): string {
  return commands.map((command) => `\`${commandName} ${command.usage}\` ${command.description}`).join('\n');
}

/**
 * Formats one finding as a list line: severity, id, owner, key, deletion time and, optionally, its state.
 * A suppressed finding is marked as such even without the state.
 */
export function formatFindingLine(stored: StoredFinding, withState: boolean): string {
  const { finding } = stored;
  let state = '';
  if (withState) state = ` · ${findingStateLabel(stored)}`;
  else if (stored.suppressed) state = ' · suppressed';
  return `• ${severityEmoji(finding.severity)} ${severityLabel(finding.severity)} ${describeFindingBrief(finding)}${state}`;
}

function formatFindingList(findings: readonly StoredFinding[], withState: boolean): string {
  const { listed, more } = limitList(findings, MAX_LISTED_FINDINGS);
  const lines = listed.map((stored) => formatFindingLine(stored, withState));
  if (more) lines.push(more);
  return lines.join('\n');
}

function buildPeriodResponse(
  result: Extract<QueryResult, { kind: 'period' }>,
  commandName: string,
): SlackMessage {
  const period = escapeMrkdwn(result.periodText);
  if (result.total === 0) {
    return textMessage(
      `No findings whose key was deleted in the last ${period}. Check coverage with \`${commandName} status\`.`,
    );
  }
  const counts = result.groups
    .map((group) => `${STATE_LABELS[group.state]} ${group.findings.length}`)
    .join(' · ');
  const title =
    `*${formatCount(result.total, 'finding')} whose key was deleted in the last ${period}* ` +
    `(${slackDate(result.from)} to ${slackDate(result.to)})\n${counts}`;
  const blocks = [section(title)];
  for (const group of result.groups) {
    const heading = `*${STATE_LABELS[group.state]} (${group.findings.length})*`;
    blocks.push(section(`${heading}\n${formatFindingList(group.findings, false)}`));
  }
  return {
    text: `${formatCount(result.total, 'finding')} whose key was deleted in the last ${period}: ${counts}`,
    blocks,
  };
}

/** Formats the poller's health as mrkdwn lines, shared by `status` and the daily summary. */
export function formatPollHealth(health: PollHealthReport, now: Date): string {
  const ago = (iso: string | null): string =>
    iso === null ? 'never' : `${slackDate(iso)} (${formatDuration(now.getTime() - Date.parse(iso))} ago)`;
  const lines = [
    `Last successful poll: ${ago(health.lastSuccessAt)}`,
    `Last attempt: ${ago(health.lastAttemptAt)}${health.lastOutcome ? `, ${health.lastOutcome}` : ''}`,
    `Cursor: ${health.cursor ? slackDate(health.cursor) : 'not set'}` +
      (health.lagMs === null ? '' : `, lag ${formatDuration(health.lagMs)}`),
    `Throttled requests: ${health.throttles} · Incomplete polls: ${health.incompletePolls}`,
    `Newest key event seen: ${ago(health.lastEventSeenAt)}`,
  ];
  if (health.lastError) lines.push(`Last error: ${escapeMrkdwn(health.lastError)}`);
  if (health.gaps.length === 0) {
    lines.push(':white_check_mark: No coverage gaps.');
  } else {
    for (const gap of health.gaps) lines.push(`:warning: ${escapeMrkdwn(gap)}`);
  }
  return lines.join('\n');
}

function buildStatusResponse(result: Extract<QueryResult, { kind: 'status' }>, now: Date): SlackMessage {
  const counts = formatStateCounts(result.counts);
  const health = formatPollHealth(result.health, now);
  const verdict = result.health.gaps.length === 0 ? 'healthy' : 'has coverage gaps';
  return {
    text: `keyhunt status: poller ${verdict}; ${formatCount(result.total, 'finding')} stored.`,
    blocks: [
      section(`*Poller*\n${health}`),
      section(`*Findings by state* (${result.total} stored)\n${counts}`),
    ],
  };
}

/**
 * Describes one history entry, such as "<@U1>: acknowledge (Open → Acknowledged)", followed by the reason of
 * a change a rule made.
 */
export function formatHistoryEntry(entry: TriageHistoryEntry): string {
  const resolution = entry.resolution ? ` as ${RESOLUTION_LABELS[entry.resolution]}` : '';
  const reason = entry.reason === undefined ? '' : `. Reason: ${escapeMrkdwn(entry.reason)}`;
  return (
    `• ${slackDate(entry.at)} ${describeActor(entry.actor)}: ${entry.action}${resolution} ` +
    `(${STATE_LABELS[entry.from]} → ${STATE_LABELS[entry.to]})${reason}`
  );
}

function buildShowResponse(stored: StoredFinding): SlackMessage {
  const message = buildFindingMessage(stored);
  const blocks = message.blocks.filter(
    (block) => !('block_id' in block && block.block_id === ACTIONS_BLOCK_ID),
  );
  const history =
    stored.history.length === 0
      ? 'No triage changes yet.'
      : stored.history.map(formatHistoryEntry).join('\n');
  blocks.push(section(`*History*\n${history}`));
  return { text: message.text, blocks };
}

function buildUserResponse(userName: string, findings: readonly StoredFinding[]): SlackMessage {
  const name = inlineCode(userName);
  if (findings.length === 0)
    return textMessage(`No stored findings where ${name} owns, created or deleted the key.`);
  const title = `*${formatCount(findings.length, 'finding')} where ${name} owns, created or deleted the key*`;
  return {
    text: `${formatCount(findings.length, 'finding')} for ${escapeMrkdwn(userName)}`,
    blocks: [section(`${title}\n${formatFindingList(findings, true)}`)],
  };
}
