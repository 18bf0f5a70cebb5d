import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Finding } from '../../src/detect/types.js';
import { REPO_ROOT, buildCli, runCompiledCli } from './build-cli.js';

/** Public CloudTrail data kept next to the repository, never inside it. */
const DATASETS = resolve(REPO_ROOT, '..', 'shared', 'datasets');
const INVICTUS = join(DATASETS, 'invictus-aws-dataset');
const STRATUS = join(DATASETS, 'stratus-red-team-detonation-logs');

let cli: string;

beforeAll(async () => {
  cli = await buildCli();
}, 240_000);

async function scanJson(args: string[]): Promise<Finding[]> {
  const run = await runCompiledCli(cli, ['scan', '--format', 'json', ...args]);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Finding[];
}

function summaryOf(finding: Finding): Record<string, unknown> {
  return {
    accessKeyId: finding.accessKeyId,
    userName: finding.userName,
    createdAt: finding.createdAt,
    deletedAt: finding.deletedAt,
    lifetimeSeconds: finding.lifetimeSeconds,
    creator: finding.creator.arn,
  };
}

describe('keyhunt scan bundled samples', () => {
  test('no path prints the planted findings', async () => {
    const findings = await scanJson([]);
    expect(findings.map(summaryOf)).toEqual([
      {
        accessKeyId: 'AKIASAMPLEOTHERUSER1',
        userName: 'svc-reporting',
        createdAt: '2024-03-12T09:14:07Z',
        deletedAt: '2024-03-12T09:52:40Z',
        lifetimeSeconds: 2313,
        creator: 'arn:aws:iam::111122223333:user/alice',
      },
      {
        accessKeyId: 'AKIASAMPLEROOTKEY001',
        userName: 'root',
        createdAt: '2024-03-12T10:05:30Z',
        deletedAt: '2024-03-12T10:21:02Z',
        lifetimeSeconds: 932,
        creator: 'arn:aws:iam::111122223333:root',
      },
      {
        accessKeyId: 'AKIASAMPLEROLEMADE01',
        userName: 'backup-agent',
        createdAt: '2024-03-12T11:31:18Z',
        deletedAt: '2024-03-12T13:45:51Z',
        lifetimeSeconds: 8073,
        creator:
          'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_AdministratorAccess_5d3c1f2a7b9e0c44/erin@example.com',
      },
      {
        accessKeyId: 'AKIASAMPLEUSEDKEY001',
        userName: 'bob',
        createdAt: '2024-03-12T14:20:05Z',
        deletedAt: '2024-03-12T14:44:52Z',
        lifetimeSeconds: 1487,
        creator: 'arn:aws:iam::111122223333:user/bob',
      },
      {
        accessKeyId: 'AKIASAMPLERETRYDEL01',
        userName: 'ci-runner',
        createdAt: '2024-03-12T15:02:44Z',
        deletedAt: '2024-03-12T15:47:29Z',
        lifetimeSeconds: 2685,
        creator: 'arn:aws:iam::111122223333:user/ci-runner',
      },
      {
        accessKeyId: 'AKIASAMPLEDUPLICATE1',
        userName: 'svc-etl',
        createdAt: '2024-03-12T16:10:03Z',
        deletedAt: '2024-03-12T16:16:41Z',
        lifetimeSeconds: 398,
        creator: 'arn:aws:iam::111122223333:user/carol',
      },
    ]);
  });

  test('planted enrichment cases', async () => {
    const byKey = new Map((await scanJson([])).map((finding) => [finding.accessKeyId, finding]));
    const root = byKey.get('AKIASAMPLEROOTKEY001')!;
    const role = byKey.get('AKIASAMPLEROLEMADE01')!;
    const used = byKey.get('AKIASAMPLEUSEDKEY001')!;
    const retried = byKey.get('AKIASAMPLERETRYDEL01')!;

    expect(byKey.get('AKIASAMPLEOTHERUSER1')!.createdForAnotherUser).toBe(true);
    expect(root.rootInvolved).toBe(true);
    expect(role.creator.type).toBe('AssumedRole');
    expect(used.usage.count).toBe(3);
    expect(used.usage.eventNames).toEqual(['GetCallerIdentity', 'ListBuckets', 'ListUsers']);
    expect(used.usage.sourceIPAddresses).toEqual(['203.0.113.77']);
    expect(used.creatorCounts.failedCreates).toBe(1);
    expect(retried.userCounts.failedDeletes).toBe(1);
    expect(retried.deleter.arn).toBe('arn:aws:iam::111122223333:user/alice');
    expect(byKey.has('AKIASAMPLE30HOURS001')).toBe(false);
  });

  test('table summary counts', async () => {
    const run = await runCompiledCli(cli, ['scan']);
    expect(run.code).toBe(0);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(
      '6 findings; 388 records read (skipped: 1 duplicate-event-id); 170 files read, 0 failed, 0 skipped; ' +
        '1 pair outside the 1d window',
    );
  });

  test('48h threshold adds the 30-hour key', async () => {
    const findings = await scanJson(['--threshold', '48h']);
    expect(findings.map((finding) => finding.accessKeyId)).toContain('AKIASAMPLE30HOURS001');
    expect(findings).toHaveLength(7);
  });
});

/** Runs the block when `folder` exists, and otherwise skips it under a title that names the missing folder. */
function describeWithData(folder: string, body: () => void): void {
  if (existsSync(folder)) describe(`keyhunt scan on ${folder}`, body);
  else describe.skip(`keyhunt scan skipped: ${folder} not found`, body);
}

describeWithData(INVICTUS, () => {
  test('finds the two Stratus keys', async () => {
    const findings = await scanJson([INVICTUS]);
    expect(findings.map(summaryOf)).toEqual([
      {
        accessKeyId: 'AKIATFQR7NSC3ZO6PKAZ',
        userName: 'stratus-red-team-backdoor-u-user',
        createdAt: '2023-07-10T12:24:29Z',
        deletedAt: '2023-07-10T12:28:24Z',
        lifetimeSeconds: 235,
        creator: 'arn:aws:iam::123837392027:user/bert-jan',
      },
      {
        accessKeyId: 'AKIATFQR7NSCQLA2F4OD',
        userName: 'malicious-iam-user',
        createdAt: '2023-07-10T12:24:50Z',
        deletedAt: '2023-07-10T12:28:24Z',
        lifetimeSeconds: 214,
        creator: 'arn:aws:iam::123837392027:user/bert-jan',
      },
    ]);
  });
});

describeWithData(STRATUS, () => {
  test('create-only logs give no finding', async () => {
    expect(await scanJson([STRATUS])).toEqual([]);
  });
});
