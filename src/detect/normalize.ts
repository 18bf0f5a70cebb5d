/**
 * Turns one CloudTrail record of any shape into a key event, a key use, or a counted skip reason.
 *
 * CreateAccessKey names the key in `responseElements.accessKey` and DeleteAccessKey in `requestParameters`.
 * The owner is absent when a caller acts on its own key, so it falls back to the caller. Failed calls
 * carry a top-level `errorCode` whatever its spelling, and a null `responseElements` is not a failure.
 */
import type { Actor, CloudTrailRecord, KeyAction, KeyEvent, KeyUseEvent, SkipReason } from './types.js';

export interface NormalizedRecord {
  keyEvent: KeyEvent | null;
  use: KeyUseEvent | null;
  skip: SkipReason | null;
  /** `eventTime` in epoch ms of any record that has a valid one, also when it is neither event nor use. */
  time: number | null;
}

const KEY_EVENT_NAMES: Record<string, KeyAction> = {
  CreateAccessKey: 'create',
  DeleteAccessKey: 'delete',
};

const IAM_EVENT_SOURCE = 'iam.amazonaws.com';

/** The owner name used when a key belongs to the root user, which has no IAM user name. */
export const ROOT_OWNER = 'root';

function asObject(value: unknown): CloudTrailRecord | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as CloudTrailRecord)
    : null;
}

function asString(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function skipped(reason: SkipReason): NormalizedRecord {
  return { keyEvent: null, use: null, skip: reason, time: null };
}

/** Reads `eventTime` as epoch ms. Only ISO 8601 date-times are accepted, never `createDate`'s format. */
function parseEventTime(value: unknown): number | null {
  const text = asString(value);
  if (!text || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) return null;
  const time = Date.parse(text);
  return Number.isFinite(time) ? time : null;
}

function readActor(record: CloudTrailRecord, eventId: string): Actor {
  const identity = asObject(record.userIdentity) ?? {};
  const type = asString(identity.type);
  let userName: string | null = null;
  if (type === 'Root') userName = ROOT_OWNER;
  else if (type === 'IAMUser') userName = asString(identity.userName);
  return {
    arn: asString(identity.arn),
    principalId: asString(identity.principalId),
    type,
    userName,
    sourceIPAddress: asString(record.sourceIPAddress),
    userAgent: asString(record.userAgent),
    eventId,
  };
}

/** Finds the key id and owner of a key event in the place its event name puts them. */
function readKeyAndOwner(
  action: KeyAction,
  record: CloudTrailRecord,
  actor: Actor,
): { accessKeyId: string | null; keyOwner: string | null } {
  const request = asObject(record.requestParameters);
  const accessKey = asObject(asObject(record.responseElements)?.accessKey);
  const accessKeyId = action === 'create' ? asString(accessKey?.accessKeyId) : asString(request?.accessKeyId);
  const namedOwner =
    action === 'create'
      ? (asString(accessKey?.userName) ?? asString(request?.userName))
      : asString(request?.userName);
  if (namedOwner) return { accessKeyId, keyOwner: namedOwner };

  // A userName that is present but not a name leaves the owner unknown: it is not the caller's own key.
  const ownerField = action === 'create' ? (accessKey?.userName ?? request?.userName) : request?.userName;
  if (ownerField !== undefined && ownerField !== null) return { accessKeyId, keyOwner: null };

  // With no user named, the caller acted on its own key. Roles have no access keys, so they stay null.
  return { accessKeyId, keyOwner: actor.userName };
}

function readUse(
  record: CloudTrailRecord,
  eventName: string,
  eventId: string,
  time: number,
): KeyUseEvent | null {
  const accessKeyId = asString(asObject(record.userIdentity)?.accessKeyId);
  if (!accessKeyId) return null;
  return {
    accessKeyId,
    eventId,
    eventName,
    eventSource: asString(record.eventSource),
    time,
    sourceIPAddress: asString(record.sourceIPAddress),
    errorCode: asString(record.errorCode),
  };
}

/** Normalizes one parsed record. Never throws, whatever the input. */
export function normalizeRecord(input: unknown): NormalizedRecord {
  const record = asObject(input);
  if (!record) return skipped('not-an-object');

  const eventName = asString(record.eventName);
  if (!eventName) return skipped('missing-event-name');
  const eventId = asString(record.eventID);
  if (!eventId) return skipped('missing-event-id');
  const time = parseEventTime(record.eventTime);
  if (time === null) return skipped('invalid-event-time');

  const use = readUse(record, eventName, eventId, time);
  const action = KEY_EVENT_NAMES[eventName];
  const eventSource = asString(record.eventSource);
  if (!action || (eventSource !== null && eventSource !== IAM_EVENT_SOURCE)) {
    return { keyEvent: null, use, skip: null, time };
  }

  const actor = readActor(record, eventId);
  const errorCode = asString(record.errorCode);
  const { accessKeyId, keyOwner } = readKeyAndOwner(action, record, actor);
  if (!accessKeyId && !errorCode) return { keyEvent: null, use, skip: 'missing-access-key-id', time };

  const keyEvent: KeyEvent = {
    action,
    eventId,
    time,
    accessKeyId,
    keyOwner,
    accountId: asString(record.recipientAccountId) ?? asString(asObject(record.userIdentity)?.accountId),
    region: asString(record.awsRegion),
    actor,
    errorCode,
  };
  return { keyEvent, use, skip: null, time };
}
