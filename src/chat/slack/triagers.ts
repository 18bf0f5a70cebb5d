/**
 * The triage permission check for Slack: the user ids (U..., W...) and user group ids (S...) in KEYHUNT_SLACK_TRIAGERS. Group
 * members are read with usergroups.users.list and cached for a few minutes. With no triagers configured,
 * anyone who can see the message and click may triage.
 */
import type { Logger } from 'pino';
import { mention } from './mrkdwn.js';
import { callSlack, type CallOptions, type WebClient } from './web-api.js';

/** How long a user group's member list is reused before it is read again. */
export const TRIAGER_GROUP_CACHE_MS = 5 * 60_000;

export type TriagerDecision = { allowed: true } | { allowed: false; message: string };

export interface TriagerPolicy {
  check(userId: string): Promise<TriagerDecision>;
}

export interface TriagerPolicyOptions {
  triagers: readonly string[];
  client: WebClient;
  logger: Logger;
  cacheMs?: number;
  nowMs?: () => number;
  /** Retries of Slack's transient `ok: false` errors. */
  retry?: Pick<CallOptions, 'attempts' | 'retryDelayMs'>;
}

interface CachedGroup {
  members: ReadonlySet<string>;
  fetchedAtMs: number;
}

export function isUserGroupId(id: string): boolean {
  return id.startsWith('S');
}

/** Creates the policy; group members are fetched on the first check that needs them. */
export function createTriagerPolicy(options: TriagerPolicyOptions): TriagerPolicy {
  const cacheMs = options.cacheMs ?? TRIAGER_GROUP_CACHE_MS;
  const nowMs = options.nowMs ?? Date.now;
  const users = new Set(options.triagers.filter((id) => !isUserGroupId(id)));
  const groups = options.triagers.filter(isUserGroupId);
  const cache = new Map<string, CachedGroup>();
  const inFlight = new Map<string, Promise<ReadonlySet<string> | null>>();

  const fetchGroup = async (groupId: string): Promise<ReadonlySet<string> | null> => {
    try {
      const result = await callSlack(
        'usergroups.users.list',
        () => options.client.usergroups.users.list({ usergroup: groupId }),
        {
          logger: options.logger,
          context: { usergroup: groupId },
          ...options.retry,
        },
      );
      const members = new Set(result.users ?? []);
      cache.set(groupId, { members, fetchedAtMs: nowMs() });
      return members;
    } catch (error) {
      const stale = cache.get(groupId);
      options.logger.error(
        { err: error, usergroup: groupId, usingCachedMembers: stale !== undefined },
        'Could not read the members of a triager user group',
      );
      return stale?.members ?? null;
    }
  };

  const membersOf = (groupId: string): Promise<ReadonlySet<string> | null> => {
    const cached = cache.get(groupId);
    if (cached && nowMs() - cached.fetchedAtMs < cacheMs) return Promise.resolve(cached.members);
    let pending = inFlight.get(groupId);
    if (!pending) {
      pending = fetchGroup(groupId).finally(() => inFlight.delete(groupId));
      inFlight.set(groupId, pending);
    }
    return pending;
  };

  return {
    async check(userId) {
      if (options.triagers.length === 0 || users.has(userId)) return { allowed: true };
      const unreadable: string[] = [];
      for (const groupId of groups) {
        const members = await membersOf(groupId);
        if (members === null) unreadable.push(groupId);
        else if (members.has(userId)) return { allowed: true };
      }
      return { allowed: false, message: buildRejection(options.triagers, unreadable) };
    },
  };
}

function buildRejection(triagers: readonly string[], unreadableGroups: readonly string[]): string {
  const who = triagers.map(mention).join(', ');
  let message = `Only ${who} can triage keyhunt findings. Nothing was changed.`;
  if (unreadableGroups.length > 0) {
    message += ` The members of ${unreadableGroups.map(mention).join(', ')} could not be read from Slack just now, so try again in a minute if you are one of them.`;
  }
  return message;
}
