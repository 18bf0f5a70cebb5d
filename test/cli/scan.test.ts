import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../../src/detect/types.js';
import { REPO_ROOT, buildCli, runCompiledCli } from './build-cli.js';
import type { CliRun } from './build-cli.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'scan');

let cli: string;
let folder: string;

beforeAll(async () => {
  cli = await buildCli();
  folder = await mkdtemp(join(tmpdir(), 'keyhunt-scan-'));
}, 240_000);

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function scanJson(args: string[]): Promise<{ run: CliRun; findings: Finding[] }> {
  const run = await runCompiledCli(cli, ['scan', '--format', 'json', ...args]);
  return { run, findings: run.code === 0 ? (JSON.parse(run.stdout) as Finding[]) : [] };
}

/** Returns the `msg` of each pino JSON line on stderr. */
function logMessages(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { msg: string }).msg);
}

function keyIds(findings: Finding[]): string[] {
  return findings.map((finding) => finding.accessKeyId);
}

describe('keyhunt scan input forms', () => {
  test('S3 delivery files, gzip and plain', async () => {
    const { run, findings } = await scanJson([join(FIXTURES, 's3-delivery')]);
    expect(run.code).toBe(0);
    expect(keyIds(findings)).toEqual(['AKIAFIXTURES3DELIVER']);
    expect(findings[0]!.createdAt).toBe('2024-01-01T12:00:00Z');
    expect(findings[0]!.deletedAt).toBe('2024-01-01T12:10:00Z');
    expect(findings[0]!.lifetimeSeconds).toBe(600);
    expect(findings[0]!.userName).toBe('svc-s3');
  });

  test('LookupEvents output', async () => {
    const path = join(FIXTURES, 'lookup-events', 'lookup-events.json');
    const { run, findings } = await scanJson([path]);
    expect(run.code).toBe(0);
    expect(keyIds(findings)).toEqual(['AKIAFIXTURELOOKUP001']);
    expect(findings[0]!.lifetimeSeconds).toBe(300);
    expect(logMessages(run.stderr)).toContain(
      `${path}: Events[1] (EventId 00000000-0000-4000-8000-000000000299): CloudTrailEvent is not valid JSON, ` +
        'event skipped: Unexpected end of JSON input',
    );
  });

  test('bare array', async () => {
    const { run, findings } = await scanJson([join(FIXTURES, 'bare-array')]);
    expect(run.code).toBe(0);
    expect(keyIds(findings)).toEqual(['AKIAFIXTUREARRAY0001']);
    expect(findings[0]!.lifetimeSeconds).toBe(42);
  });

  test('JSON Lines with broken lines', async () => {
    const path = join(FIXTURES, 'json-lines', 'events.jsonl');
    const { run, findings } = await scanJson([join(FIXTURES, 'json-lines')]);
    const messages = logMessages(run.stderr);
    expect(run.code).toBe(0);
    expect(keyIds(findings)).toEqual(['AKIAFIXTUREJSONL0001', 'AKIAFIXTURENDJSONGZ1']);
    expect(findings[0]!.usage.count).toBe(1);
    expect(findings[0]!.usage.sourceIPAddresses).toEqual(['203.0.113.9']);
    expect(messages.some((message) => message.startsWith(`${path}:3: invalid JSON, line skipped: `))).toBe(
      true,
    );
    expect(messages).toContain(`${path}:4 (record 3): record skipped, no eventID`);
  });
});

describe('keyhunt scan output', () => {
  test('json stdout is one array', async () => {
    const { run, findings } = await scanJson([join(FIXTURES, 'bare-array')]);
    expect(run.stdout.startsWith('[\n')).toBe(true);
    expect(findings).toHaveLength(1);
    expect(logMessages(run.stderr)).toEqual([
      '1 finding; 2 records read (skipped: none); 1 file read, 0 failed, 0 skipped; 0 pairs outside the 1d window',
    ]);
  });

  test('ndjson one finding per line', async () => {
    const run = await runCompiledCli(cli, ['scan', '--format', 'ndjson', join(FIXTURES, 'json-lines')]);
    const lines = run.stdout.trimEnd().split('\n');
    expect(run.code).toBe(0);
    expect(lines.map((line) => (JSON.parse(line) as Finding).accessKeyId)).toEqual([
      'AKIAFIXTUREJSONL0001',
      'AKIAFIXTURENDJSONGZ1',
    ]);
  });

  test('table rows and summary', async () => {
    const run = await runCompiledCli(cli, ['scan', join(FIXTURES, 'lookup-events')]);
    const lines = run.stdout.split('\n');
    expect(run.code).toBe(0);
    expect(lines[0]).toMatch(
      /^ID +SEVERITY +USER +ACCESS KEY ID +CREATED \(UTC\) +LIFETIME +USES +CREATED BY$/,
    );
    expect(lines[1]).toMatch(
      /^kh-[0-9a-z]{10} +\w+ +svc-lookup +AKIAFIXTURELOOKUP001 +2024-01-01 13:00:00 +5m +none +arn:aws:iam::111122223333:user\/alice$/,
    );
    expect(lines.slice(2)).toEqual([
      '',
      '1 finding; 2 records read (skipped: 1 invalid-cloudtrail-event); 1 file read, 0 failed, 0 skipped; 0 pairs outside the 1d window',
      '',
    ]);
  });
});

describe('keyhunt scan broken input', () => {
  test('broken files reported and skipped', async () => {
    const broken = join(FIXTURES, 'broken');
    const { run, findings } = await scanJson([broken]);
    const messages = logMessages(run.stderr);
    expect(run.code).toBe(0);
    expect(keyIds(findings)).toEqual(['AKIAFIXTUREBROKEN001']);
    expect(messages).toContain(
      `${join(broken, 'not-json.json')}: not valid JSON or JSON Lines: Unexpected token 'h', "this is not"... is not valid JSON`,
    );
    expect(messages).toContain(
      `${join(broken, 'truncated.json.gz')}: truncated or corrupt gzip data (unexpected end of file); 0 records before it kept`,
    );
    expect(messages.at(-1)).toBe(
      '1 finding; 2 records read (skipped: none); 1 file read, 2 failed, 0 skipped; 0 pairs outside the 1d window',
    );
  });

  test('nothing readable exits 1', async () => {
    const broken = join(FIXTURES, 'broken');
    const args = ['scan', join(broken, 'not-json.json'), join(broken, 'truncated.json.gz')];
    const run = await runCompiledCli(cli, args);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      'keyhunt: error: nothing could be read: 2 of 2 files failed; see the messages above\n',
    );
  });

  test('folder without log files exits 1', async () => {
    const empty = join(folder, 'no-logs');
    await mkdir(empty);
    await writeFile(join(empty, 'README.md'), 'nothing here');
    const run = await runCompiledCli(cli, ['scan', empty]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `keyhunt: error: no CloudTrail log files (.json, .jsonl or .ndjson, optionally .gz) found in ${empty}; ` +
        'pass a log file or a folder that contains some\n',
    );
  });

  test('many bad records are rate-limited', async () => {
    const path = join(folder, 'many-bad.jsonl');
    await writeFile(path, Array.from({ length: 12 }, (_, index) => `{"n": ${index}}`).join('\n'));
    const run = await runCompiledCli(cli, ['scan', path]);
    const messages = logMessages(run.stderr);
    expect(run.code).toBe(0);
    expect(messages.filter((message) => message.includes('record skipped, no eventName'))).toHaveLength(5);
    expect(messages).toContain(`${path}: 7 more skipped lines or records not shown`);
  });
});

describe('keyhunt scan time range', () => {
  const twoDays = join(FIXTURES, 'time-range');

  test('--from and --to', async () => {
    const { run, findings } = await scanJson([
      twoDays,
      '--from',
      '2024-01-04',
      '--to',
      '2024-01-06T00:00:00Z',
    ]);
    expect(run.code).toBe(0);
    expect(keyIds(findings)).toEqual(['AKIAFIXTUREJANUARY05']);
  });

  test('--to alone', async () => {
    const { findings } = await scanJson([twoDays, '--to', '2024-01-02']);
    expect(keyIds(findings)).toEqual(['AKIAFIXTUREJANUARY01']);
  });

  test('--since relative to now', async () => {
    const now = Date.now();
    const at = (hoursAgo: number): string => new Date(now - hoursAgo * 3_600_000).toISOString();
    const pair = (key: string, hoursAgo: number, id: string): unknown[] => [
      keyEvent('CreateAccessKey', key, at(hoursAgo), `${id}-create`),
      keyEvent('DeleteAccessKey', key, at(hoursAgo - 0.5), `${id}-delete`),
    ];
    const path = join(folder, 'recent.json');
    const records = [
      ...pair('AKIAFIXTURERECENT001', 3, 'recent'),
      ...pair('AKIAFIXTUREOLDPAIR01', 72, 'old'),
    ];
    await writeFile(path, JSON.stringify({ Records: records }));

    const recent = await scanJson([path, '--since', '1d']);
    const all = await scanJson([path]);
    expect(keyIds(recent.findings)).toEqual(['AKIAFIXTURERECENT001']);
    expect(keyIds(all.findings)).toEqual(['AKIAFIXTUREOLDPAIR01', 'AKIAFIXTURERECENT001']);
  });

  test('--threshold shorter than the lifetime', async () => {
    const { findings } = await scanJson([join(FIXTURES, 's3-delivery'), '--threshold', '9m']);
    expect(findings).toEqual([]);
  });
});

function keyEvent(eventName: string, accessKeyId: string, eventTime: string, eventID: string): unknown {
  const isCreate = eventName === 'CreateAccessKey';
  return {
    eventVersion: '1.09',
    userIdentity: { type: 'IAMUser', principalId: 'AIDAFIXTUREALICE00001', userName: 'alice' },
    eventTime,
    eventSource: 'iam.amazonaws.com',
    eventName,
    requestParameters: isCreate ? { userName: 'svc-time' } : { userName: 'svc-time', accessKeyId },
    responseElements: isCreate
      ? { accessKey: { accessKeyId, userName: 'svc-time', status: 'Active' } }
      : null,
    eventID,
    recipientAccountId: '111122223333',
  };
}
