/**
 * Suppression of expected findings. The poller stores a finding that matches a suppression rule already
 * resolved as expected, and the notifiers list only unsuppressed findings, so it is never posted to chat but
 * stays in the store for `/keyhunt last`, `show` and the daily summary.
 */
import { listUnpostedSlack, listUnpostedTeams } from './records.js';
import type { StoreData, StoredFinding, TriageActor } from './ports.js';
import type { SuppressionRule } from './rules.js';

/** The actor of the history entry that a suppression rule writes. */
export const SUPPRESSION_ACTOR: Readonly<TriageActor> = {
  platform: 'rules',
  id: 'keyhunt-rules',
  name: 'suppression rule',
};

/**
 * Resolves a newly stored, open finding as expected by `rule`, with a history entry naming the rule's reason.
 * Run it inside `store.update`. Returns false, changing nothing, when the finding is not open, so a rule
 * never overwrites triage by a person.
 */
export function suppressFinding(stored: StoredFinding, rule: SuppressionRule, now: Date): boolean {
  if (stored.state !== 'open') return false;
  const at = now.toISOString();
  stored.history.push({
    action: 'resolve',
    from: 'open',
    to: 'resolved',
    resolution: 'expected',
    actor: { ...SUPPRESSION_ACTOR },
    at,
    reason: rule.reason,
  });
  stored.state = 'resolved';
  stored.resolution = 'expected';
  stored.updatedAt = at;
  stored.suppressed = { reason: rule.reason, matchedAt: at };
  return true;
}

export function isSuppressed(stored: StoredFinding): boolean {
  return stored.suppressed !== undefined;
}

/** Lists the findings to post to Slack: not posted there yet and not suppressed, oldest deletion first. */
export function listSlackPostable(data: Readonly<StoreData>): StoredFinding[] {
  return listUnpostedSlack(data).filter((stored) => !isSuppressed(stored));
}

/**
 * Lists the findings to post to a Teams conversation: those `listUnpostedTeams` returns, less the suppressed
 * ones, oldest deletion first.
 */
export function listTeamsPostable(data: Readonly<StoreData>, conversationId: string): StoredFinding[] {
  return listUnpostedTeams(data, conversationId).filter((stored) => !isSuppressed(stored));
}
