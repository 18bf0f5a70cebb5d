import {
  findSuppression,
  matchesPattern,
  routeSlackChannel,
  type RoutingRule,
  type SuppressionRule,
} from '../src/pipeline/rules.js';
import { sampleFinding } from './support/slack-harness.js';

const NOW = new Date('2025-03-02T00:00:00Z');

function rule(fields: Partial<SuppressionRule>): SuppressionRule {
  return { accessKeyId: null, userName: null, creatorArn: null, reason: 'expected', until: null, ...fields };
}

function route(fields: Partial<RoutingRule>): RoutingRule {
  return { severities: null, accountId: null, slackChannel: 'C0ROUTED01', ...fields };
}

describe('matchesPattern', () => {
  test.each([
    ['ci-*', 'ci-deploy', true],
    ['ci-*', 'ci-', true],
    ['ci-*', 'xci-deploy', false],
    ['*-bot', 'deploy-bot', true],
    ['a.b', 'aXb', false],
    ['arn:aws:sts::1:assumed-role/T/*', 'arn:aws:sts::1:assumed-role/T/session', true],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
  ])('%s against %s', (pattern, value, expected) => {
    expect(matchesPattern(pattern, value)).toBe(expected);
  });

  test('null value never matches', () => {
    expect(matchesPattern('*', null)).toBe(false);
  });
});

describe('findSuppression', () => {
  const finding = sampleFinding();

  test('matches on user name pattern', () => {
    const match = rule({ userName: 'ali*' });
    expect(findSuppression([rule({ userName: 'bob' }), match], finding, NOW)).toBe(match);
  });

  test('every set field must match', () => {
    const rules = [rule({ userName: 'alice', accessKeyId: 'AKIAOTHERKEY00000001' })];
    expect(findSuppression(rules, finding, NOW)).toBeNull();
  });

  test('matches on creator ARN', () => {
    const rules = [rule({ creatorArn: 'arn:aws:iam::111122223333:user/*' })];
    expect(findSuppression(rules, finding, NOW)).toBe(rules[0]);
  });

  test('expired rule does not apply', () => {
    const rules = [rule({ accessKeyId: finding.accessKeyId, until: '2025-03-01T23:59:59.999Z' })];
    expect(findSuppression(rules, finding, NOW)).toBeNull();
  });

  test('rule applies until its end', () => {
    const rules = [rule({ accessKeyId: finding.accessKeyId, until: NOW.toISOString() })];
    expect(findSuppression(rules, finding, NOW)).toBe(rules[0]);
  });
});

describe('routeSlackChannel', () => {
  const finding = sampleFinding({ severity: 'high', accountId: '012345678901' });

  test('first matching rule wins', () => {
    const rules = [
      route({ severities: ['low'], slackChannel: 'C0LOW00001' }),
      route({ severities: ['high', 'critical'], slackChannel: 'C0HIGH0001' }),
      route({ slackChannel: 'C0ANY00001' }),
    ];
    expect(routeSlackChannel(rules, finding, 'C0DEFAULT1')).toBe('C0HIGH0001');
  });

  test('account must match when set', () => {
    const rules = [route({ accountId: '999999999999' })];
    expect(routeSlackChannel(rules, finding, 'C0DEFAULT1')).toBe('C0DEFAULT1');
  });

  test('no rules gives the default channel', () => {
    expect(routeSlackChannel([], finding, 'C0DEFAULT1')).toBe('C0DEFAULT1');
  });
});
