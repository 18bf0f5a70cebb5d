/**
 * Plain-text sentences about findings for Adaptive Cards. Cards put every value from CloudTrail or the store
 * into a TextRun, which Adaptive Cards never parse as Markdown, so nothing here escapes Markdown. Control and
 * bidirectional-override characters are still replaced, because a crafted user agent could use them to make
 * an ARN or IP address read differently from what it is.
 */
import type { ActivityCounts, ActorSummary, KeyUsage, Severity, UserAgentClass } from '../../detect/types.js';
import type { StoredFinding, TriageActor } from '../../pipeline/ports.js';
import { RESOLUTION_LABELS, STATE_LABELS } from '../../pipeline/triage.js';

/** Maximum characters of a user agent on a card; CloudTrail's can be about 1 KB. */
export const MAX_USER_AGENT_CHARS = 80;
/** How many event names and source IPs of the key's use are listed before the rest is counted. */
export const MAX_LISTED_USES = 10;
/** Maximum characters of any other single value on a card, such as an ARN or a display name. */
export const MAX_VALUE_CHARS = 300;

export const SEVERITY_LABELS: Readonly<Record<Severity, string>> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
};

const USER_AGENT_CLASS_LABELS: Readonly<Record<UserAgentClass, string>> = {
  console: 'AWS console',
  cli: 'AWS CLI',
  sdk: 'AWS SDK',
  iac: 'infrastructure as code',
  other: 'other client',
};

const PLATFORM_LABELS: Readonly<Record<TriageActor['platform'], string>> = {
  slack: 'Slack',
  teams: 'Teams',
  cli: 'CLI',
};

// C0 and C1 control characters, and the Unicode bidirectional embedding, override and isolate characters.
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Shortens text to `max` characters, ending with an ellipsis when anything was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Makes an untrusted value safe to show: unsafe characters become U+FFFD and the length is capped. */
export function cleanValue(text: string, max = MAX_VALUE_CHARS): string {
  return truncate(text.replace(UNSAFE_CHARACTERS, '\ufffd'), max);
}

/** Formats an ISO 8601 time as `2023-07-10 12:24:29 UTC`; text that is not an ISO time is returned cleaned. */
export function formatUtc(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return cleanValue(iso);
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function userAgentClassLabel(userAgentClass: UserAgentClass): string {
  return USER_AGENT_CLASS_LABELS[userAgentClass];
}

/** Names a triage actor by display name and platform, such as "Dana Smith (Slack)". */
export function describeTriageActor(actor: TriageActor): string {
  return `${cleanValue(actor.name)} (${PLATFORM_LABELS[actor.platform]})`;
}

/** Describes the key owner: the IAM user name, or a note when CloudTrail named none. */
export function keyOwnerLabel(userName: string | null): string {
  return userName === null ? 'unknown user' : cleanValue(userName);
}

/** Describes a finding's triage state and, once triaged, who changed it last and when. */
export function describeState(stored: StoredFinding): string {
  const last = stored.history[stored.history.length - 1];
  const resolution =
    stored.state === 'resolved' && stored.resolution ? ` as ${RESOLUTION_LABELS[stored.resolution]}` : '';
  const state = `${STATE_LABELS[stored.state]}${resolution}`;
  if (!last) return `${state}: nobody has triaged it yet.`;
  const change = `by ${describeTriageActor(last.actor)} at ${formatUtc(last.at)}.`;
  return last.action === 'reopen' ? `${state}: reopened ${change}` : `${state} ${change}`;
}

/** Describes who made a call as label and value pairs: principal, source IP and user agent. */
export function describeCaller(actor: ActorSummary): Array<[label: string, value: string]> {
  const principal = actor.arn ?? actor.principalId ?? actor.userName;
  const agentClass = userAgentClassLabel(actor.userAgentClass);
  const agent = actor.userAgent
    ? `${agentClass}: ${cleanValue(actor.userAgent, MAX_USER_AGENT_CHARS)}`
    : `${agentClass} (no user agent recorded)`;
  const rows: Array<[string, string]> = [
    ['Principal', principal ? cleanValue(principal) : 'unknown principal'],
    ['Type', actor.type ? cleanValue(actor.type) : 'unknown'],
    ['Source IP', actor.sourceIPAddress ? cleanValue(actor.sourceIPAddress) : 'not recorded'],
    ['User agent', agent],
    ['Event ID', cleanValue(actor.eventId)],
  ];
  return rows;
}

/** Describes what the key was used for during its lifetime, one sentence per line, or states that this is unknown. */
export function describeUsage(usage: KeyUsage): string[] {
  if (!usage.available) {
    return ['Unknown: no CloudTrail records from the key’s lifetime were read, so unused cannot be claimed.'];
  }
  if (usage.count === 0) return ['Not used during its lifetime.'];

  const lines = [`Used in ${usage.count} call(s).`];
  if (usage.eventNames.length > 0) lines.push(`Calls: ${listValues(usage.eventNames)}`);
  if (usage.sourceIPAddresses.length > 0) lines.push(`From: ${listValues(usage.sourceIPAddresses)}`);
  if (usage.firstUsedAt && usage.lastUsedAt) {
    lines.push(`First ${formatUtc(usage.firstUsedAt)}, last ${formatUtc(usage.lastUsedAt)}`);
  }
  return lines;
}

function listValues(values: readonly string[]): string {
  const listed = values
    .slice(0, MAX_LISTED_USES)
    .map((value) => cleanValue(value))
    .join(', ');
  const rest = values.length - MAX_LISTED_USES;
  return rest > 0 ? `${listed} and ${rest} more` : listed;
}

/** Formats activity counts as one line, such as "3 key(s) created, 3 deleted, 1 failed create(s), 0 failed delete(s)". */
export function formatCounts(counts: ActivityCounts): string {
  return (
    `${counts.keysCreated} key(s) created, ${counts.keysDeleted} deleted, ` +
    `${counts.failedCreates} failed create(s), ${counts.failedDeletes} failed delete(s)`
  );
}
