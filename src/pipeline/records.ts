/**
 * Pure helpers over StoreData for the poller, the notifiers and the chat commands. The ones that change data
 * are meant to run inside `store.update`. A finding is stored before it is posted and marked posted after, so
 * a crash before the post posts it on restart. A crash after the post but before the mark is recovered from
 * channel history on Slack; Teams offers bots no history, so there it may post the finding a second time.
 */
import type { Finding } from '../detect/types.js';
import type {
  SlackPostRef,
  StoreData,
  StoredFinding,
  TeamsConversation,
  TeamsPostRef,
  TriageState,
} from './ports.js';

/**
 * Looks up a stored finding by id. Ids arrive from chat clicks and commands, so only own properties count:
 * `__proto__` or `constructor` must find nothing rather than a member of Object.prototype.
 */
export function getStoredFinding(data: Readonly<StoreData>, id: string): StoredFinding | undefined {
  return Object.hasOwn(data.findings, id) ? data.findings[id] : undefined;
}

/** Looks up a Teams conversation by id, counting own properties only, as getStoredFinding does. */
export function getConversation(data: Readonly<StoreData>, id: string): TeamsConversation | undefined {
  return Object.hasOwn(data.teams.conversations, id) ? data.teams.conversations[id] : undefined;
}

/**
 * Stores each finding whose id is not stored yet as an open, unposted finding. Returns only the newly stored
 * ones, in input order. A finding already stored (or repeated in the input) keeps its stored triage state.
 */
export function addFindings(data: StoreData, findings: readonly Finding[], now: Date): StoredFinding[] {
  const at = now.toISOString();
  const added: StoredFinding[] = [];
  for (const finding of findings) {
    if (getStoredFinding(data, finding.id)) continue;
    const stored: StoredFinding = {
      finding,
      state: 'open',
      resolution: null,
      history: [],
      storedAt: at,
      updatedAt: at,
      slack: null,
      teams: {},
    };
    data.findings[finding.id] = stored;
    added.push(stored);
  }
  return added;
}

/** Lists findings not yet posted to Slack, oldest deletion first. */
export function listUnpostedSlack(data: Readonly<StoreData>): StoredFinding[] {
  return sortByDeletion(Object.values(data.findings).filter((stored) => stored.slack === null));
}

/**
 * Lists findings not yet posted to a Teams conversation, oldest deletion first. For a recorded conversation,
 * only findings stored at or after the conversation was added count, so installing the app in a new team
 * does not post the whole history there. An inactive conversation gets nothing.
 */
export function listUnpostedTeams(data: Readonly<StoreData>, conversationId: string): StoredFinding[] {
  const conversation = getConversation(data, conversationId);
  if (conversation && !conversation.active) return [];
  const addedAtMs = conversation ? Date.parse(conversation.addedAt) : Number.NEGATIVE_INFINITY;
  return sortByDeletion(
    Object.values(data.findings).filter(
      (stored) => !Object.hasOwn(stored.teams, conversationId) && Date.parse(stored.storedAt) >= addedAtMs,
    ),
  );
}

/** Records where a finding was posted in Slack. Returns the updated finding, or null when it is not stored. */
export function markSlackPosted(data: StoreData, id: string, ref: SlackPostRef): StoredFinding | null {
  const stored = getStoredFinding(data, id);
  if (!stored) return null;
  stored.slack = ref;
  return stored;
}

/**
 * Records where a finding was posted in a Teams conversation. Returns the updated finding, or null when it is
 * not stored. Throws when `ref.conversationId` is not `conversationId`, before changing anything.
 */
export function markTeamsPosted(
  data: StoreData,
  id: string,
  conversationId: string,
  ref: TeamsPostRef,
): StoredFinding | null {
  if (ref.conversationId !== conversationId) {
    throw new Error(
      `markTeamsPosted got conversation id ${conversationId} but a post reference for ${ref.conversationId}; ` +
        'pass the id of the conversation the activity was sent to.',
    );
  }
  const stored = getStoredFinding(data, id);
  if (!stored) return null;
  stored.teams[conversationId] = ref;
  return stored;
}

/** Lists findings whose key was deleted in [fromMs, toMs), oldest deletion first, for the daily summary. */
export function findingsDeletedBetween(
  data: Readonly<StoreData>,
  fromMs: number,
  toMs: number,
): StoredFinding[] {
  return sortByDeletion(
    Object.values(data.findings).filter((stored) => {
      const deletedMs = Date.parse(stored.finding.deletedAt);
      return deletedMs >= fromMs && deletedMs < toMs;
    }),
  );
}

/**
 * Lists findings where `userName` owns the key, created it or deleted it, oldest deletion first. IAM user
 * names are unique regardless of case, so the match ignores case.
 */
export function findingsForUser(data: Readonly<StoreData>, userName: string): StoredFinding[] {
  const wanted = userName.toLowerCase();
  const matches = (name: string | null): boolean => name !== null && name.toLowerCase() === wanted;
  return sortByDeletion(
    Object.values(data.findings).filter(
      ({ finding }) =>
        matches(finding.userName) || matches(finding.creator.userName) || matches(finding.deleter.userName),
    ),
  );
}

/** Counts stored findings per triage state. Every state is present, with 0 when none. */
export function countByState(data: Readonly<StoreData>): Record<TriageState, number> {
  const counts: Record<TriageState, number> = { open: 0, acknowledged: 0, escalated: 0, resolved: 0 };
  for (const stored of Object.values(data.findings)) counts[stored.state] += 1;
  return counts;
}

/** Sorts by deletion time, then access key id, the order the detector returns findings in. */
function sortByDeletion(findings: StoredFinding[]): StoredFinding[] {
  return findings.sort((a, b) => {
    const byTime = Date.parse(a.finding.deletedAt) - Date.parse(b.finding.deletedAt);
    if (byTime !== 0) return byTime;
    const keyA = a.finding.accessKeyId;
    const keyB = b.finding.accessKeyId;
    if (keyA < keyB) return -1;
    if (keyA > keyB) return 1;
    return 0;
  });
}
