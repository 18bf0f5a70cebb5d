/**
 * The platform-neutral text helpers that the Slack messages and the Teams cards share, and a check that the
 * module stays free of platform code.
 */
import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyUsage } from '../../src/detect/types.js';
import {
  describeFindingNotes,
  describeKeyOwner,
  describePrincipal,
  describeUsageLines,
  formatCount,
  formatCounts,
  formatSeverityCounts,
  formatStateCounts,
  limitList,
  listValues,
  platformLabel,
  severityReasonsHeading,
  stateLabel,
  truncate,
} from '../../src/chat/text.js';
import { sampleFinding } from '../support/slack-harness.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const quote = (text: string): string => `"${text}"`;

describe('chat text', () => {
  it('truncates with an ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abcd', 4)).toBe('abcd');
  });

  it('labels states with their resolution', () => {
    expect(stateLabel('resolved', 'false-positive')).toBe('Resolved as false positive');
    expect(stateLabel('resolved', null)).toBe('Resolved');
    expect(stateLabel('acknowledged', 'expected')).toBe('Acknowledged');
  });

  it('formats severity and state counts', () => {
    expect(formatSeverityCounts({ critical: 1, high: 2, medium: 0, low: 3 })).toBe(
      'Critical 1 · High 2 · Medium 0 · Low 3',
    );
    expect(formatStateCounts({ open: 4, acknowledged: 1, escalated: 0, resolved: 2 })).toBe(
      'Open 4 · Escalated 0 · Acknowledged 1 · Resolved 2',
    );
  });

  it('names owner, principal and platform', () => {
    const finding = sampleFinding();
    expect(describeKeyOwner(null, quote)).toBe('unknown user');
    expect(describeKeyOwner('alice', quote)).toBe('"alice"');
    expect(describePrincipal(finding.creator, quote)).toBe('"arn:aws:iam::111122223333:user/admin"');
    const anonymous = { ...finding.creator, arn: null, principalId: null, userName: null };
    expect(describePrincipal(anonymous, quote)).toBe('unknown principal');
    expect(platformLabel('teams')).toBe('Teams');
  });

  it('lists values and counts the rest', () => {
    const values = Array.from({ length: 12 }, (_, index) => `v${index}`);
    expect(listValues(values, quote)).toBe(
      '"v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9" and 2 more',
    );
    expect(listValues(['a', 'b'], quote)).toBe('"a", "b"');
    expect(limitList([1, 2, 3], 2)).toEqual({ listed: [1, 2], more: '… and 1 more' });
    expect(limitList([1, 2], 2)).toEqual({ listed: [1, 2], more: null });
  });

  it('describes key use with the given formats', () => {
    const usage: KeyUsage = {
      available: true,
      count: 2,
      eventNames: ['ListBuckets'],
      sourceIPAddresses: ['198.51.100.20'],
      firstUsedAt: '2025-03-01T10:01:00Z',
      lastUsedAt: '2025-03-01T10:02:30Z',
    };
    const format = { value: quote, time: (iso: string) => `<${iso}>` };
    expect(describeUsageLines(usage, format)).toEqual([
      'Used in 2 calls.',
      'Calls: "ListBuckets"',
      'From: "198.51.100.20"',
      'First <2025-03-01T10:01:00Z>, last <2025-03-01T10:02:30Z>',
    ]);
    expect(describeUsageLines({ ...usage, count: 0 }, format)).toEqual(['Not used during its lifetime.']);
  });

  it('lists finding notes and the reasons heading', () => {
    const finding = sampleFinding({ createdForAnotherUser: true, rootInvolved: true });
    expect(describeFindingNotes(finding)).toEqual([
      'The key was created for another user.',
      'The root user was involved.',
    ]);
    expect(describeFindingNotes({ ...finding, createdForAnotherUser: false, rootInvolved: false })).toEqual(
      [],
    );
    expect(severityReasonsHeading('critical')).toBe('Why critical');
  });

  it('imports no platform code', async () => {
    const source = await readFile(resolve(ROOT, 'src/chat/text.ts'), 'utf8');
    const imports = [...source.matchAll(/from\s+'([^']+)'/g)].map((match) => match[1]);
    expect(imports).toEqual([
      '../detect/types.js',
      '../pipeline/ports.js',
      '../pipeline/query.js',
      '../pipeline/triage.js',
    ]);
  });
});

describe('counts in text', () => {
  it.each<[number, string]>([
    [0, '0 findings'],
    [1, '1 finding'],
    [2, '2 findings'],
  ])('formats %i findings', (count, expected) => {
    expect(formatCount(count, 'finding')).toBe(expected);
  });

  it('takes an irregular plural', () => {
    expect(formatCount(2, 'entry', 'entries')).toBe('2 entries');
  });

  it('formats activity counts of one', () => {
    const counts = { keysCreated: 1, keysDeleted: 1, failedCreates: 1, failedDeletes: 1 };
    expect(formatCounts(counts)).toBe('1 key created, 1 deleted, 1 failed create, 1 failed delete');
  });

  it('formats activity counts of several', () => {
    const counts = { keysCreated: 3, keysDeleted: 2, failedCreates: 0, failedDeletes: 2 };
    expect(formatCounts(counts)).toBe('3 keys created, 2 deleted, 0 failed creates, 2 failed deletes');
  });

  it('says one call in the singular', () => {
    const usage: KeyUsage = {
      available: true,
      count: 1,
      eventNames: [],
      sourceIPAddresses: [],
      firstUsedAt: null,
      lastUsedAt: null,
    };
    expect(describeUsageLines(usage, { value: quote, time: (iso) => iso })).toEqual(['Used in 1 call.']);
  });
});
