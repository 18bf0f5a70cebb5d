/**
 * The LookupEvents wire format for the CloudTrail emulator: request validation as AWS does it, NextToken
 * handling, and the conversion of CloudTrail records into the `Events` entries of a response.
 */
import { createHash } from 'node:crypto';

export const MAX_RESULTS_LIMIT = 50;

/** Attribute keys that LookupEvents accepts, per the CloudTrail API reference. */
const ATTRIBUTE_KEYS = [
  'EventId',
  'EventName',
  'ReadOnly',
  'Username',
  'ResourceType',
  'ResourceName',
  'EventSource',
  'AccessKeyId',
] as const;
type AttributeKey = (typeof ATTRIBUTE_KEYS)[number];

export interface StoredRecord {
  record: Record<string, unknown>;
  eventId: string;
  timeMs: number;
  visibleAtMs: number;
  fields: Record<AttributeKey, string[]>;
}

export interface Reply {
  status: number;
  body: unknown;
  errorType: string | null;
  eventIds: string[];
  nextToken: string | null;
}

export class LookupError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function present(...values: (string | null)[]): string[] {
  return values.filter((value): value is string => value !== null);
}

function objectAt(value: unknown, key: string): Record<string, unknown> {
  const child = (value as Record<string, unknown> | null | undefined)?.[key];
  return child !== null && typeof child === 'object' ? (child as Record<string, unknown>) : {};
}

/** Lists the IAM resources LookupEvents reports for the two key events: the access key and its user. */
function resourcesOf(record: Record<string, unknown>): { ResourceType: string; ResourceName: string }[] {
  const request = objectAt(record, 'requestParameters');
  const accessKey = objectAt(objectAt(record, 'responseElements'), 'accessKey');
  const keyId = text(accessKey.accessKeyId) ?? text(request.accessKeyId);
  const userName = text(accessKey.userName) ?? text(request.userName);
  const resources: { ResourceType: string; ResourceName: string }[] = [];
  if (keyId) resources.push({ ResourceType: 'AWS::IAM::AccessKey', ResourceName: keyId });
  if (userName) resources.push({ ResourceType: 'AWS::IAM::User', ResourceName: userName });
  return resources;
}

function usernameOf(record: Record<string, unknown>): string | null {
  const identity = objectAt(record, 'userIdentity');
  const arn = text(identity.arn);
  return text(identity.userName) ?? (arn ? (arn.split('/').pop() ?? null) : null);
}

function readOnlyOf(record: Record<string, unknown>): string {
  return record.readOnly === true || record.readOnly === 'true' ? 'true' : 'false';
}

export function toStored(record: Record<string, unknown>, visibleAtMs: number): StoredRecord {
  const eventId = text(record.eventID);
  const timeMs = Date.parse(String(record.eventTime));
  if (!eventId || Number.isNaN(timeMs)) {
    throw new Error(
      `emulator records need an eventID and a valid eventTime: ${JSON.stringify(record).slice(0, 200)}`,
    );
  }
  const resources = resourcesOf(record);
  return {
    record,
    eventId,
    timeMs,
    visibleAtMs,
    fields: {
      EventId: [eventId],
      EventName: present(text(record.eventName)),
      ReadOnly: [readOnlyOf(record)],
      Username: present(usernameOf(record)),
      ResourceType: resources.map((resource) => resource.ResourceType),
      ResourceName: resources.map((resource) => resource.ResourceName),
      EventSource: present(text(record.eventSource)),
      AccessKeyId: present(text(objectAt(record, 'userIdentity').accessKeyId)),
    },
  };
}

/** The Events entry LookupEvents returns for a record; EventTime is epoch seconds as AWS sends it. */
export function toEvent(stored: StoredRecord): Record<string, unknown> {
  const event: Record<string, unknown> = {
    EventId: stored.eventId,
    EventName: stored.fields.EventName[0],
    ReadOnly: stored.fields.ReadOnly[0],
    EventTime: stored.timeMs / 1000,
    EventSource: stored.fields.EventSource[0],
    Resources: resourcesOf(stored.record),
    CloudTrailEvent: JSON.stringify(stored.record),
  };
  if (stored.fields.AccessKeyId[0]) event.AccessKeyId = stored.fields.AccessKeyId[0];
  if (stored.fields.Username[0]) event.Username = stored.fields.Username[0];
  return event;
}

export interface Query {
  startMs: number;
  endMs: number;
  maxResults: number;
  attribute: { key: AttributeKey; value: string } | null;
  insightsOnly: boolean;
  /** Emulator time the first page was served at, kept by NextToken so later pages see the same records. */
  asOf: number;
  offset: number;
  paramsKey: string;
}

interface TokenContent {
  offset: number;
  asOf: number;
  params: string;
}

export function encodeToken(content: TokenContent): string {
  return Buffer.from(JSON.stringify(content)).toString('base64url');
}

function decodeToken(token: unknown, paramsKey: string): TokenContent {
  let content: Partial<TokenContent>;
  try {
    content = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as Partial<TokenContent>;
  } catch (error) {
    throw new LookupError('InvalidNextTokenException', `Invalid NextToken: ${(error as Error).message}`);
  }
  if (typeof content.offset !== 'number' || typeof content.asOf !== 'number') {
    throw new LookupError('InvalidNextTokenException', 'Invalid NextToken');
  }
  if (content.params !== paramsKey) {
    throw new LookupError(
      'InvalidNextTokenException',
      'NextToken was issued for different request parameters',
    );
  }
  return content as TokenContent;
}

export function parseBody(body: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(body === '' ? '{}' : body);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch (error) {
    throw new LookupError('SerializationException', `Request body is not JSON: ${(error as Error).message}`);
  }
  throw new LookupError('SerializationException', 'Request body must be a JSON object');
}

function epochMs(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new LookupError('SerializationException', `${name} must be a timestamp in epoch seconds`);
  }
  return value * 1000;
}

function parseAttribute(value: unknown): Query['attribute'] {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value))
    throw new LookupError('SerializationException', 'LookupAttributes must be a list');
  if (value.length === 0) return null;
  if (value.length > 1) {
    throw new LookupError(
      'InvalidLookupAttributesException',
      'You cannot specify more than one lookup attribute.',
    );
  }
  const { AttributeKey: key, AttributeValue: attributeValue } = (value[0] ?? {}) as Record<string, unknown>;
  if (!ATTRIBUTE_KEYS.includes(key as AttributeKey)) {
    throw new LookupError('InvalidLookupAttributesException', `Invalid AttributeKey: ${String(key)}`);
  }
  if (typeof attributeValue !== 'string' || attributeValue.length < 1 || attributeValue.length > 2000) {
    throw new LookupError('InvalidLookupAttributesException', 'AttributeValue must be 1 to 2000 characters');
  }
  return { key: key as AttributeKey, value: attributeValue };
}

export function parseQuery(input: Record<string, unknown>, now: number): Query {
  const startMs = epochMs(input.StartTime, 'StartTime', Number.NEGATIVE_INFINITY);
  const endMs = epochMs(input.EndTime, 'EndTime', Number.POSITIVE_INFINITY);
  if (startMs > endMs)
    throw new LookupError('InvalidTimeRangeException', 'Start time must be before end time.');

  const maxResults = input.MaxResults ?? MAX_RESULTS_LIMIT;
  if (
    !Number.isInteger(maxResults) ||
    (maxResults as number) < 1 ||
    (maxResults as number) > MAX_RESULTS_LIMIT
  ) {
    throw new LookupError(
      'InvalidMaxResultsException',
      `MaxResults must be 1 to ${MAX_RESULTS_LIMIT}, not ${String(maxResults)}`,
    );
  }
  if (input.EventCategory !== undefined && input.EventCategory !== 'insight') {
    throw new LookupError(
      'InvalidEventCategoryException',
      `Invalid EventCategory: ${String(input.EventCategory)}`,
    );
  }

  const attribute = parseAttribute(input.LookupAttributes);
  const paramsKey = createHash('sha256')
    .update(
      JSON.stringify([
        input.StartTime ?? null,
        input.EndTime ?? null,
        attribute,
        input.EventCategory ?? null,
      ]),
    )
    .digest('hex');
  const token = input.NextToken === undefined ? null : decodeToken(input.NextToken, paramsKey);
  return {
    startMs,
    endMs,
    maxResults: maxResults as number,
    attribute,
    insightsOnly: input.EventCategory === 'insight',
    asOf: token?.asOf ?? now,
    offset: token?.offset ?? 0,
    paramsKey,
  };
}
