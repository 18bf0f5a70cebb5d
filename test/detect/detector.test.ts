import { detect, findingId, HOUR_MS } from '../../src/detect/index.js';
import {
  assumedRole,
  createKeyRecord,
  deleteKeyRecord,
  iamUser,
  rootUser,
  useRecord,
} from '../support/records.js';

const THRESHOLD_MS = 24 * HOUR_MS;
const KEY = 'AKIAEXAMPLEKEY000001';
const CREATED = '2024-03-01T10:00:00Z';

function at(offsetSeconds: number): string {
  return new Date(Date.parse(CREATED) + offsetSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

function pair(deleteOffsetSeconds: number, accessKeyId = KEY): Record<string, unknown>[] {
  return [
    createKeyRecord({
      eventId: `c-${accessKeyId}`,
      time: CREATED,
      identity: iamUser('admin'),
      accessKeyId,
      userName: 'bob',
    }),
    deleteKeyRecord({
      eventId: `d-${accessKeyId}`,
      time: at(deleteOffsetSeconds),
      identity: iamUser('admin'),
      accessKeyId,
      userName: 'bob',
    }),
  ];
}

interface BoundaryCase {
  name: string;
  records: unknown[];
  findings: number;
  lifetimeSeconds?: number;
}

const boundaryCases: BoundaryCase[] = [
  { name: 'exactly at the threshold', records: pair(24 * 3600), findings: 1, lifetimeSeconds: 86_400 },
  { name: 'one second over', records: pair(24 * 3600 + 1), findings: 0 },
  { name: 'deleted in the same second', records: pair(0), findings: 1, lifetimeSeconds: 0 },
  { name: 'delete before create', records: pair(-60), findings: 0 },
  { name: 'deleted after 30 hours', records: pair(30 * 3600), findings: 0 },
  {
    name: 'duplicate eventID',
    records: [...pair(300), ...pair(300)],
    findings: 1,
    lifetimeSeconds: 300,
  },
  {
    name: 'failed create',
    records: [
      createKeyRecord({
        eventId: 'c1',
        time: CREATED,
        identity: iamUser('admin'),
        accessKeyId: KEY,
        userName: 'bob',
        errorCode: 'AccessDenied',
      }),
      deleteKeyRecord({
        eventId: 'd1',
        time: at(60),
        identity: iamUser('admin'),
        accessKeyId: KEY,
        userName: 'bob',
      }),
    ],
    findings: 0,
  },
  {
    name: 'failed delete',
    records: [
      pair(60)[0],
      deleteKeyRecord({
        eventId: 'd1',
        time: at(60),
        identity: iamUser('admin'),
        accessKeyId: KEY,
        userName: 'bob',
        errorCode: 'NoSuchEntityException',
      }),
    ],
    findings: 0,
  },
  {
    name: 'failed delete then retry',
    records: [
      ...pair(120),
      deleteKeyRecord({
        eventId: 'd-failed',
        time: at(60),
        identity: iamUser('admin'),
        accessKeyId: KEY,
        userName: 'bob',
        errorCode: 'AccessDenied',
      }),
    ],
    findings: 1,
    lifetimeSeconds: 120,
  },
  { name: 'create only', records: [pair(60)[0]], findings: 0 },
  { name: 'delete only', records: [pair(60)[1]], findings: 0 },
];

describe('detect boundaries', () => {
  test.each(boundaryCases)('$name', ({ records, findings, lifetimeSeconds }) => {
    const result = detect(records, { thresholdMs: THRESHOLD_MS });
    expect(result.findings).toHaveLength(findings);
    if (lifetimeSeconds !== undefined) expect(result.findings[0]?.lifetimeSeconds).toBe(lifetimeSeconds);
  });
});

describe('detect enrichment', () => {
  test('self delete without userName pairs with create', () => {
    const records = [
      createKeyRecord({ eventId: 'c1', time: CREATED, identity: iamUser('alice'), accessKeyId: KEY }),
      deleteKeyRecord({ eventId: 'd1', time: at(600), identity: iamUser('alice'), accessKeyId: KEY }),
    ];
    const [finding] = detect(records, { thresholdMs: THRESHOLD_MS }).findings;
    expect(finding?.userName).toBe('alice');
    expect(finding?.createdForAnotherUser).toBe(false);
    expect(finding?.creatorIsDeleter).toBe(true);
  });

  test('root self-create is root involved', () => {
    const records = [
      createKeyRecord({ eventId: 'c1', time: CREATED, identity: rootUser(), accessKeyId: KEY }),
      deleteKeyRecord({ eventId: 'd1', time: at(600), identity: rootUser(), accessKeyId: KEY }),
    ];
    const [finding] = detect(records, { thresholdMs: THRESHOLD_MS }).findings;
    expect(finding?.userName).toBe('root');
    expect(finding?.rootInvolved).toBe(true);
    expect(finding?.createdForAnotherUser).toBe(false);
    expect(finding?.severity).toBe('critical');
    expect(finding?.creator.type).toBe('Root');
  });

  test('assumed-role creator', () => {
    const role = assumedRole('BreakGlass', 'ops@example.com');
    const records = [
      createKeyRecord({
        eventId: 'c1',
        time: CREATED,
        identity: role,
        accessKeyId: KEY,
        userName: 'svc-backup',
      }),
      deleteKeyRecord({ eventId: 'd1', time: at(900), identity: iamUser('svc-backup'), accessKeyId: KEY }),
    ];
    const [finding] = detect(records, { thresholdMs: THRESHOLD_MS }).findings;
    expect(finding?.creator.arn).toBe('arn:aws:sts::111122223333:assumed-role/BreakGlass/ops@example.com');
    expect(finding?.creator.type).toBe('AssumedRole');
    expect(finding?.createdForAnotherUser).toBe(true);
    expect(finding?.creatorIsDeleter).toBe(false);
    expect(finding?.deleter.userName).toBe('svc-backup');
  });

  test('key used before deletion', () => {
    const records = [
      ...pair(3600),
      useRecord(KEY, 'u1', at(60), 'GetCallerIdentity', '198.51.100.99'),
      useRecord(KEY, 'u2', at(120), 'ListBuckets', '198.51.100.99'),
      useRecord(KEY, 'u3', at(180), 'ListBuckets', '203.0.113.10'),
      useRecord(KEY, 'u-after', at(4000), 'ListBuckets', '192.0.2.1'),
    ];
    const [finding] = detect(records, { thresholdMs: THRESHOLD_MS }).findings;
    expect(finding?.usage).toEqual({
      available: true,
      count: 3,
      eventNames: ['GetCallerIdentity', 'ListBuckets'],
      sourceIPAddresses: ['198.51.100.99', '203.0.113.10'],
      firstUsedAt: at(60),
      lastUsedAt: at(180),
    });
    expect(finding?.mitre.map((technique) => technique.id)).toEqual(['T1098.001', 'T1550']);
    expect(finding?.severityReasons).toContain(
      'The key was used from 198.51.100.99, which neither its creator nor its deleter used',
    );
  });

  test('counts per user and principal', () => {
    const second = 'AKIAEXAMPLEKEY000002';
    const records = [
      ...pair(60),
      ...pair(120, second),
      createKeyRecord({
        eventId: 'c-failed',
        time: at(30),
        identity: iamUser('admin'),
        accessKeyId: KEY,
        userName: 'bob',
        errorCode: 'LimitExceeded',
      }),
    ];
    const [finding] = detect(records, { thresholdMs: THRESHOLD_MS }).findings;
    expect(finding?.userCounts).toEqual({
      keysCreated: 2,
      keysDeleted: 2,
      failedCreates: 1,
      failedDeletes: 0,
    });
    expect(finding?.creatorCounts).toEqual({
      keysCreated: 2,
      keysDeleted: 2,
      failedCreates: 1,
      failedDeletes: 0,
    });
  });

  test('user agent classes', () => {
    const records = [
      createKeyRecord({
        eventId: 'c1',
        time: CREATED,
        identity: iamUser('ci'),
        accessKeyId: KEY,
        userName: 'bob',
        userAgent:
          'APN/1.0 HashiCorp/1.0 Terraform/1.6.0 (+https://www.terraform.io) terraform-provider-aws/5.31.0',
      }),
      deleteKeyRecord({
        eventId: 'd1',
        time: at(60),
        identity: iamUser('ci'),
        accessKeyId: KEY,
        userName: 'bob',
        userAgent: 'signin.amazonaws.com',
      }),
    ];
    const [finding] = detect(records, { thresholdMs: THRESHOLD_MS }).findings;
    expect(finding?.creator.userAgentClass).toBe('iac');
    expect(finding?.deleter.userAgentClass).toBe('console');
  });

  test('stable id for the same pair', () => {
    const [finding] = detect(pair(60), { thresholdMs: THRESHOLD_MS }).findings;
    expect(finding?.id).toBe(findingId(KEY, `c-${KEY}`, `d-${KEY}`));
    expect(finding?.id).toMatch(/^kh-[0-9a-z]{10}$/);
  });
});

describe('detect ordering and stats', () => {
  const records = [
    ...pair(300, 'AKIAEXAMPLEKEY00000B'),
    ...pair(300, 'AKIAEXAMPLEKEY00000A'),
    ...pair(60, 'AKIAEXAMPLEKEY00000C'),
    useRecord('AKIAEXAMPLEKEY00000C', 'u1', at(10), 'ListBuckets', '192.0.2.1'),
    { eventName: 'DeleteAccessKey' },
    null,
  ] as unknown[];

  test('shuffled input gives the same findings', () => {
    const expected = detect(records, { thresholdMs: THRESHOLD_MS });
    let seed = 7;
    for (let round = 0; round < 20; round++) {
      const shuffled = [...records];
      for (let i = shuffled.length - 1; i > 0; i--) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const j = seed % (i + 1);
        const swapped = shuffled[i];
        shuffled[i] = shuffled[j];
        shuffled[j] = swapped;
      }
      expect(detect(shuffled, { thresholdMs: THRESHOLD_MS })).toEqual(expected);
    }
  });

  test('sorted by deletedAt then accessKeyId', () => {
    const keys = detect(records, { thresholdMs: THRESHOLD_MS }).findings.map(
      (finding) => finding.accessKeyId,
    );
    expect(keys).toEqual(['AKIAEXAMPLEKEY00000C', 'AKIAEXAMPLEKEY00000A', 'AKIAEXAMPLEKEY00000B']);
  });

  test('stats count reads and skips', () => {
    const { stats } = detect(records, { thresholdMs: THRESHOLD_MS });
    expect(stats.recordsRead).toBe(9);
    expect(stats.keyEvents).toBe(6);
    expect(stats.skipped).toEqual({ 'missing-event-id': 1, 'not-an-object': 1 });
  });

  test('time range skips records outside it', () => {
    const { findings, stats } = detect(records, {
      thresholdMs: THRESHOLD_MS,
      fromMs: Date.parse(CREATED),
      toMs: Date.parse(at(100)),
    });
    expect(findings.map((finding) => finding.accessKeyId)).toEqual(['AKIAEXAMPLEKEY00000C']);
    expect(stats.skipped['outside-time-range']).toBe(2);
  });
});
