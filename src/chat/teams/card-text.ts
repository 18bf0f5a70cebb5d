/**
 * Plain-text sentences about findings for Adaptive Cards. Cards put every value from CloudTrail or the store
 * into a TextRun, which Adaptive Cards never parse as Markdown, so nothing here escapes Markdown. Control and
 * bidirectional-override characters are still replaced (`replaceUnsafeCharacters`).
 */
import type { ActorSummary, KeyUsage } from '../../detect/types.js';
import type { StoredFinding, TriageActor } from '../../pipeline/ports.js';
import {
  MAX_USER_AGENT_CHARS,
  describeKeyOwner,
  describePrincipal,
  describeUsageLines,
  platformLabel,
  replaceUnsafeCharacters,
  stateLabel,
  truncate,
  userAgentClassLabel,
} from '../text.js';

/** Maximum characters of any other single value on a card, such as an ARN or a display name. */
export const MAX_VALUE_CHARS = 300;

/** Makes an untrusted value safe to show: unsafe characters become U+FFFD and the length is capped. */
export function cleanValue(text: string, max = MAX_VALUE_CHARS): string {
  return truncate(replaceUnsafeCharacters(text), max);
}

/** Formats an ISO 8601 time as `2023-07-10 12:24:29 UTC`; text that is not an ISO time is returned cleaned. */
export function formatUtc(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return cleanValue(iso);
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Names a triage actor by display name and platform, such as "Dana Smith (Slack)". */
export function describeTriageActor(actor: TriageActor): string {
  return `${cleanValue(actor.name)} (${platformLabel(actor.platform)})`;
}

/** Describes the key owner: the IAM user name, or a note when CloudTrail named none. */
export function keyOwnerLabel(userName: string | null): string {
  return describeKeyOwner(userName, (name) => cleanValue(name));
}

/** Describes a finding's triage state and, once triaged, who changed it last and when. */
export function describeState(stored: StoredFinding): string {
  const last = stored.history[stored.history.length - 1];
  const state = stateLabel(stored.state, stored.resolution);
  if (!last) return `${state}: nobody has triaged it yet.`;
  const change = `by ${describeTriageActor(last.actor)} at ${formatUtc(last.at)}.`;
  return last.action === 'reopen' ? `${state}: reopened ${change}` : `${state} ${change}`;
}

/** Describes who made a call as label and value pairs: principal, source IP and user agent. */
export function describeCaller(actor: ActorSummary): Array<[label: string, value: string]> {
  const agentClass = userAgentClassLabel(actor.userAgentClass);
  const agent = actor.userAgent
    ? `${agentClass}: ${cleanValue(actor.userAgent, MAX_USER_AGENT_CHARS)}`
    : `${agentClass} (no user agent recorded)`;
  const rows: Array<[string, string]> = [
    ['Principal', describePrincipal(actor, (principal) => cleanValue(principal))],
    ['Type', actor.type ? cleanValue(actor.type) : 'unknown'],
    ['Source IP', actor.sourceIPAddress ? cleanValue(actor.sourceIPAddress) : 'not recorded'],
    ['User agent', agent],
    ['Event ID', cleanValue(actor.eventId)],
  ];
  return rows;
}

/** Describes what the key was used for during its lifetime, one sentence per line, or states that this is unknown. */
export function describeUsage(usage: KeyUsage): string[] {
  return describeUsageLines(usage, { value: (value) => cleanValue(value), time: formatUtc });
}
