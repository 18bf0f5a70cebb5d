/**
 * Platform-neutral text about findings, shared by the Slack messages and the Teams cards. Nothing here
 * escapes or marks up text. Functions that show values from CloudTrail or the store take a `formatValue`
 * function, so Slack can make them mrkdwn code spans and Teams can clean them for a card.
 */
import type {
  ActivityCounts,
  ActorSummary,
  Finding,
  KeyUsage,
  Severity,
  UserAgentClass,
} from '../detect/types.js';
import type { Platform, Resolution, StoredFinding, TriageState } from '../pipeline/ports.js';
import { STATE_ORDER } from '../pipeline/query.js';
import { RESOLUTION_LABELS, STATE_LABELS } from '../pipeline/triage.js';

/** Maximum characters of a user agent in a message or on a card; CloudTrail's can be about 1 KB. */
export const MAX_USER_AGENT_CHARS = 80;
/** How many event names and source IPs of the key's use are listed before the rest is counted. */
export const MAX_LISTED_USES = 10;

/** Severities from most to least severe, the order of counts in lists and summaries. */
export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

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

const PLATFORM_LABELS: Readonly<Record<Platform, string>> = {
  slack: 'Slack',
  teams: 'Teams',
  cli: 'CLI',
  rules: 'config file',
};

// C0 and C1 control characters, and the Unicode bidirectional embedding, override and isolate characters.
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Replaces control and bidirectional-override characters with U+FFFD. A crafted user agent or user name
 * could otherwise use them to make an ARN or IP address read differently from what it is, or to start a
 * new line that looks like part of the message.
 */
export function replaceUnsafeCharacters(text: string): string {
  return text.replace(UNSAFE_CHARACTERS, '\ufffd');
}

/** Shortens text to `max` characters, ending with an ellipsis when anything was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

export function severityLabel(severity: Severity): string {
  return SEVERITY_LABELS[severity];
}

export function userAgentClassLabel(userAgentClass: UserAgentClass): string {
  return USER_AGENT_CLASS_LABELS[userAgentClass];
}

/** Names the chat platform (or the CLI) a triage change came from, such as "Teams". */
export function platformLabel(platform: Platform): string {
  return PLATFORM_LABELS[platform];
}

/** Describes the key owner: the formatted IAM user name, or "unknown user" when CloudTrail named none. */
export function describeKeyOwner(userName: string | null, formatValue: (text: string) => string): string {
  return userName === null ? 'unknown user' : formatValue(userName);
}

/** Describes who made a call by ARN, else principal id, else user name, or "unknown principal". */
export function describePrincipal(actor: ActorSummary, formatValue: (text: string) => string): string {
  const principal = actor.arn ?? actor.principalId ?? actor.userName;
  return principal ? formatValue(principal) : 'unknown principal';
}

/** Heads the list of severity reasons, such as "Why high". */
export function severityReasonsHeading(severity: Severity): string {
  return `Why ${SEVERITY_LABELS[severity].toLowerCase()}`;
}

/** Lists the notes that make a finding stand out: a key made for another user, and root involvement. */
export function describeFindingNotes(finding: Finding): string[] {
  const notes: string[] = [];
  if (finding.createdForAnotherUser) notes.push('The key was created for another user.');
  if (finding.rootInvolved) notes.push('The root user was involved.');
  return notes;
}

/** Names a triage state, with the resolution once resolved, such as "Resolved as false positive". */
export function stateLabel(state: TriageState, resolution: Resolution | null): string {
  const resolved = state === 'resolved' && resolution ? ` as ${RESOLUTION_LABELS[resolution]}` : '';
  return `${STATE_LABELS[state]}${resolved}`;
}

/** Formats a count with its noun in the singular or the plural, such as "1 finding" or "2 findings". */
export function formatCount(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

/** Formats activity counts as one line, such as "3 keys created, 3 deleted, 1 failed create, 0 failed deletes". */
export function formatCounts(counts: ActivityCounts): string {
  const created = formatCount(counts.keysCreated, 'key');
  const failedCreates = formatCount(counts.failedCreates, 'failed create');
  const failedDeletes = formatCount(counts.failedDeletes, 'failed delete');
  return `${created} created, ${counts.keysDeleted} deleted, ${failedCreates}, ${failedDeletes}`;
}

/** Formats counts per severity as one line, such as "Critical 1 · High 2 · Medium 0 · Low 0". */
export function formatSeverityCounts(counts: Readonly<Record<Severity, number>>): string {
  return SEVERITY_ORDER.map((severity) => `${SEVERITY_LABELS[severity]} ${counts[severity]}`).join(' · ');
}

/** Names a finding's triage state for lists, marking one a suppression rule resolved: "Resolved (suppressed)". */
export function findingStateLabel(stored: StoredFinding): string {
  const label = STATE_LABELS[stored.state];
  return stored.suppressed ? `${label} (suppressed)` : label;
}

/** Formats counts per triage state as one line, such as "Open 1 · Escalated 0 · Acknowledged 2 · Resolved 0". */
export function formatStateCounts(counts: Readonly<Record<TriageState, number>>): string {
  return STATE_ORDER.map((state) => `${STATE_LABELS[state]} ${counts[state]}`).join(' · ');
}

/** Lists up to MAX_LISTED_USES formatted values, comma-separated, and counts the rest ("and 3 more"). */
export function listValues(values: readonly string[], formatValue: (text: string) => string): string {
  const listed = values
    .slice(0, MAX_LISTED_USES)
    .map((value) => formatValue(value))
    .join(', ');
  const rest = values.length - MAX_LISTED_USES;
  return rest > 0 ? `${listed} and ${rest} more` : listed;
}

/**
 * Splits a list after `max` items. `more` counts the items left out, such as "… and 3 more", and is null
 * when none is.
 */
export function limitList<T>(items: readonly T[], max: number): { listed: T[]; more: string | null } {
  const rest = items.length - max;
  return { listed: items.slice(0, max), more: rest > 0 ? `… and ${rest} more` : null };
}

/** Formatters a platform passes for the CloudTrail values and the times in the usage sentences. */
export interface UsageFormat {
  value: (text: string) => string;
  time: (iso: string) => string;
}

/**
 * Describes what the key was used for during its lifetime, one sentence per line, or states that this is
 * unknown.
 */
export function describeUsageLines(usage: KeyUsage, format: UsageFormat): string[] {
  if (!usage.available) {
    return ['Unknown: no CloudTrail records from the key’s lifetime were read, so unused cannot be claimed.'];
  }
  if (usage.count === 0) return ['Not used during its lifetime.'];

  const lines = [`Used in ${formatCount(usage.count, 'call')}.`];
  if (usage.eventNames.length > 0) lines.push(`Calls: ${listValues(usage.eventNames, format.value)}`);
  if (usage.sourceIPAddresses.length > 0) {
    lines.push(`From: ${listValues(usage.sourceIPAddresses, format.value)}`);
  }
  if (usage.firstUsedAt && usage.lastUsedAt) {
    lines.push(`First ${format.time(usage.firstUsedAt)}, last ${format.time(usage.lastUsedAt)}`);
  }
  return lines;
}
