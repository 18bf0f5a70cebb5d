import { describe, expect, it } from '@jest/globals';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/detect/types.js';
import { emptyStoreData, type StoreData, type StoredFinding } from '../../src/pipeline/ports.js';
import {
  assessPollHealth,
  evaluateQuery,
  groupByState,
  parseQuery,
  type QueryCommand,
} from '../../src/pipeline/query.js';
import { sampleFinding, storedFinding } from '../support/slack-harness.js';

describe('parseQuery', () => {
  const cases: Array<[string, QueryCommand]> = [
    ['', { kind: 'help', share: false }],
    ['   ', { kind: 'help', share: false }],
    ['help', { kind: 'help', share: false }],
    ['HELP share', { kind: 'help', share: true }],
    ['last 24h', { kind: 'last', periodMs: 24 * HOUR_MS, periodText: '24h', share: false }],
    ['last 90m', { kind: 'last', periodMs: 90 * MINUTE_MS, periodText: '90m', share: false }],
    ['last 7d', { kind: 'last', periodMs: 7 * DAY_MS, periodText: '7d', share: false }],
    ['last 90d', { kind: 'last', periodMs: 90 * DAY_MS, periodText: '90d', share: false }],
    ['  Last   24H   share ', { kind: 'last', periodMs: 24 * HOUR_MS, periodText: '24h', share: true }],
    ['status', { kind: 'status', share: false }],
    ['status share', { kind: 'status', share: true }],
    ['show kh-3f9a2c71d0', { kind: 'show', findingId: 'kh-3f9a2c71d0', share: false }],
    ['show kh-3f9a2c71d0 share', { kind: 'show', findingId: 'kh-3f9a2c71d0', share: true }],
    ['user alice', { kind: 'user', userName: 'alice', share: false }],
    ['user deploy+ci@example.com share', { kind: 'user', userName: 'deploy+ci@example.com', share: true }],
  ];
  it.each(cases)('parses %j', (text, expected) => {
    expect(parseQuery(text)).toEqual(expected);
  });

  const invalid: Array<[string, string]> = [
    ['last', 'last needs one period, such as `last 24h` (90s, 20m, 24h or 7d).'],
    ['last 91d', 'The period "91d" is longer than the maximum of 90d.'],
    ['last 0h', 'The period must be longer than zero, got "0h".'],
    ['last yesterday', '"yesterday" is not a period. Use a whole number and a unit: 90s, 20m, 24h or 7d.'],
    ['last 24h 7d', 'last needs one period, such as `last 24h` (90s, 20m, 24h or 7d).'],
    ['show', 'show needs exactly one finding id, such as `show kh-3f9a2c71d0`.'],
    ['user', 'user needs exactly one IAM user name, such as `user alice`.'],
    ['user share', 'user needs exactly one IAM user name, such as `user alice`.'],
    ['status now', 'status takes no arguments.'],
    ['help me', 'help takes no arguments.'],
    ['delete everything', 'Unknown command "delete".'],
    ['share', 'Unknown command "share".'],
  ];
  it.each(invalid)('rejects %j', (text, message) => {
    expect(parseQuery(text)).toEqual({ kind: 'invalid', message, share: false });
  });
});

function dataWith(findings: StoredFinding[]): StoreData {
  const data = emptyStoreData();
  for (const stored of findings) data.findings[stored.finding.id] = stored;
  return data;
}

describe('evaluateQuery', () => {
  const now = new Date('2025-03-02T10:00:00Z');
  const recentOpen = storedFinding(
    sampleFinding({ id: 'kh-recent-open', deletedAt: '2025-03-02T09:00:00Z' }),
  );
  const recentResolved = {
    ...storedFinding(
      sampleFinding({ id: 'kh-recent-done', userName: 'bob', deletedAt: '2025-03-01T12:00:00Z' }),
    ),
    state: 'resolved' as const,
  };
  const old = storedFinding(sampleFinding({ id: 'kh-old', deletedAt: '2025-02-20T10:00:00Z' }));
  const data = dataWith([recentOpen, recentResolved, old]);

  it('lists findings deleted in the period by state', () => {
    const result = evaluateQuery(parseQuery('last 24h'), data, { now });
    expect(result).toEqual({
      kind: 'period',
      share: false,
      periodText: '24h',
      from: '2025-03-01T10:00:00.000Z',
      to: '2025-03-02T10:00:00.000Z',
      total: 2,
      groups: [
        { state: 'open', findings: [recentOpen] },
        { state: 'resolved', findings: [recentResolved] },
      ],
    });
  });

  it('includes a deletion exactly at now', () => {
    const atNow = storedFinding(sampleFinding({ id: 'kh-now', deletedAt: now.toISOString() }));
    const result = evaluateQuery(parseQuery('last 90m'), dataWith([atNow]), { now });
    expect(result.kind).toBe('period');
    if (result.kind !== 'period') return;
    expect(result.total).toBe(1);
  });

  it('counts states for status', () => {
    const result = evaluateQuery(parseQuery('status share'), data, { now });
    expect(result.kind).toBe('status');
    if (result.kind !== 'status') return;
    expect(result.share).toBe(true);
    expect(result.counts).toEqual({ open: 2, acknowledged: 0, escalated: 0, resolved: 1 });
    expect(result.total).toBe(3);
  });

  it('shows one finding or says it is missing', () => {
    expect(evaluateQuery(parseQuery('show kh-old'), data, { now })).toEqual({
      kind: 'finding',
      share: false,
      stored: old,
    });
    expect(evaluateQuery(parseQuery('show kh-nope'), data, { now })).toEqual({
      kind: 'not-found',
      share: false,
      findingId: 'kh-nope',
    });
  });

  it.each(['__proto__', 'constructor', 'toString'])('show %s is not found', (id) => {
    expect(evaluateQuery(parseQuery(`show ${id}`), data, { now })).toEqual({
      kind: 'not-found',
      share: false,
      findingId: id,
    });
  });

  it('finds a user regardless of case', () => {
    const result = evaluateQuery(parseQuery('user BOB'), data, { now });
    expect(result).toEqual({ kind: 'user', share: false, userName: 'BOB', findings: [recentResolved] });
  });

  it('turns invalid text into usage', () => {
    const result = evaluateQuery(parseQuery('bogus'), data, { now });
    expect(result.kind).toBe('usage');
    if (result.kind !== 'usage') return;
    expect(result.message).toBe('Unknown command "bogus".');
  });
});

describe('groupByState', () => {
  it('orders open, escalated, acknowledged, resolved', () => {
    const make = (id: string, state: StoredFinding['state']): StoredFinding => ({
      ...storedFinding(sampleFinding({ id })),
      state,
    });
    const groups = groupByState([
      make('a', 'resolved'),
      make('b', 'acknowledged'),
      make('c', 'escalated'),
      make('d', 'open'),
    ]);
    expect(groups.map((group) => group.state)).toEqual(['open', 'escalated', 'acknowledged', 'resolved']);
  });
});

describe('assessPollHealth', () => {
  const now = new Date('2025-03-02T10:00:00Z');

  it('reports no gaps for a recent complete poll', () => {
    const poll = emptyStoreData().poll;
    poll.cursor = '2025-03-02T09:45:00Z';
    poll.health.lastSuccessAt = '2025-03-02T09:55:00Z';
    poll.health.lastOutcome = 'complete';
    const report = assessPollHealth(poll, now, 30 * MINUTE_MS);
    expect(report.gaps).toEqual([]);
    expect(report.stale).toBe(false);
    expect(report.lagMs).toBe(15 * MINUTE_MS);
  });

  it('states a stale poller and incomplete polls plainly', () => {
    const poll = emptyStoreData().poll;
    poll.cursor = '2025-03-02T06:00:00Z';
    poll.health.lastSuccessAt = '2025-03-02T07:00:00Z';
    poll.health.lastOutcome = 'incomplete';
    poll.health.lastError = 'ThrottlingException: Rate exceeded';
    poll.health.incompletePolls = 4;
    const baseline = { incompletePolls: 1, throttles: 0, at: '2025-03-01T09:00:00.000Z' };
    const report = assessPollHealth(poll, now, 30 * MINUTE_MS, baseline);
    expect(report.stale).toBe(true);
    expect(report.incompletePolls).toBe(3);
    expect(report.gaps).toEqual([
      'The last successful poll was 3h ago, longer than the expected 30m. Key pairs from that time are not reported until polling succeeds again.',
      'The last poll could not read its whole window: ThrottlingException: Rate exceeded. The window is read again on the next poll.',
      '3 poll(s) since 2025-03-01T09:00:00.000Z could not read their whole window. Each window is read again because the cursor does not move past it.',
    ]);
  });

  it('says when no poll has succeeded', () => {
    const report = assessPollHealth(emptyStoreData().poll, now, 30 * MINUTE_MS);
    expect(report.lagMs).toBeNull();
    expect(report.gaps).toEqual(['No poll has succeeded yet, so no CloudTrail events have been read.']);
  });
});
