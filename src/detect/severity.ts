/**
 * Severity scoring. Each rule adds its weight and a reason a person can read; the total picks the level.
 * Rules are data so that later weighting, baselines and suppression can change them without a rewrite.
 */
import { formatDuration } from '../duration.js';
import type { ActivityCounts, ActorSummary, KeyUsage, Severity } from './types.js';

/** The facts the severity rules look at, all taken from the finding being built. */
export interface SeverityFacts {
  lifetimeSeconds: number;
  userName: string | null;
  creator: ActorSummary;
  deleter: ActorSummary;
  creatorIsDeleter: boolean;
  createdForAnotherUser: boolean;
  rootInvolved: boolean;
  creatorCounts: ActivityCounts;
  usage: KeyUsage;
}

export interface SeverityRule {
  id: string;
  weight: number;
  /** Returns the reason text when the rule applies, or null. */
  evaluate(facts: SeverityFacts): string | null;
}

const ONE_HOUR_SECONDS = 3600;
const BASE_SCORE = 1;

/** Returns the noun in the singular for a count of 1 and with an "s" otherwise. */
function nounFor(count: number, singular: string): string {
  return count === 1 ? singular : `${singular}s`;
}

export const SEVERITY_RULES: readonly SeverityRule[] = [
  {
    id: 'root-involved',
    weight: 3,
    evaluate: (facts) => (facts.rootInvolved ? 'The root user created, deleted or owned the key' : null),
  },
  {
    id: 'short-lifetime',
    weight: 1,
    evaluate: (facts) =>
      facts.lifetimeSeconds < ONE_HOUR_SECONDS
        ? `The key lived ${formatDuration(facts.lifetimeSeconds * 1000)}, under an hour`
        : null,
  },
  {
    id: 'used-while-alive',
    weight: 1,
    evaluate: (facts) =>
      facts.usage.count > 0
        ? `The key made ${facts.usage.count} API ${nounFor(facts.usage.count, 'call')} before it was deleted`
        : null,
  },
  {
    id: 'used-from-new-address',
    weight: 1,
    evaluate: (facts) => {
      const known = new Set([facts.creator.sourceIPAddress, facts.deleter.sourceIPAddress]);
      const unknown = facts.usage.sourceIPAddresses.filter((address) => !known.has(address));
      return unknown.length > 0
        ? `The key was used from ${unknown.join(', ')}, which neither its creator nor its deleter used`
        : null;
    },
  },
  {
    id: 'created-for-another-user',
    weight: 1,
    evaluate: (facts) =>
      facts.createdForAnotherUser
        ? `${facts.creator.arn ?? facts.creator.principalId ?? 'An unknown caller'} created the key for another user (${facts.userName ?? 'unknown'})`
        : null,
  },
  {
    id: 'different-deleter',
    weight: 1,
    evaluate: (facts) =>
      facts.creatorIsDeleter ? null : 'A different principal deleted the key than the one that created it',
  },
  {
    id: 'repeated-key-creation',
    weight: 1,
    evaluate: (facts) =>
      facts.creatorCounts.keysCreated >= 2
        ? `The creator made ${facts.creatorCounts.keysCreated} access keys in the scanned period`
        : null,
  },
  {
    id: 'failed-key-calls',
    weight: 1,
    evaluate: (facts) => {
      const failed = facts.creatorCounts.failedCreates + facts.creatorCounts.failedDeletes;
      const calls = nounFor(failed, 'call');
      return failed > 0
        ? `The creator had ${failed} failed CreateAccessKey or DeleteAccessKey ${calls}`
        : null;
    },
  },
  {
    id: 'unrecognized-tool',
    weight: 1,
    evaluate: (facts) =>
      facts.creator.userAgentClass === 'other'
        ? 'The key was created with a tool that is not the console, the AWS CLI, an AWS SDK or IaC'
        : null,
  },
  {
    id: 'infrastructure-as-code',
    weight: -1,
    evaluate: (facts) =>
      facts.creator.userAgentClass === 'iac' && facts.deleter.userAgentClass === 'iac'
        ? 'Infrastructure as code created and deleted the key, which test pipelines often do'
        : null,
  },
];

/** Maps a score to a level: 0 or less is low, 1 medium, 2 to 3 high, 4 or more critical. */
function severityForScore(score: number): Severity {
  if (score <= 0) return 'low';
  if (score === 1) return 'medium';
  if (score <= 3) return 'high';
  return 'critical';
}

/** Scores a finding's facts and returns its severity with the reasons that moved it. */
export function scoreSeverity(facts: SeverityFacts): { severity: Severity; reasons: string[] } {
  let score = BASE_SCORE;
  const reasons: string[] = [];
  for (const rule of SEVERITY_RULES) {
    const reason = rule.evaluate(facts);
    if (reason === null) continue;
    score += rule.weight;
    reasons.push(reason);
  }
  return { severity: severityForScore(score), reasons };
}
