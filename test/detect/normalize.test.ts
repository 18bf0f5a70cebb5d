import { normalizeRecord } from '../../src/detect/index.js';
import {
  assumedRole,
  createKeyRecord,
  deleteKeyRecord,
  iamUser,
  rootUser,
  useRecord,
} from '../support/records.js';

const TIME = '2024-03-01T10:00:00Z';
const TIME_MS = Date.parse(TIME);
const KEY = 'AKIAEXAMPLEKEY000001';

interface ShapeCase {
  name: string;
  record: unknown;
  expected: {
    action?: 'create' | 'delete';
    accessKeyId?: string | null;
    keyOwner?: string | null;
    errorCode?: string | null;
    actorType?: string | null;
    actorUserName?: string | null;
    skip?: string | null;
    keyEvent?: null;
  };
}

const cases: ShapeCase[] = [
  {
    name: 'create for another user',
    record: createKeyRecord({
      eventId: 'e1',
      time: TIME,
      identity: iamUser('admin'),
      accessKeyId: KEY,
      userName: 'bob',
    }),
    expected: {
      action: 'create',
      accessKeyId: KEY,
      keyOwner: 'bob',
      errorCode: null,
      actorUserName: 'admin',
    },
  },
  {
    name: 'create for itself with null requestParameters',
    record: createKeyRecord({ eventId: 'e2', time: TIME, identity: iamUser('alice'), accessKeyId: KEY }),
    expected: { action: 'create', accessKeyId: KEY, keyOwner: 'alice', actorType: 'IAMUser' },
  },
  {
    name: 'root creates its own key without userName',
    record: createKeyRecord({ eventId: 'e3', time: TIME, identity: rootUser(), accessKeyId: KEY }),
    expected: {
      action: 'create',
      accessKeyId: KEY,
      keyOwner: 'root',
      actorType: 'Root',
      actorUserName: 'root',
    },
  },
  {
    name: 'assumed role creates a key for a user',
    record: createKeyRecord({
      eventId: 'e4',
      time: TIME,
      identity: assumedRole('Admin', 'ops@example.com'),
      accessKeyId: KEY,
      userName: 'carol',
    }),
    expected: { action: 'create', keyOwner: 'carol', actorType: 'AssumedRole', actorUserName: null },
  },
  {
    name: 'failed create with null responseElements',
    record: createKeyRecord({
      eventId: 'e5',
      time: TIME,
      identity: iamUser('eve'),
      accessKeyId: KEY,
      userName: 'bob',
      errorCode: 'LimitExceededException',
    }),
    expected: { action: 'create', accessKeyId: null, keyOwner: 'bob', errorCode: 'LimitExceededException' },
  },
  {
    name: 'delete naming the user',
    record: deleteKeyRecord({
      eventId: 'e6',
      time: TIME,
      identity: iamUser('admin'),
      accessKeyId: KEY,
      userName: 'bob',
    }),
    expected: { action: 'delete', accessKeyId: KEY, keyOwner: 'bob', errorCode: null },
  },
  {
    name: 'self delete without userName',
    record: deleteKeyRecord({ eventId: 'e7', time: TIME, identity: iamUser('alice'), accessKeyId: KEY }),
    expected: { action: 'delete', accessKeyId: KEY, keyOwner: 'alice' },
  },
  {
    name: 'root deletes its own key',
    record: deleteKeyRecord({ eventId: 'e8', time: TIME, identity: rootUser(), accessKeyId: KEY }),
    expected: { action: 'delete', keyOwner: 'root', actorType: 'Root' },
  },
  {
    name: 'failed delete without Exception suffix',
    record: deleteKeyRecord({
      eventId: 'e9',
      time: TIME,
      identity: iamUser('alice'),
      accessKeyId: KEY,
      errorCode: 'NoSuchEntity',
    }),
    expected: { action: 'delete', accessKeyId: KEY, errorCode: 'NoSuchEntity' },
  },
  {
    name: 'numeric userName leaves the owner unknown',
    record: {
      ...deleteKeyRecord({ eventId: 'e11', time: TIME, identity: iamUser('alice'), accessKeyId: KEY }),
      requestParameters: { accessKeyId: KEY, userName: 42 },
    },
    expected: { action: 'delete', accessKeyId: KEY, keyOwner: null },
  },
  { name: 'null record', record: null, expected: { skip: 'not-an-object', keyEvent: null } },
  { name: 'array record', record: [1, 2], expected: { skip: 'not-an-object', keyEvent: null } },
  { name: 'string record', record: 'CreateAccessKey', expected: { skip: 'not-an-object', keyEvent: null } },
  {
    name: 'missing eventName',
    record: { eventID: 'x', eventTime: TIME },
    expected: { skip: 'missing-event-name', keyEvent: null },
  },
  {
    name: 'missing eventID',
    record: { eventName: 'CreateAccessKey', eventTime: TIME },
    expected: { skip: 'missing-event-id', keyEvent: null },
  },
  {
    name: 'createDate style eventTime',
    record: { eventName: 'CreateAccessKey', eventID: 'x', eventTime: 'Jul 10, 2023 12:24:29 PM' },
    expected: { skip: 'invalid-event-time', keyEvent: null },
  },
  {
    name: 'numeric eventTime',
    record: { eventName: 'DeleteAccessKey', eventID: 'x', eventTime: 1700000000 },
    expected: { skip: 'invalid-event-time', keyEvent: null },
  },
  {
    name: 'successful create without accessKey',
    record: { eventName: 'CreateAccessKey', eventID: 'x', eventTime: TIME, responseElements: null },
    expected: { skip: 'missing-access-key-id', keyEvent: null },
  },
  {
    name: 'delete with string requestParameters',
    record: { eventName: 'DeleteAccessKey', eventID: 'x', eventTime: TIME, requestParameters: 'oops' },
    expected: { skip: 'missing-access-key-id', keyEvent: null },
  },
  {
    name: 'same name from another service',
    record: {
      ...createKeyRecord({ eventId: 'e10', time: TIME, identity: iamUser('a'), accessKeyId: KEY }),
      eventSource: 'example.amazonaws.com',
    },
    expected: { skip: null, keyEvent: null },
  },
];

describe('normalizeRecord shapes', () => {
  test.each(cases)('$name', ({ record, expected }) => {
    const normalized = normalizeRecord(record);
    if ('skip' in expected) expect(normalized.skip).toBe(expected.skip);
    if ('keyEvent' in expected) {
      expect(normalized.keyEvent).toBeNull();
      return;
    }
    const event = normalized.keyEvent;
    expect(event).not.toBeNull();
    if (!event) return;
    if (expected.action) expect(event.action).toBe(expected.action);
    if ('accessKeyId' in expected) expect(event.accessKeyId).toBe(expected.accessKeyId);
    if ('keyOwner' in expected) expect(event.keyOwner).toBe(expected.keyOwner);
    if ('errorCode' in expected) expect(event.errorCode).toBe(expected.errorCode);
    if ('actorType' in expected) expect(event.actor.type).toBe(expected.actorType);
    if ('actorUserName' in expected) expect(event.actor.userName).toBe(expected.actorUserName);
  });
});

describe('normalizeRecord fields', () => {
  test('reads time, account and actor', () => {
    const record = createKeyRecord({
      eventId: 'e1',
      time: TIME,
      identity: assumedRole('Admin', 's1'),
      accessKeyId: KEY,
      userName: 'bob',
      sourceIPAddress: 'cloudformation.amazonaws.com',
      userAgent: 'cloudformation.amazonaws.com',
    });
    const event = normalizeRecord(record).keyEvent;
    expect(event?.time).toBe(TIME_MS);
    expect(event?.accountId).toBe('111122223333');
    expect(event?.region).toBe('us-east-1');
    expect(event?.actor.arn).toBe('arn:aws:sts::111122223333:assumed-role/Admin/s1');
    expect(event?.actor.principalId).toBe('AROAEXAMPLEROLEID:s1');
    expect(event?.actor.sourceIPAddress).toBe('cloudformation.amazonaws.com');
  });

  test('falls back to userIdentity accountId', () => {
    const record = createKeyRecord({ eventId: 'e1', time: TIME, identity: iamUser('a'), accessKeyId: KEY });
    delete record.recipientAccountId;
    expect(normalizeRecord(record).keyEvent?.accountId).toBe('111122223333');
  });

  test('keeps leading-zero addresses as text', () => {
    const record = deleteKeyRecord({
      eventId: 'e1',
      time: TIME,
      identity: iamUser('a'),
      accessKeyId: KEY,
      sourceIPAddress: '075.050.255.67',
    });
    expect(normalizeRecord(record).keyEvent?.actor.sourceIPAddress).toBe('075.050.255.67');
  });

  test('reads a key use from userIdentity', () => {
    const use = normalizeRecord(useRecord(KEY, 'u1', TIME, 'ListBuckets', '198.51.100.7')).use;
    expect(use).toEqual({
      accessKeyId: KEY,
      eventId: 'u1',
      eventName: 'ListBuckets',
      eventSource: 's3.amazonaws.com',
      time: TIME_MS,
      sourceIPAddress: '198.51.100.7',
      errorCode: null,
    });
  });

  test('AwsServiceEvent without userIdentity type', () => {
    const normalized = normalizeRecord({
      eventName: 'AssumeRole',
      eventID: 'svc1',
      eventTime: TIME,
      eventType: 'AwsServiceEvent',
      userIdentity: { invokedBy: 'ec2.amazonaws.com' },
      sourceIPAddress: 'AWS Internal',
    });
    expect(normalized).toEqual({ keyEvent: null, use: null, skip: null, time: TIME_MS });
  });
});
