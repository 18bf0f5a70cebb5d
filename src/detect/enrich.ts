/**
 * Builds an enriched, scored finding from a create and delete pair and the context around it.
 */
import { findingId } from './finding-id.js';
import { ROOT_OWNER } from './normalize.js';
import { scoreSeverity } from './severity.js';
import type {
  ActivityCounts,
  Actor,
  ActorSummary,
  Finding,
  KeyEvent,
  KeyUsage,
  KeyUseEvent,
  MitreTechnique,
} from './types.js';
import { classifyUserAgent } from './user-agent.js';

export interface FindingContext {
  /** Every key event of the period, successful or failed, for the per-user and per-principal counts. */
  keyEvents: readonly KeyEvent[];
  /** Records made with the key during its lifetime, or null when none could be read. */
  uses: readonly KeyUseEvent[] | null;
}

export const MITRE_ADDITIONAL_CLOUD_CREDENTIALS: MitreTechnique = {
  id: 'T1098.001',
  name: 'Account Manipulation: Additional Cloud Credentials',
};
export const MITRE_ALTERNATE_AUTHENTICATION: MitreTechnique = {
  id: 'T1550',
  name: 'Use Alternate Authentication Material',
};

/** Is this create and delete pair a finding: deleted no earlier than created, and within the threshold? */
export function isPairInWindow(create: KeyEvent, del: KeyEvent, thresholdMs: number): boolean {
  const lifetimeMs = del.time - create.time;
  return lifetimeMs >= 0 && lifetimeMs <= thresholdMs;
}

/** Returns the key that counts a principal's activity: principalId when present, else the arn. */
export function principalKey(actor: Actor): string | null {
  return actor.principalId ?? actor.arn;
}

/** Formats epoch ms as ISO 8601 UTC, with milliseconds only when there are some, as CloudTrail writes it. */
export function toIsoTime(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function summarizeActor(actor: Actor): ActorSummary {
  return { ...actor, userAgentClass: classifyUserAgent(actor.userAgent) };
}

function countEvents(events: readonly KeyEvent[], matches: (event: KeyEvent) => boolean): ActivityCounts {
  const counts: ActivityCounts = { keysCreated: 0, keysDeleted: 0, failedCreates: 0, failedDeletes: 0 };
  for (const event of events) {
    if (!matches(event)) continue;
    if (event.action === 'create') {
      if (event.errorCode) counts.failedCreates++;
      else counts.keysCreated++;
    } else if (event.errorCode) {
      counts.failedDeletes++;
    } else {
      counts.keysDeleted++;
    }
  }
  return counts;
}

function countForPrincipal(events: readonly KeyEvent[], actor: Actor): ActivityCounts {
  const key = principalKey(actor);
  return countEvents(events, (event) => key !== null && principalKey(event.actor) === key);
}

function summarizeUsage(uses: readonly KeyUseEvent[] | null, fromMs: number, toMs: number): KeyUsage {
  if (uses === null) {
    return {
      available: false,
      count: 0,
      eventNames: [],
      sourceIPAddresses: [],
      firstUsedAt: null,
      lastUsedAt: null,
    };
  }
  const inLifetime = uses.filter((use) => use.time >= fromMs && use.time <= toMs);
  const times = inLifetime.map((use) => use.time);
  const addresses = inLifetime.map((use) => use.sourceIPAddress).filter((address) => address !== null);
  // A reduce, not Math.min(...times): a busy key can have more uses than a call may take arguments.
  const first = times.reduce((min, time) => Math.min(min, time), Infinity);
  const last = times.reduce((max, time) => Math.max(max, time), -Infinity);
  return {
    available: true,
    count: inLifetime.length,
    eventNames: [...new Set(inLifetime.map((use) => use.eventName))].sort(),
    sourceIPAddresses: [...new Set(addresses)].sort(),
    firstUsedAt: times.length ? toIsoTime(first) : null,
    lastUsedAt: times.length ? toIsoTime(last) : null,
  };
}

/** Builds the finding for a create and delete pair of the same key. Pure: the caller checks the window. */
export function buildFinding(create: KeyEvent, del: KeyEvent, context: FindingContext): Finding {
  const accessKeyId = create.accessKeyId ?? del.accessKeyId ?? '';
  const userName = create.keyOwner ?? del.keyOwner;
  const creatorKey = principalKey(create.actor);
  const creatorIsDeleter = creatorKey !== null && creatorKey === principalKey(del.actor);
  const createdForAnotherUser = userName !== null && userName !== create.actor.userName;
  const rootInvolved = userName === ROOT_OWNER || create.actor.type === 'Root' || del.actor.type === 'Root';
  const usage = summarizeUsage(context.uses, create.time, del.time);

  const partial = {
    id: findingId(accessKeyId, create.eventId, del.eventId),
    accessKeyId,
    userName,
    accountId: create.accountId ?? del.accountId,
    region: create.region ?? del.region,
    createdAt: toIsoTime(create.time),
    deletedAt: toIsoTime(del.time),
    lifetimeSeconds: Math.round((del.time - create.time) / 1000),
    creator: summarizeActor(create.actor),
    deleter: summarizeActor(del.actor),
    creatorIsDeleter,
    createdForAnotherUser,
    rootInvolved,
    userCounts: countEvents(context.keyEvents, (event) => userName !== null && event.keyOwner === userName),
    creatorCounts: countForPrincipal(context.keyEvents, create.actor),
    deleterCounts: countForPrincipal(context.keyEvents, del.actor),
    usage,
    mitre:
      usage.count > 0
        ? [MITRE_ADDITIONAL_CLOUD_CREDENTIALS, MITRE_ALTERNATE_AUTHENTICATION]
        : [MITRE_ADDITIONAL_CLOUD_CREDENTIALS],
  };
  const { severity, reasons } = scoreSeverity(partial);
  return { ...partial, severity, severityReasons: reasons };
}
