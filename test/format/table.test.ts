import { formatFindingsTable, formatScanSummary } from '../../src/format/table.js';
import type { ScanSummary } from '../../src/format/table.js';
import { exampleFinding } from './finding-example.js';

describe('formatFindingsTable', () => {
  test('aligned header and rows', () => {
    const used = exampleFinding({
      id: 'kh-0000000002',
      accessKeyId: 'AKIAEXAMPLEKEY000002',
      userName: 'bob',
      createdAt: '2024-03-12T14:20:05.250Z',
      lifetimeSeconds: 8073,
      severity: 'critical',
      usage: {
        available: true,
        count: 3,
        eventNames: ['GetCallerIdentity', 'ListBuckets', 'ListUsers'],
        sourceIPAddresses: ['203.0.113.77', '203.0.113.78'],
        firstUsedAt: '2024-03-12T14:23:40Z',
        lastUsedAt: '2024-03-12T14:25:17Z',
      },
    });
    expect(formatFindingsTable([exampleFinding(), used]).split('\n')).toEqual([
      'ID             SEVERITY  USER           ACCESS KEY ID         CREATED (UTC)        LIFETIME  USES          CREATED BY',
      'kh-0000000001  high      svc-reporting  AKIAEXAMPLEKEY000001  2024-03-12 09:14:07  38m 33s   none          arn:aws:iam::111122223333:user/alice',
      'kh-0000000002  critical  bob            AKIAEXAMPLEKEY000002  2024-03-12 14:20:05  2h 14m    3 from 2 IPs  arn:aws:iam::111122223333:user/alice',
      '',
    ]);
  });

  test('no findings notice', () => {
    expect(formatFindingsTable([])).toBe('No short-lived access keys found.\n');
  });

  test('unknown usage and missing names', () => {
    const finding = exampleFinding({
      userName: null,
      creator: { ...exampleFinding().creator, arn: null, principalId: 'AROAEXAMPLE:session' },
      usage: { ...exampleFinding().usage, available: false },
    });
    const row = formatFindingsTable([finding]).split('\n')[1]!;
    expect(row.split(/\s{2,}/)).toEqual([
      'kh-0000000001',
      'high',
      '-',
      'AKIAEXAMPLEKEY000001',
      '2024-03-12 09:14:07',
      '38m 33s',
      'unknown',
      'AROAEXAMPLE:session',
    ]);
  });

  test('control characters replaced', () => {
    const finding = exampleFinding({ userName: 'evil\u001b[2J\nname' });
    const row = formatFindingsTable([finding]).split('\n')[1]!;
    expect(row).toContain('evil?[2J?name');
    expect(formatFindingsTable([finding]).split('\n')).toHaveLength(3);
  });

  test('bidirectional overrides replaced', () => {
    const finding = exampleFinding({ userName: 'admin\u202etxt.exe\u2066x' });
    expect(formatFindingsTable([finding]).split('\n')[1]).toContain('admin?txt.exe?x');
  });
});

describe('formatScanSummary', () => {
  const summary: ScanSummary = {
    findings: 2,
    recordsRead: 2900,
    recordsSkipped: { 'outside-time-range': 4, 'duplicate-event-id': 1, 'missing-event-id': 0 },
    filesRead: 55,
    filesFailed: 1,
    filesSkipped: 0,
    pairsOutsideWindow: 1,
    thresholdMs: 3_600_000,
  };

  test('counts and sorted skip reasons', () => {
    expect(formatScanSummary(summary)).toBe(
      '2 findings; 2900 records read (skipped: 1 duplicate-event-id, 4 outside-time-range); ' +
        '55 files read, 1 failed, 0 skipped; 1 pair outside the 1h window',
    );
  });

  test('singular counts and nothing skipped', () => {
    const single = {
      ...summary,
      findings: 1,
      recordsRead: 1,
      filesRead: 1,
      recordsSkipped: {},
      pairsOutsideWindow: 0,
    };
    expect(formatScanSummary(single)).toBe(
      '1 finding; 1 record read (skipped: none); 1 file read, 1 failed, 0 skipped; 0 pairs outside the 1h window',
    );
  });
});
