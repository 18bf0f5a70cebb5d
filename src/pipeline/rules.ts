/**
 * Suppression and routing rules from the optional YAML config file, and the pure functions that match them
 * against a finding. The config loader validates the rules; the poller and the notifiers call these matchers.
 */
import type { Finding, Severity } from '../detect/types.js';

export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

/**
 * Findings that match every set field are kept in the store but not posted. `userName` and `creatorArn`
 * accept `*` as a wildcard for any run of characters; `accessKeyId` must match exactly.
 */
export interface SuppressionRule {
  accessKeyId: string | null;
  userName: string | null;
  creatorArn: string | null;
  /** Why the pair is expected, shown in logs and the daily summary. */
  reason: string;
  /** ISO 8601 time after which the rule no longer applies; null for no end. */
  until: string | null;
}

/** Sends matching findings to another Slack channel. Rules are tried in order and the first match wins. */
export interface RoutingRule {
  /** Severities the rule applies to; null for any severity. */
  severities: Severity[] | null;
  accountId: string | null;
  slackChannel: string | null;
}

export interface Rules {
  suppress: SuppressionRule[];
  routing: RoutingRule[];
}

export function emptyRules(): Rules {
  return { suppress: [], routing: [] };
}

/** Returns the first suppression rule that applies to the finding at `now`, or null when none does. */
export function findSuppression(
  rules: readonly SuppressionRule[],
  finding: Finding,
  now: Date,
): SuppressionRule | null {
  for (const rule of rules) {
    if (rule.until !== null && now.getTime() > Date.parse(rule.until)) continue;
    if (rule.accessKeyId !== null && rule.accessKeyId !== finding.accessKeyId) continue;
    if (rule.userName !== null && !matchesPattern(rule.userName, finding.userName)) continue;
    if (rule.creatorArn !== null && !matchesPattern(rule.creatorArn, finding.creator.arn)) continue;
    return rule;
  }
  return null;
}

/** Returns the Slack channel for a finding: the first routing rule that matches, else `defaultChannel`. */
export function routeSlackChannel(
  rules: readonly RoutingRule[],
  finding: Finding,
  defaultChannel: string,
): string {
  for (const rule of rules) {
    if (rule.slackChannel === null) continue;
    if (rule.severities !== null && !rule.severities.includes(finding.severity)) continue;
    if (rule.accountId !== null && rule.accountId !== finding.accountId) continue;
    return rule.slackChannel;
  }
  return defaultChannel;
}

/** Matches `value` against a pattern in which `*` stands for any run of characters; null never matches. */
export function matchesPattern(pattern: string, value: string | null): boolean {
  if (value === null) return false;
  const escaped = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 's').test(value);
}
