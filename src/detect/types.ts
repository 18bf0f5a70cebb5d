/**
 * Types shared by the detection core and every layer above it. Plain data only: no classes, no I/O.
 */

/** A CloudTrail record as parsed from JSON. Nothing in it is trusted to have any given shape. */
export type CloudTrailRecord = Record<string, unknown>;

export type KeyAction = 'create' | 'delete';

/** The caller of an API call, as read from `userIdentity` and the record's network fields. */
export interface Actor {
  arn: string | null;
  principalId: string | null;
  /** `userIdentity.type`: IAMUser, AssumedRole, Root, FederatedUser, AWSService, ... or null when absent. */
  type: string | null;
  /** The IAM user name of the caller, or "root" for the root user, or null for roles and services. */
  userName: string | null;
  sourceIPAddress: string | null;
  userAgent: string | null;
  eventId: string;
}

/** One CreateAccessKey or DeleteAccessKey call, successful or failed, in normalized form. */
export interface KeyEvent {
  action: KeyAction;
  eventId: string;
  /** Epoch milliseconds from `eventTime`. */
  time: number;
  /** Null only for failed calls, which may not name a key. */
  accessKeyId: string | null;
  /** The key's owner: the IAM user name, or "root" when the key belongs to the root user. */
  keyOwner: string | null;
  accountId: string | null;
  region: string | null;
  actor: Actor;
  /** `errorCode` of a failed call; null when the call succeeded. */
  errorCode: string | null;
}

/** The reason a record was not turned into a key event. Counted, never fatal. */
export type SkipReason =
  | 'not-an-object'
  | 'missing-event-name'
  | 'missing-event-id'
  | 'invalid-event-time'
  | 'missing-access-key-id'
  | 'duplicate-event-id'
  | 'outside-time-range';

/** A record made with some access key (`userIdentity.accessKeyId`), reduced to what enrichment needs. */
export interface KeyUseEvent {
  accessKeyId: string;
  eventId: string;
  eventName: string;
  eventSource: string | null;
  time: number;
  sourceIPAddress: string | null;
  errorCode: string | null;
}

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export type UserAgentClass = 'console' | 'cli' | 'sdk' | 'iac' | 'other';

export interface ActorSummary {
  arn: string | null;
  principalId: string | null;
  type: string | null;
  userName: string | null;
  sourceIPAddress: string | null;
  userAgent: string | null;
  userAgentClass: UserAgentClass;
  eventId: string;
}

/** Keys created, deleted and failed attempts for one user or principal in the scanned period. */
export interface ActivityCounts {
  keysCreated: number;
  keysDeleted: number;
  failedCreates: number;
  failedDeletes: number;
}

export interface KeyUsage {
  /** False when no records from the key's lifetime were available, so "unused" cannot be claimed. */
  available: boolean;
  count: number;
  eventNames: string[];
  sourceIPAddresses: string[];
  firstUsedAt: string | null;
  lastUsedAt: string | null;
}

export interface MitreTechnique {
  id: string;
  name: string;
}

/** An access key created and deleted within the threshold, with its enrichment and severity. */
export interface Finding {
  /** Stable for the same pair: derived from the key id and the two event ids. */
  id: string;
  accessKeyId: string;
  userName: string | null;
  accountId: string | null;
  region: string | null;
  createdAt: string;
  deletedAt: string;
  lifetimeSeconds: number;
  creator: ActorSummary;
  deleter: ActorSummary;
  creatorIsDeleter: boolean;
  createdForAnotherUser: boolean;
  rootInvolved: boolean;
  /** Counts per key owner (`userName`) in the scanned period. */
  userCounts: ActivityCounts;
  /** Counts for the creator's principal (principalId, falling back to arn) in the scanned period. */
  creatorCounts: ActivityCounts;
  deleterCounts: ActivityCounts;
  usage: KeyUsage;
  mitre: MitreTechnique[];
  severity: Severity;
  severityReasons: string[];
}

/** Counts of what a detection run read and skipped, for summaries and logs. */
export interface DetectionStats {
  recordsRead: number;
  keyEvents: number;
  skipped: Partial<Record<SkipReason, number>>;
  failedCalls: number;
  unpairedCreates: number;
  unpairedDeletes: number;
  /** Pairs whose delete came after the threshold, or before the create. */
  pairsOutsideWindow: number;
}

export interface DetectionResult {
  findings: Finding[];
  stats: DetectionStats;
}

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const DEFAULT_THRESHOLD_MS = 24 * HOUR_MS;
