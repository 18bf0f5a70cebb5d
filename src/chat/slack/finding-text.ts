/**
 * mrkdwn sentences about a finding's key use and activity counts, shared by the finding message and the
 * `/keyhunt show` response.
 */
import type { Finding, KeyUsage } from '../../detect/types.js';
import { describeUsageLines, formatCounts } from '../text.js';
import { escapeMrkdwn, inlineCode, slackDate } from './mrkdwn.js';

/** Describes what the key was used for during its lifetime, or states that this is unknown. */
export function describeUsage(usage: KeyUsage): string {
  return describeUsageLines(usage, { value: inlineCode, time: slackDate }).join('\n');
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
