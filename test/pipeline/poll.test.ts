import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';

import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import pino from 'pino';

import { toIsoTime } from '../../src/detect/index.js';
import { DAY_MS, MINUTE_MS } from '../../src/detect/types.js';
import { silentLogger } from '../../src/log.js';
import type { Logger } from '../../src/log.js';
import type { FindingNotifier, Store } from '../../src/pipeline/ports.js';
import { runPoll } from '../../src/pipeline/poll.js';
import type { PollDeps, PollReport } from '../../src/pipeline/poll.js';
import { createCloudTrailClient } from '../../src/sources/lookup-client.js';
import { LookupEventsSource } from '../../src/sources/lookup-events.js';
import type { LookupEventsSourceOptions } from '../../src/sources/lookup-events.js';
import { RateLimiter } from '../../src/sources/rate-limiter.js';
import { openStore } from '../../src/store/index.js';
import { listUnpostedSlack, markSlackPosted } from '../../src/pipeline/records.js';
import { CloudTrailEmulator } from '../support/cloudtrail-emulator.js';
import { createKeyRecord, deleteKeyRecord, iamUser, useRecord } from '../support/records.js';

const T0 = Date.parse('2024-03-01T12:00:00Z');
const LAG_MS = 20 * MINUTE_MS;
const DATASET_DIR = path.resolve('../shared/datasets/invictus-aws-dataset');

let now: number;
let emulator: CloudTrailEmulator;
let client: CloudTrailClient;
let dir: string;
let store: Store;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function minutes(count: number): number {
  return count * MINUTE_MS;
}

function createRecord(accessKeyId: string, timeMs: number, eventId = `create-${accessKeyId}`) {
  return createKeyRecord({
    accessKeyId,
    time: iso(timeMs),
    eventId,
    identity: iamUser('admin'),
    userName: 'ci',
  });
}

function deleteRecord(accessKeyId: string, timeMs: number, eventId = `delete-${accessKeyId}`) {
  return deleteKeyRecord({
    accessKeyId,
    time: iso(timeMs),
    eventId,
    identity: iamUser('admin'),
    userName: 'ci',
  });
}

async function openTestStore(): Promise<Store> {
  return openStore({
    path: path.join(dir, 'keyhunt.json'),
    logger: silentLogger(),
    now: () => new Date(now),
  });
}

async function restartStore(): Promise<void> {
  await store.close();
  store = await openTestStore();
}

function createSource(overrides: Partial<LookupEventsSourceOptions> = {}): LookupEventsSource {
  return new LookupEventsSource({
    client,
    rateLimiter: new RateLimiter({ requestsPerSecond: 1000 }),
    logger: silentLogger(),
    sleep: async () => undefined,
    random: () => 0.5,
    ...overrides,
  });
}

function pollDeps(overrides: Partial<PollDeps> = {}): PollDeps {
  return {
    store,
    source: createSource(),
    logger: silentLogger(),
    options: { thresholdMs: DAY_MS, deliveryLagMs: LAG_MS, region: 'us-east-1' },
    notifiers: [],
    ...overrides,
  };
}

async function pollAt(timeMs: number, overrides: Partial<PollDeps> = {}): Promise<PollReport> {
  now = timeMs;
  return runPoll(pollDeps(overrides), new Date(timeMs));
}

function storedFindingKeys(): string[] {
  return Object.values(store.read().findings).map((stored) => stored.finding.accessKeyId);
}

/** A Slack-like notifier that posts through the store helpers, after failing `crashes` times first. */
class RecordingNotifier implements FindingNotifier {
  readonly platform = 'slack' as const;

  constructor(
    private readonly posted: string[],
    private crashes = 0,
  ) {}

  async postPending(): Promise<void> {
    if (this.crashes > 0) {
      this.crashes -= 1;
      throw new Error('process stopped before posting');
    }
    for (const stored of listUnpostedSlack(store.read())) {
      this.posted.push(stored.finding.id);
      const ref = { channel: 'C0KEYHUNT', ts: `${this.posted.length}.000100`, postedAt: iso(now) };
      await store.update((data) => markSlackPosted(data, stored.finding.id, ref));
    }
  }

  async refresh(): Promise<void> {}
}

beforeEach(async () => {
  now = T0;
  emulator = await CloudTrailEmulator.start({ clock: () => now });
  client = createCloudTrailClient({
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: 'AKIDPOLLTEST', secretAccessKey: 'poll-test-secret' },
  });
  dir = await mkdtemp(path.join(tmpdir(), 'keyhunt-poll-'));
  store = await openTestStore();
});

afterEach(async () => {
  await store.close();
  client.destroy();
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

describe('runPoll', () => {
  it('starts the first window threshold plus lag back', async () => {
    const report = await pollAt(T0);

    expect(report.window).toEqual({ from: toIsoTime(T0 - DAY_MS - LAG_MS), to: toIsoTime(T0) });
    expect(emulator.calls[0]?.input?.StartTime).toBe((T0 - DAY_MS - LAG_MS) / 1000);
    expect(store.read().poll.cursor).toBe('2024-03-01T12:00:00Z');
  });

  it('pairs a delete visible 15 minutes late', async () => {
    emulator.addRecords([createRecord('AKIALATEDELIVERY0001', T0 - minutes(10))]);
    emulator.addRecords([deleteRecord('AKIALATEDELIVERY0001', T0 - minutes(5))], {
      visibleAtMs: T0 + minutes(10),
    });

    const first = await pollAt(T0);
    const second = await pollAt(T0 + minutes(5));
    const third = await pollAt(T0 + minutes(10));

    expect(first.findings).toHaveLength(0);
    expect(second.findings).toHaveLength(0);
    expect(third.findings.map((stored) => stored.finding.accessKeyId)).toEqual(['AKIALATEDELIVERY0001']);
    expect(third.findings[0]?.finding.lifetimeSeconds).toBe(300);
  });

  it('stores one finding across overlapping polls', async () => {
    emulator.addRecords([
      createRecord('AKIAOVERLAPPING00001', T0 - minutes(8)),
      deleteRecord('AKIAOVERLAPPING00001', T0 - minutes(6)),
    ]);

    const reports = [await pollAt(T0), await pollAt(T0 + minutes(5)), await pollAt(T0 + minutes(10))];

    expect(reports.map((report) => report.findings.length)).toEqual([1, 0, 0]);
    expect(reports[1]?.duplicates).toBe(2);
    expect(reports[1]?.newKeyEvents).toBe(0);
    expect(storedFindingKeys()).toEqual(['AKIAOVERLAPPING00001']);
  });

  it('pairs a later delete with an earlier create', async () => {
    emulator.addRecords([createRecord('AKIALATERDELETE00001', T0 - minutes(60))]);
    const first = await pollAt(T0);
    emulator.addRecords([deleteRecord('AKIALATERDELETE00001', T0 + minutes(30))]);

    const second = await pollAt(T0 + minutes(35));

    expect(first.pendingCreates).toBe(1);
    expect(second.window.from).toBe(toIsoTime(T0 - LAG_MS));
    expect(second.findings[0]?.finding.lifetimeSeconds).toBe(90 * 60);
    expect(second.pendingCreates).toBe(0);
  });

  it('pairs a create delivered after its delete', async () => {
    emulator.addRecords([deleteRecord('AKIAOUTOFORDER000001', T0 - minutes(4))]);
    emulator.addRecords([createRecord('AKIAOUTOFORDER000001', T0 - minutes(7))], {
      visibleAtMs: T0 + minutes(4),
    });

    const first = await pollAt(T0);
    const second = await pollAt(T0 + minutes(5));

    expect(first.pendingDeletes).toBe(1);
    expect(second.findings.map((stored) => stored.finding.accessKeyId)).toEqual(['AKIAOUTOFORDER000001']);
    expect(second.pendingDeletes).toBe(0);
  });

  it('enriches a finding with the key uses', async () => {
    emulator.addRecords([
      createRecord('AKIAENRICHED00000001', T0 - minutes(9)),
      useRecord('AKIAENRICHED00000001', 'use-1', iso(T0 - minutes(8)), 'ListBuckets', '203.0.113.77'),
      deleteRecord('AKIAENRICHED00000001', T0 - minutes(7)),
    ]);

    const report = await pollAt(T0);

    expect(report.findings[0]?.finding.usage).toMatchObject({
      available: true,
      count: 1,
      eventNames: ['ListBuckets'],
    });
    expect(emulator.calls[2]?.input?.LookupAttributes).toEqual([
      { AttributeKey: 'AccessKeyId', AttributeValue: 'AKIAENRICHED00000001' },
    ]);
  });

  it('finds every pair through a throttling storm', async () => {
    const keys = [
      'AKIASTORM00000000001',
      'AKIASTORM00000000002',
      'AKIASTORM00000000003',
      'AKIASTORM00000000004',
    ];
    emulator.addRecords(
      keys.flatMap((key, i) => [
        createRecord(key, T0 - minutes(30 + i)),
        deleteRecord(key, T0 - minutes(10 + i)),
      ]),
    );
    emulator.setMaxRequestsPerSecond(4);
    // Another caller in the account spends the same quota while the poll runs.
    const otherCaller = createSource({ sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) });
    const retry = { baseDelayMs: 100, maxDelayMs: 800, maxAttempts: 12 };
    const pollSource = createSource({
      retry,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      random: Math.random,
    });

    const [report] = await Promise.all([
      pollAt(T0, { source: pollSource }),
      otherCaller.lookupKeyUses('AKIASTORM00000000001', T0 - DAY_MS, T0),
      otherCaller.lookupKeyUses('AKIASTORM00000000002', T0 - DAY_MS, T0),
    ]);

    expect(report.outcome).toBe('complete');
    expect(report.throttles).toBeGreaterThan(0);
    expect(report.findings.map((stored) => stored.finding.accessKeyId).sort()).toEqual(keys);
    expect(store.read().poll.health.lastError).toBeNull();
    expect(store.read().poll.health.incompletePolls).toBe(0);
  });

  it('loses and repeats nothing across a restart', async () => {
    emulator.addRecords([createRecord('AKIARESTART000000001', T0 - minutes(3))]);
    await pollAt(T0);
    await restartStore();
    emulator.addRecords([deleteRecord('AKIARESTART000000001', T0 + minutes(2))]);

    const second = await pollAt(T0 + minutes(5));
    await restartStore();
    const third = await pollAt(T0 + minutes(10));

    expect(second.findings).toHaveLength(1);
    expect(third.findings).toHaveLength(0);
    expect(third.duplicates).toBe(2);
    expect(storedFindingKeys()).toEqual(['AKIARESTART000000001']);
    expect(store.read().poll.pendingCreates).toEqual({});
  });

  it('posts once after a crash between store and post', async () => {
    const posted: string[] = [];
    emulator.addRecords([
      createRecord('AKIACRASHBEFOREPOST1', T0 - minutes(6)),
      deleteRecord('AKIACRASHBEFOREPOST1', T0 - minutes(5)),
    ]);

    const first = await pollAt(T0, { notifiers: [new RecordingNotifier(posted, 1)] });
    await restartStore();
    const second = await pollAt(T0 + minutes(5), { notifiers: [new RecordingNotifier(posted)] });
    const third = await pollAt(T0 + minutes(10), { notifiers: [new RecordingNotifier(posted)] });

    expect(first.findings).toHaveLength(1);
    expect(first.notifierFailures).toBe(1);
    expect(second.findings).toHaveLength(0);
    expect(third.notifierFailures).toBe(0);
    expect(posted).toEqual([first.findings[0]?.finding.id]);
  });

  it('keeps the cursor when retries run out', async () => {
    await pollAt(T0);
    emulator.addRecords([
      createRecord('AKIAGAPCOVERED000001', T0 + minutes(1)),
      deleteRecord('AKIAGAPCOVERED000001', T0 + minutes(2)),
    ]);
    emulator.failNext(8, 'throttling');

    const failed = await pollAt(T0 + minutes(5));
    const health = store.read().poll.health;

    expect(failed.outcome).toBe('incomplete');
    expect(failed.findings).toHaveLength(0);
    expect(store.read().poll.cursor).toBe('2024-03-01T12:00:00Z');
    expect(health.incompletePolls).toBe(1);
    expect(health.lastOutcome).toBe('incomplete');
    expect(health.lastError).toMatch(/still throttled after 8 attempts/);
    expect(health.throttles).toBe(8);
    expect(health.lastSuccessAt).toBe(iso(T0));

    const next = await pollAt(T0 + minutes(10));

    expect(next.window.from).toBe(toIsoTime(T0 - LAG_MS));
    expect(next.findings.map((stored) => stored.finding.accessKeyId)).toEqual(['AKIAGAPCOVERED000001']);
    expect(store.read().poll.cursor).toBe('2024-03-01T12:10:00Z');
    expect(store.read().poll.health.lastError).toBeNull();
  });

  it('clamps catch-up to 90 days', async () => {
    await pollAt(T0);
    const later = T0 + 100 * DAY_MS;
    emulator.addRecords([
      createRecord('AKIACATCHUP000000001', later - minutes(60)),
      deleteRecord('AKIACATCHUP000000001', later - minutes(50)),
    ]);

    const report = await pollAt(later);

    expect(report.catchingUp).toBe(true);
    expect(report.clamped).toBe(true);
    expect(report.window.from).toBe(toIsoTime(later - 90 * DAY_MS));
    expect(emulator.calls.at(-3)?.input?.StartTime).toBe((later - 90 * DAY_MS) / 1000);
    expect(report.findings.map((stored) => stored.finding.accessKeyId)).toEqual(['AKIACATCHUP000000001']);
  });

  it('counts an unreadable record once', async () => {
    const broken = createRecord('AKIABROKEN0000000001', T0 - minutes(2), 'broken-create');
    broken.responseElements = null;
    emulator.addRecords([broken]);

    const first = await pollAt(T0);
    const second = await pollAt(T0 + minutes(5));

    expect(first.rejected).toBe(1);
    expect(first.outcome).toBe('complete');
    expect(second.rejected).toBe(0);
    expect(second.duplicates).toBe(1);
  });

  const itWithDataset = existsSync(DATASET_DIR) ? it : it.skip;
  itWithDataset(
    `finds the pairs of a real attack simulation (skipped when ${DATASET_DIR} is missing)`,
    async () => {
      for (const file of readdirSync(DATASET_DIR).filter((name) => name.endsWith('.json'))) {
        emulator.addRecordsFile(path.join(DATASET_DIR, file));
      }

      const report = await pollAt(Date.parse('2023-07-10T13:00:00Z'));

      expect(report.outcome).toBe('complete');
      expect(report.findings.map((stored) => stored.finding.accessKeyId).sort()).toEqual([
        'AKIATFQR7NSC3ZO6PKAZ',
        'AKIATFQR7NSCQLA2F4OD',
      ]);
      expect(report.findings.every((stored) => stored.finding.usage.available)).toBe(true);
    },
  );

  it('warns when no key event was seen for 7 days', async () => {
    const lines: { level: number; msg: string; region?: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
        done();
      },
    });
    const logger: Logger = pino({ level: 'warn' }, sink);

    await pollAt(T0, { logger });
    await pollAt(T0 + 6 * DAY_MS, { logger });
    const beforeLimit = lines.length;
    await pollAt(T0 + 7 * DAY_MS + minutes(5), { logger });
    await pollAt(T0 + 7 * DAY_MS + minutes(10), { logger });

    const warnings = lines.filter((line) =>
      line.msg.startsWith('No CreateAccessKey or DeleteAccessKey event'),
    );
    expect(beforeLimit).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.region).toBe('us-east-1');
    expect(warnings[0]?.msg).toMatch(/IAM records these events in us-east-1 only/);
  });
});
