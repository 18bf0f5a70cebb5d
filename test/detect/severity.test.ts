/**
 * The reason texts of the severity rules that count something, in the singular and the plural.
 */
import { describe, expect, it } from '@jest/globals';
import { SEVERITY_RULES, type SeverityFacts } from '../../src/detect/severity.js';
import type { ActorSummary } from '../../src/detect/types.js';

const admin: ActorSummary = {
  arn: 'arn:aws:iam::111122223333:user/admin',
  principalId: 'AIDAEXAMPLEADMIN0001',
  type: 'IAMUser',
  userName: 'admin',
  sourceIPAddress: '203.0.113.9',
  userAgent: 'aws-cli/2.15.0',
  userAgentClass: 'cli',
  eventId: 'create-1',
};

function facts(usageCount: number, failedCreates: number, failedDeletes: number): SeverityFacts {
  return {
    lifetimeSeconds: 7200,
    userName: 'admin',
    creator: admin,
    deleter: admin,
    creatorIsDeleter: true,
    createdForAnotherUser: false,
    rootInvolved: false,
    creatorCounts: { keysCreated: 1, keysDeleted: 1, failedCreates, failedDeletes },
    usage: {
      available: true,
      count: usageCount,
      eventNames: [],
      sourceIPAddresses: [],
      firstUsedAt: null,
      lastUsedAt: null,
    },
  };
}

function reasonOf(ruleId: string, input: SeverityFacts): string | null {
  const rule = SEVERITY_RULES.find((candidate) => candidate.id === ruleId);
  if (!rule) throw new Error(`No severity rule ${ruleId}`);
  return rule.evaluate(input);
}

describe('severity reasons', () => {
  it('names one API call in the singular', () => {
    expect(reasonOf('used-while-alive', facts(1, 0, 0))).toBe(
      'The key made 1 API call before it was deleted',
    );
  });

  it('names several API calls in the plural', () => {
    expect(reasonOf('used-while-alive', facts(2, 0, 0))).toBe(
      'The key made 2 API calls before it was deleted',
    );
  });

  it('names one failed call in the singular', () => {
    expect(reasonOf('failed-key-calls', facts(0, 0, 1))).toBe(
      'The creator had 1 failed CreateAccessKey or DeleteAccessKey call',
    );
  });

  it('names several failed calls in the plural', () => {
    expect(reasonOf('failed-key-calls', facts(0, 1, 2))).toBe(
      'The creator had 3 failed CreateAccessKey or DeleteAccessKey calls',
    );
  });
});
