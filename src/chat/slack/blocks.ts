/**
 * Block Kit for one finding: the message posted to the channel, rebuilt in full after every triage change, and
 * the thread replies that record each change. Pure functions returning plain JSON.
 *
 * Interactive elements carry the finding id so a click needs no lookup by message: buttons have `value` set to
 * the id, and the options of the resolve menu have `value` `<id>|<resolution>` (see `decodeActionValue`).
 */
import type { types } from '@slack/bolt';
import type { ActorSummary, Finding, Severity } from '../../detect/types.js';
import { formatDuration } from '../../duration.js';
import type {
  Resolution,
  StoredFinding,
  TriageAction,
  TriageActor,
  TriageHistoryEntry,
} from '../../pipeline/ports.js';
import { RESOLUTIONS, RESOLUTION_LABELS, STATE_LABELS, availableActions } from '../../pipeline/triage.js';
import {
  MAX_USER_AGENT_CHARS,
  SEVERITY_LABELS,
  describeFindingNotes,
  describeKeyOwner,
  describePrincipal,
  platformLabel,
  replaceUnsafeCharacters,
  severityReasonsHeading,
  stateLabel,
  truncate,
  userAgentClassLabel,
} from '../text.js';
import { describeActivity, describeUsage } from './finding-text.js';
import {
  MAX_FALLBACK_CHARS,
  MAX_FIELD_CHARS,
  MAX_HEADER_CHARS,
  MAX_SECTION_CHARS,
  escapeMrkdwn,
  inlineCode,
  slackDate,
} from './mrkdwn.js';

export type KnownBlock = types.KnownBlock;

/** A message body for chat.postMessage, chat.update or a command response. */
export interface SlackMessage {
  /** Fallback for notifications and clients that cannot show blocks. */
  text: string;
  blocks: KnownBlock[];
}

export const ACTION_IDS: Readonly<Record<TriageAction, string>> = {
  acknowledge: 'finding.acknowledge',
  escalate: 'finding.escalate',
  resolve: 'finding.resolve',
  reopen: 'finding.reopen',
};
export const ACTIONS_BLOCK_ID = 'finding.actions';
export const STATE_BLOCK_ID = 'finding.state';
/** Separates the finding id from the resolution in the value of a resolve option. */
export const RESOLVE_VALUE_SEPARATOR = '|';

const SEVERITY_EMOJI: Readonly<Record<Severity, string>> = {
  critical: ':red_circle:',
  high: ':large_orange_circle:',
  medium: ':large_yellow_circle:',
  low: ':white_circle:',
};

export function severityEmoji(severity: Severity): string {
  return SEVERITY_EMOJI[severity];
}

/** Builds the full channel message of a stored finding: details, state line and the buttons that still apply. */
export function buildFindingMessage(stored: StoredFinding): SlackMessage {
  const { finding } = stored;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: buildHeaderText(finding), emoji: true } },
    { type: 'section', fields: buildFactFields(finding) },
    section(buildActorsText(finding)),
    section(`*Key use*\n${describeUsage(finding.usage)}`),
    section(describeActivity(finding)),
  ];
  if (finding.mitre.length > 0) blocks.push(section(buildMitreText(finding)));
  if (finding.severityReasons.length > 0) blocks.push(section(buildReasonsText(finding)));
  blocks.push({
    type: 'context',
    block_id: STATE_BLOCK_ID,
    elements: [{ type: 'mrkdwn', text: buildStateLine(stored) }],
  });
  const actions = buildActionElements(stored);
  if (actions.length > 0) blocks.push({ type: 'actions', block_id: ACTIONS_BLOCK_ID, elements: actions });
  return { text: buildFallbackText(stored), blocks };
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, MAX_SECTION_CHARS) } };
}

function field(label: string, value: string): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text: truncate(`*${label}*\n${value}`, MAX_FIELD_CHARS) };
}

/**
 * Returns the key owner as people should read it: the IAM user name with unsafe characters replaced, or a
 * note when CloudTrail had none. It is not escaped, because the header is plain_text.
 */
export function keyOwnerLabel(finding: Finding): string {
  return describeKeyOwner(finding.userName, replaceUnsafeCharacters);
}

export function buildHeaderText(finding: Finding): string {
  const lifetime = formatDuration(finding.lifetimeSeconds * 1000);
  const text =
    `${SEVERITY_EMOJI[finding.severity]} ${SEVERITY_LABELS[finding.severity]}: access key of ` +
    `${keyOwnerLabel(finding)} created and deleted within ${lifetime}`;
  return truncate(text, MAX_HEADER_CHARS);
}

function buildFactFields(finding: Finding): Array<{ type: 'mrkdwn'; text: string }> {
  const account = finding.accountId ? inlineCode(finding.accountId) : 'unknown';
  const region = finding.region ? ` (${escapeMrkdwn(finding.region)})` : '';
  return [
    field('Key owner', finding.userName ? inlineCode(finding.userName) : 'unknown'),
    field('Access key', inlineCode(finding.accessKeyId)),
    field('Account', `${account}${region}`),
    field('Lifetime', formatDuration(finding.lifetimeSeconds * 1000)),
    field('Created', slackDate(finding.createdAt)),
    field('Deleted', slackDate(finding.deletedAt)),
  ];
}

/** Describes who made a call: ARN, source IP and user agent class, with the user agent shortened. */
export function describeCaller(actor: ActorSummary): string {
  const parts = [describePrincipal(actor, inlineCode)];
  if (actor.sourceIPAddress) parts.push(`from ${inlineCode(actor.sourceIPAddress)}`);
  const agentClass = userAgentClassLabel(actor.userAgentClass);
  parts.push(
    actor.userAgent
      ? `with ${agentClass} (${inlineCode(truncate(actor.userAgent, MAX_USER_AGENT_CHARS))})`
      : `with ${agentClass}`,
  );
  return parts.join(' ');
}

function buildActorsText(finding: Finding): string {
  const lines = [`*Created by* ${describeCaller(finding.creator)}`];
  lines.push(
    finding.creatorIsDeleter
      ? `*Deleted by* the same principal, ${describeCaller(finding.deleter)}`
      : `*Deleted by* ${describeCaller(finding.deleter)}`,
  );
  const notes = describeFindingNotes(finding);
  if (notes.length > 0) lines.push(`_${notes.join(' ')}_`);
  return lines.join('\n');
}

function buildMitreText(finding: Finding): string {
  const techniques = finding.mitre.map((technique) => {
    const url = `https://attack.mitre.org/techniques/${technique.id.replace('.', '/')}/`;
    return `<${url}|${escapeMrkdwn(technique.id)}> ${escapeMrkdwn(technique.name)}`;
  });
  return `*MITRE ATT&amp;CK*\n${techniques.join('\n')}`;
}

function buildReasonsText(finding: Finding): string {
  const reasons = finding.severityReasons.map((reason) => `• ${escapeMrkdwn(reason)}`);
  return `*${severityReasonsHeading(finding.severity)}*\n${reasons.join('\n')}`;
}

/** Names a triage actor: a Slack user as a mention, anyone else by display name with the platform. */
export function describeActor(actor: TriageActor): string {
  if (actor.platform === 'slack') return `<@${actor.id}>`;
  return `${escapeMrkdwn(actor.name)} (${platformLabel(actor.platform)})`;
}

/** Builds the line under a finding that states its triage state and, once triaged, who changed it and when. */
export function buildStateLine(stored: StoredFinding): string {
  const last = stored.history[stored.history.length - 1];
  const state = `*${stateLabel(stored.state, stored.resolution)}*`;
  const change = last ? ` by ${describeActor(last.actor)} at ${slackDate(last.at)}` : '';
  return `State: ${state}${change} · Finding ${inlineCode(stored.finding.id)}`;
}

function buildActionElements(stored: StoredFinding): types.ActionsBlockElement[] {
  const id = stored.finding.id;
  return availableActions(stored.state).map((action): types.ActionsBlockElement => {
    switch (action) {
      case 'acknowledge':
        return button(ACTION_IDS.acknowledge, 'Acknowledge', id, 'primary');
      case 'escalate':
        return button(ACTION_IDS.escalate, 'Escalate', id, 'danger');
      case 'reopen':
        return button(ACTION_IDS.reopen, 'Reopen', id);
      case 'resolve':
        return {
          type: 'static_select',
          action_id: ACTION_IDS.resolve,
          placeholder: { type: 'plain_text', text: 'Resolve as…' },
          options: RESOLUTIONS.map((resolution) => ({
            text: { type: 'plain_text', text: capitalize(RESOLUTION_LABELS[resolution]) },
            value: encodeResolveValue(id, resolution),
          })),
        };
    }
  });
}

function button(actionId: string, label: string, value: string, style?: 'primary' | 'danger'): types.Button {
  const element: types.Button = {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text: label },
    value,
  };
  if (style) element.style = style;
  return element;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function encodeResolveValue(findingId: string, resolution: Resolution): string {
  return `${findingId}${RESOLVE_VALUE_SEPARATOR}${resolution}`;
}

export interface DecodedAction {
  action: TriageAction;
  findingId: string;
  resolution: Resolution | null;
}

/**
 * Decodes a click: the action from `action_id`, the finding id from the button value or from the part of the
 * option value before `|`. Returns null for anything this app did not build.
 */
export function decodeActionValue(actionId: string, value: string | undefined): DecodedAction | null {
  const action = (Object.keys(ACTION_IDS) as TriageAction[]).find((key) => ACTION_IDS[key] === actionId);
  if (!action || !value) return null;
  if (action !== 'resolve') return { action, findingId: value, resolution: null };

  const separator = value.lastIndexOf(RESOLVE_VALUE_SEPARATOR);
  if (separator <= 0) return null;
  const resolution = value.slice(separator + 1) as Resolution;
  if (!RESOLUTIONS.includes(resolution)) return null;
  return { action, findingId: value.slice(0, separator), resolution };
}

function buildFallbackText(stored: StoredFinding): string {
  const { finding } = stored;
  const account = finding.accountId ? ` in account ${finding.accountId}` : '';
  const text =
    `${SEVERITY_LABELS[finding.severity]}: access key ${finding.accessKeyId} of ${keyOwnerLabel(finding)} was created ` +
    `and deleted within ${formatDuration(finding.lifetimeSeconds * 1000)}${account}. ` +
    `State: ${STATE_LABELS[stored.state]}.`;
  return truncate(escapeMrkdwn(text), MAX_FALLBACK_CHARS);
}

/** Builds the thread reply that records one triage change; escalations mention `escalationMention` first. */
export function buildChangeReply(entry: TriageHistoryEntry, escalationMention: string | null): SlackMessage {
  const who = describeActor(entry.actor);
  const when = slackDate(entry.at);
  let text: string;
  switch (entry.action) {
    case 'acknowledge':
      text = `${who} acknowledged this finding at ${when}.`;
      break;
    case 'escalate':
      text = `${escalationMention ? `${escalationMention} ` : ''}${who} escalated this finding at ${when}.`;
      break;
    case 'resolve': {
      const resolution = entry.resolution ? ` as *${RESOLUTION_LABELS[entry.resolution]}*` : '';
      text = `${who} resolved this finding${resolution} at ${when}.`;
      break;
    }
    case 'reopen':
      text = `${who} reopened this finding at ${when}.`;
      break;
  }
  return { text, blocks: [section(text)] };
}

/** Builds the cross-post to the escalation channel, linking to the finding's message when a permalink is known. */
export function buildEscalationNotice(
  stored: StoredFinding,
  entry: TriageHistoryEntry,
  permalink: string | null,
  escalationMention: string | null,
): SlackMessage {
  const prefix = escalationMention ? `${escalationMention} ` : '';
  const link = permalink ? ` <${permalink}|Open the finding>` : '';
  const text =
    `${prefix}${describeActor(entry.actor)} escalated finding ${inlineCode(stored.finding.id)}: ` +
    `${escapeMrkdwn(buildHeaderText(stored.finding))}.${link}`;
  return { text, blocks: [section(text)] };
}
