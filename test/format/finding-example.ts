import type { ActivityCounts, ActorSummary, Finding } from '../../src/detect/types.js';

const NO_ACTIVITY: ActivityCounts = { keysCreated: 1, keysDeleted: 1, failedCreates: 0, failedDeletes: 0 };

function actor(eventId: string): ActorSummary {
  return {
    arn: 'arn:aws:iam::111122223333:user/alice',
    principalId: 'AIDAEXAMPLEALICE00001',
    type: 'IAMUser',
    userName: 'alice',
    sourceIPAddress: '198.51.100.10',
    userAgent: 'aws-cli/2.15.30',
    userAgentClass: 'cli',
    eventId,
  };
}

/** A complete finding for formatter tests; `overrides` replaces top-level fields. */
export function exampleFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    id: 'kh-0000000001',
    accessKeyId: 'AKIAEXAMPLEKEY000001',
    userName: 'svc-reporting',
    accountId: '111122223333',
    region: 'us-east-1',
    createdAt: '2024-03-12T09:14:07Z',
    deletedAt: '2024-03-12T09:52:40Z',
    lifetimeSeconds: 2313,
    creator: actor('create-1'),
    deleter: actor('delete-1'),
    creatorIsDeleter: true,
    createdForAnotherUser: true,
    rootInvolved: false,
    userCounts: NO_ACTIVITY,
    creatorCounts: NO_ACTIVITY,
    deleterCounts: NO_ACTIVITY,
    usage: {
      available: true,
      count: 0,
      eventNames: [],
      sourceIPAddresses: [],
      firstUsedAt: null,
      lastUsedAt: null,
    },
    mitre: [{ id: 'T1098.001', name: 'Account Manipulation: Additional Cloud Credentials' }],
    severity: 'high',
    severityReasons: ['The key lived 38m 33s, under an hour'],
    ...overrides,
  };
}
