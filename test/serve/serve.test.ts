/**
 * `keyhunt serve --dry-run` end to end: the compiled CLI as a child process, the real AWS SDK client against
 * the local CloudTrail emulator, a real store file in a temp folder, and SIGTERM at the end.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudTrailEmulator } from '../support/cloudtrail-emulator.js';
import { createKeyRecord, deleteKeyRecord, iamUser, assumedRole } from '../support/records.js';
import { dirname } from 'node:path';
import { buildCli } from '../cli/build-cli.js';
import { duplicateKeys } from '../store/support.js';
import { baseEnv, logLines, runCli, sample, waitFor, type ChildRun } from './child.js';

const MINUTE = 60_000;
const SIGNING_SECRET = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';
const BOT_TOKEN = 'xoxb-2222-3333-dryrunbotsecret';

function isoAgo(ms: number): string {
  return new Date(Date.now() - ms).toISOString();
}

/** Two short-lived keys, one kept key (no finding) and one key deleted after the 24 h threshold window. */
function records(): Record<string, unknown>[] {
  const alice = iamUser('alice');
  const role = assumedRole('Deployer', 'ci-run-7');
  return [
    createKeyRecord({
      eventId: 'e-create-1',
      time: isoAgo(90 * MINUTE),
      identity: alice,
      accessKeyId: 'AKIASERVETEST0000001',
      userName: 'bob',
    }),
    deleteKeyRecord({
      eventId: 'e-delete-1',
      time: isoAgo(80 * MINUTE),
      identity: alice,
      accessKeyId: 'AKIASERVETEST0000001',
      userName: 'bob',
    }),
    createKeyRecord({
      eventId: 'e-create-2',
      time: isoAgo(70 * MINUTE),
      identity: role,
      accessKeyId: 'AKIASERVETEST0000002',
      userName: 'carol',
    }),
    deleteKeyRecord({
      eventId: 'e-delete-2',
      time: isoAgo(69 * MINUTE),
      identity: role,
      accessKeyId: 'AKIASERVETEST0000002',
      userName: 'carol',
    }),
    createKeyRecord({
      eventId: 'e-create-3',
      time: isoAgo(60 * MINUTE),
      identity: alice,
      accessKeyId: 'AKIASERVETEST0000003',
      userName: 'dave',
    }),
  ];
}

describe('keyhunt serve --dry-run', () => {
  let buildRoot: string;
  let emulator: CloudTrailEmulator;
  let folder: string;
  let run: ChildRun;
  let base: string;
  let exitCode: number | string;
  let metricsText: string;

  beforeAll(async () => {
    buildRoot = dirname(dirname(await buildCli()));
    emulator = await CloudTrailEmulator.start({}, records());
    folder = mkdtempSync(join(tmpdir(), 'keyhunt-serve-'));
    run = runCli(
      buildRoot,
      ['serve', '--dry-run'],
      {
        ...baseEnv(),
        AWS_ENDPOINT_URL_CLOUDTRAIL: emulator.endpoint,
        KEYHUNT_POLL_CRON: '* * * * * *',
        KEYHUNT_DB_PATH: join(folder, 'data', 'keyhunt.json'),
        PORT: '0',
        LOG_LEVEL: 'info',
        // Chat settings are validated in a dry run but not used; they must not appear in any output.
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        KEYHUNT_SLACK_CHANNEL: 'C0SERVETEST',
      },
      folder,
    );
    const started = await waitFor('the startup log line', () =>
      logLines(run.stderr()).find((line) => line.msg === 'keyhunt serve started'),
    );
    base = `http://127.0.0.1:${String(started.port)}`;
  }, 120_000);

  afterAll(async () => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    await emulator.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test('prints both findings as JSON lines', async () => {
    await waitFor('two findings on stdout', () =>
      run.stdout().trim().split('\n').length >= 2 ? true : undefined,
    );
    const printed = run
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { accessKeyId: string });
    expect(printed.map((finding) => finding.accessKeyId)).toEqual([
      'AKIASERVETEST0000001',
      'AKIASERVETEST0000002',
    ]);
  });

  test('polls on the schedule', async () => {
    metricsText = await waitFor('three complete polls', async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return (sample(text, 'keyhunt_polls_total{outcome="complete"}') ?? 0) >= 3 ? text : undefined;
    });
    expect(sample(metricsText, 'keyhunt_polls_total{outcome="failed"}')).toBe(0);
    expect(sample(metricsText, 'keyhunt_polls_total{outcome="incomplete"}')).toBe(0);
  });

  test('metrics count findings by severity', async () => {
    const printed = run
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { severity: string });
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const severity of ['low', 'medium', 'high', 'critical']) {
      const expected = printed.filter((finding) => finding.severity === severity).length;
      expect([severity, sample(text, `keyhunt_findings_total{severity="${severity}"}`)]).toEqual([
        severity,
        expected,
      ]);
    }
    expect(sample(text, 'keyhunt_store_findings{state="open"}')).toBe(2);
    expect(sample(text, 'keyhunt_lookup_events_throttles_total')).toBe(0);
  });

  test('metrics count LookupEvents requests', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const requests = sample(text, 'keyhunt_lookup_events_requests_total') ?? 0;
    // Two queries a poll (creates and deletes) plus one key-use lookup for each of the two pairs.
    expect(requests).toBeGreaterThanOrEqual(2 * 3 + 2);
    expect(emulator.calls.length).toBeGreaterThanOrEqual(requests);
  });

  test('healthz returns 200', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
  });

  test('readyz returns 200 with store and poll checks', async () => {
    const response = await fetch(`${base}/readyz`);
    const body = (await response.json()) as { ready: boolean; checks: Array<{ name: string; ok: boolean }> };
    expect(response.status).toBe(200);
    expect(body.checks.map((check) => [check.name, check.ok])).toEqual([
      ['store', true],
      ['poll', true],
    ]);
  });

  test('logs carry a poll id per poll run', () => {
    const finished = logLines(run.stderr()).filter((line) => line.msg === 'Poll finished');
    expect(finished.length).toBeGreaterThanOrEqual(3);
    expect(new Set(finished.map((line) => line.pollId)).size).toBe(finished.length);
  });

  test('SIGTERM exits 0', async () => {
    run.child.kill('SIGTERM');
    exitCode = await run.exited;
    expect(exitCode).toBe(0);
    expect(logLines(run.stderr()).map((line) => line.msg)).toEqual(
      expect.arrayContaining(['Shutting down', 'Closed the store', 'Stopped']),
    );
  });

  test('store is flushed and unlocked after exit', () => {
    const storePath = join(folder, 'data', 'keyhunt.json');
    const data = JSON.parse(readFileSync(storePath, 'utf8')) as {
      findings: Record<string, { finding: { accessKeyId: string }; slack: unknown }>;
      poll: { cursor: string | null };
    };
    const keys = Object.values(data.findings)
      .map((stored) => stored.finding.accessKeyId)
      .sort();
    expect(keys).toEqual(['AKIASERVETEST0000001', 'AKIASERVETEST0000002']);
    expect(Object.values(data.findings).every((stored) => stored.slack === null)).toBe(true);
    expect(data.poll.cursor).not.toBeNull();
    expect(existsSync(`${storePath}.lock`)).toBe(false);
  });

  test('log lines repeat no key', () => {
    const lines = run
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.filter((line) => duplicateKeys(line).length > 0)).toEqual([]);
  });

  test('prints each finding once', () => {
    expect(run.stdout().trim().split('\n')).toHaveLength(2);
  });

  test('output contains no secret', () => {
    const output = run.stdout() + run.stderr();
    for (const secret of [SIGNING_SECRET, BOT_TOKEN, baseEnv().AWS_SECRET_ACCESS_KEY!]) {
      expect(output).not.toContain(secret);
    }
  });
});

describe('keyhunt serve shutdown during a failing poll', () => {
  test('SIGINT aborts the poll and exits 0', async () => {
    const buildRoot = dirname(dirname(await buildCli()));
    const folder = mkdtempSync(join(tmpdir(), 'keyhunt-serve-abandon-'));
    // A port that was free a moment ago: every LookupEvents request fails with ECONNREFUSED and is retried.
    const closed = await CloudTrailEmulator.start();
    const endpoint = closed.endpoint;
    await closed.close();
    const storePath = join(folder, 'keyhunt.json');
    const run = runCli(
      buildRoot,
      ['serve', '--dry-run'],
      { ...baseEnv(), AWS_ENDPOINT_URL_CLOUDTRAIL: endpoint, KEYHUNT_DB_PATH: storePath, PORT: '0' },
      folder,
    );
    try {
      await waitFor('a retried LookupEvents request', () =>
        logLines(run.stderr()).find((line) => line.msg === 'LookupEvents failed; retrying'),
      );
      const signalledAt = Date.now();
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(10_000);

      const messages = logLines(run.stderr()).map((line) => line.msg);
      expect(messages).toContain(
        'Stopped the running poll for shutdown; nothing was stored and the cursor did not move',
      );
      expect(messages).not.toContain(
        'The running poll did not finish in time; it is abandoned and its window is read again at the next start',
      );
      const data = JSON.parse(readFileSync(storePath, 'utf8')) as { poll: { cursor: string | null } };
      expect(data.poll.cursor).toBeNull();
      expect(existsSync(`${storePath}.lock`)).toBe(false);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      rmSync(folder, { recursive: true, force: true });
    }
  }, 60_000);
});
