/**
 * Findings, stored findings and Teams activities for the Teams tests, written by hand so each test states the
 * exact values it expects on a card.
 */
import type { Finding } from '../../../src/detect/types.js';
import type { StoredFinding, TriageHistoryEntry } from '../../../src/pipeline/ports.js';

export const ACCOUNT = '111122223333';
export const TENANT_ID = '72f988bf-0000-4000-8000-000000000001';
export const TRIAGER_AAD_ID = '6b1c7d2e-1111-4222-8333-444455556666';
export const OTHER_AAD_ID = '0a0a0a0a-2222-4333-8444-555566667777';
export const BOT_ID = '28:keyhunt-test-bot';

export function sampleFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    id: 'kh-3f9a2c71d0',
    accessKeyId: 'AKIAEXAMPLEKEY000001',
    userName: 'alice',
    accountId: ACCOUNT,
    region: 'us-east-1',
    createdAt: '2023-07-10T12:20:34Z',
    deletedAt: '2023-07-10T12:24:29Z',
    lifetimeSeconds: 235,
    creator: {
      arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
      principalId: 'AIDAALICEXXXXXXXX',
      type: 'IAMUser',
      userName: 'alice',
      sourceIPAddress: '198.51.100.7',
      userAgent:
        'aws-cli/2.13.0 Python/3.11.4 Linux/5.15 exe/x86_64.ubuntu.22 prompt/off command/iam.create-access-key',
      userAgentClass: 'cli',
      eventId: 'create-event-0001',
    },
    deleter: {
      arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
      principalId: 'AIDAALICEXXXXXXXX',
      type: 'IAMUser',
      userName: 'alice',
      sourceIPAddress: '198.51.100.7',
      userAgent:
        'aws-cli/2.13.0 Python/3.11.4 Linux/5.15 exe/x86_64.ubuntu.22 prompt/off command/iam.delete-access-key',
      userAgentClass: 'cli',
      eventId: 'delete-event-0001',
    },
    creatorIsDeleter: true,
    createdForAnotherUser: false,
    rootInvolved: false,
    userCounts: { keysCreated: 2, keysDeleted: 2, failedCreates: 0, failedDeletes: 1 },
    creatorCounts: { keysCreated: 2, keysDeleted: 2, failedCreates: 0, failedDeletes: 1 },
    deleterCounts: { keysCreated: 2, keysDeleted: 2, failedCreates: 0, failedDeletes: 1 },
    usage: {
      available: true,
      count: 3,
      eventNames: ['GetCallerIdentity', 'ListBuckets'],
      sourceIPAddresses: ['203.0.113.9'],
      firstUsedAt: '2023-07-10T12:21:00Z',
      lastUsedAt: '2023-07-10T12:23:10Z',
    },
    mitre: [{ id: 'T1098.001', name: 'Account Manipulation: Additional Cloud Credentials' }],
    severity: 'high',
    severityReasons: [
      'The key was used from an IP address that did not create it.',
      'The key lived under 5 minutes.',
    ],
    ...overrides,
  };
}

export function storedFinding(
  overrides: Partial<StoredFinding> = {},
  finding: Finding = sampleFinding(),
): StoredFinding {
  return {
    finding,
    state: 'open',
    resolution: null,
    history: [],
    storedAt: '2023-07-10T12:30:00.000Z',
    updatedAt: '2023-07-10T12:30:00.000Z',
    slack: null,
    teams: {},
    ...overrides,
  };
}

export function historyEntry(overrides: Partial<TriageHistoryEntry> = {}): TriageHistoryEntry {
  return {
    action: 'acknowledge',
    from: 'open',
    to: 'acknowledged',
    resolution: null,
    actor: { platform: 'slack', id: 'U0123ABCD', name: 'Dana Smith' },
    at: '2023-07-10T12:40:00.000Z',
    ...overrides,
  };
}
