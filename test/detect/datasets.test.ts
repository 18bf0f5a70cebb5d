import fs from 'node:fs';
import path from 'node:path';
import { detect, HOUR_MS } from '../../src/detect/index.js';

const DATASETS = path.resolve(process.cwd(), '../shared/datasets');
const INVICTUS = path.join(DATASETS, 'invictus-aws-dataset');
const STRATUS = path.join(DATASETS, 'stratus-red-team-detonation-logs');

function readRecords(folder: string): unknown[] {
  const records: unknown[] = [];
  for (const name of fs
    .readdirSync(folder)
    .filter((file) => file.endsWith('.json'))
    .sort()) {
    const parsed: unknown = JSON.parse(fs.readFileSync(path.join(folder, name), 'utf8'));
    records.push(...(Array.isArray(parsed) ? parsed : (parsed as { Records: unknown[] }).Records));
  }
  return records;
}

const describeIfPresent = fs.existsSync(DATASETS) ? describe : describe.skip;
if (!fs.existsSync(DATASETS)) {
  process.stderr.write(`Skipping real-data detection tests: ${DATASETS} is missing.\n`);
}

describeIfPresent('real CloudTrail datasets', () => {
  test('invictus pairs found exactly', () => {
    const { findings, stats } = detect(readRecords(INVICTUS), { thresholdMs: 24 * HOUR_MS });
    expect(stats.recordsRead).toBe(2900);
    expect(
      findings.map((finding) => ({
        accessKeyId: finding.accessKeyId,
        userName: finding.userName,
        createdAt: finding.createdAt,
        deletedAt: finding.deletedAt,
        lifetimeSeconds: finding.lifetimeSeconds,
        creator: finding.creator.principalId,
        creatorIsDeleter: finding.creatorIsDeleter,
        usage: finding.usage.count,
      })),
    ).toEqual([
      {
        accessKeyId: 'AKIATFQR7NSC3ZO6PKAZ',
        userName: 'stratus-red-team-backdoor-u-user',
        createdAt: '2023-07-10T12:24:29Z',
        deletedAt: '2023-07-10T12:28:24Z',
        lifetimeSeconds: 235,
        creator: 'AIDATFQR7NSC5AU2ZV3IE',
        creatorIsDeleter: true,
        usage: 0,
      },
      {
        accessKeyId: 'AKIATFQR7NSCQLA2F4OD',
        userName: 'malicious-iam-user',
        createdAt: '2023-07-10T12:24:50Z',
        deletedAt: '2023-07-10T12:28:24Z',
        lifetimeSeconds: 214,
        creator: 'AIDATFQR7NSC5AU2ZV3IE',
        creatorIsDeleter: true,
        usage: 0,
      },
    ]);
  });

  test('stratus detonations give no finding', () => {
    const { findings, stats } = detect(readRecords(STRATUS), { thresholdMs: 24 * HOUR_MS });
    expect(findings).toEqual([]);
    expect(stats.unpairedCreates).toBe(2);
  });
});
