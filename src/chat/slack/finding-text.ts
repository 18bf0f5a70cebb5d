/**
 * mrkdwn sentences about a finding's key use and activity counts, shared by the finding message and the
 * `/keyhunt show` response.
 */
import type { ActivityCounts, Finding, KeyUsage } from '../../detect/types.js';
import { escapeMrkdwn, inlineCode, slackDate } from './mrkdwn.js';

/** How many event names and source IPs of the key's use are listed before the rest is counted. */
export const MAX_LISTED_USES = 10;

/** Describes what the key was used for during its lifetime, or states that this is unknown. */
export function describeUsage(usage: KeyUsage): string {
  if (!usage.available) {
    return 'Unknown: no CloudTrail records from the key’s lifetime were read, so unused cannot be claimed.';
  }
  if (usage.count === 0) return 'Not used during its lifetime.';

  const lines = [`Used in ${usage.count} call(s).`];
  if (usage.eventNames.length > 0) lines.push(`Calls: ${listValues(usage.eventNames)}`);
  if (usage.sourceIPAddresses.length > 0) lines.push(`From: ${listValues(usage.sourceIPAddresses)}`);
  if (usage.firstUsedAt && usage.lastUsedAt) {
    lines.push(`First ${slackDate(usage.firstUsedAt)}, last ${slackDate(usage.lastUsedAt)}`);
  }
  return lines.join('\n');
}

function listValues(values: readonly string[]): string {
  const shown = values.slice(0, MAX_LISTED_USES).map(inlineCode).join(', ');
  const rest = values.length - MAX_LISTED_USES;
  return rest > 0 ? `${shown} and ${rest} more` : shown;
}

/** Formats activity counts as one line, such as "3 keys created, 3 deleted, 1 failed create, 0 failed deletes". */
export function formatCounts(counts: ActivityCounts): string {
  return (
    `${counts.keysCreated} key(s) created, ${counts.keysDeleted} deleted, ` +
    `${counts.failedCreates} failed create(s), ${counts.failedDeletes} failed delete(s)`
  );
}

/** Describes the key owner's activity, and the creator's when the creator made a key for someone else. */
export function describeActivity(finding: Finding): string {
  const owner = finding.userName ? inlineCode(finding.userName) : 'the key owner';
  const lines = [`*Activity of ${owner} in the scanned period*\n${formatCounts(finding.userCounts)}`];
  if (finding.createdForAnotherUser) {
    const creator = finding.creator.arn ?? finding.creator.principalId;
    const name = creator ? inlineCode(creator) : 'the creator';
    lines.push(`*Activity of ${name}*\n${formatCounts(finding.creatorCounts)}`);
  }
  return lines.join('\n');
}

/** Describes the key in one short mrkdwn line for lists: severity is left to the caller. */
export function describeFindingBrief(finding: Finding): string {
  const owner = finding.userName ? escapeMrkdwn(finding.userName) : 'unknown user';
  return `${inlineCode(finding.id)} ${owner}, key ${inlineCode(finding.accessKeyId)}, deleted ${slackDate(finding.deletedAt)}`;
}
