/**
 * Suppression rules in the live poller: the real LookupEvents source against the CloudTrail emulator and a
 * real store file. A matching finding is stored resolved as expected, logged once with its reason, and left
 * out of the lists the notifiers post from.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';

import { MINUTE_MS, DAY_MS } from '../../src/detect/types.js';
import { runPoll } from '../../src/pipeline/poll.js';
import { MemoryStore } from '../../src/pipeline/poll-dry-run.js';
import type { Store, StoredFinding } from '../../src/pipeline/ports.js';
import type { SuppressionRule } from '../../src/pipeline/rules.js';
import { listSlackPostable, listTeamsPostable } from '../../src/pipeline/suppression.js';
import { silentLogger } from '../../src/log.js';
import { createCloudTrailClient } from '../../src/sources/lookup-client.js';
import { LookupEventsSource } from '../../src/sources/lookup-events.js';
import { RateLimiter } from '../../src/sources/rate-limiter.js';
import { openStore } from '../../src/store/index.js';
import { CloudTrailEmulator } from '../support/cloudtrail-emulator.js';
import { createKeyRecord, deleteKeyRecord, iamUser } from '../support/records.js';
import { recordingLogger } from '../support/slack-harness.js';

const T0 = Date.parse('2024-03-01T12:00:00Z');
const CI_RULE: SuppressionRule = {
  accessKeyId: null,
  userName: 'ci-*',
  creatorArn: null,
  reason: 'CI rotates its deploy keys every hour',
  until: null,
};

let emulator: CloudTrailEmulator;
let client: CloudTrailClient;
let dir: string;
let store: Store;

function keyPair(accessKeyId: string, owner: string): Record<string, unknown>[] {
  const identity = iamUser('admin');
  const created = new Date(T0 - 9 * MINUTE_MS).toISOString();
  const deleted = new Date(T0 - 7 * MINUTE_MS).toISOString();
  return [
    createKeyRecord({ accessKeyId, time: created, eventId: `c-${accessKeyId}`, identity, userName: owner }),
    deleteKeyRecord({ accessKeyId, time: deleted, eventId: `d-${accessKeyId}`, identity, userName: owner }),
  ];
}

async function poll(suppress: readonly SuppressionRule[], logger = silentLogger()) {
  const source = new LookupEventsSource({
    client,
    rateLimiter: new RateLimiter({ requestsPerSecond: 1000 }),
    logger: silentLogger(),
    sleep: async () => undefined,
  });
  const options = { thresholdMs: DAY_MS, deliveryLagMs: 20 * MINUTE_MS, region: 'us-east-1', suppress };
  return runPoll({ store, source, logger, options, notifiers: [] }, new Date(T0));
}

function byOwner(owner: string): StoredFinding {
  const stored = Object.values(store.read().findings).find((entry) => entry.finding.userName === owner);
  if (!stored) throw new Error(`no finding of ${owner} is stored`);
  return stored;
}

beforeEach(async () => {
  emulator = await CloudTrailEmulator.start({ clock: () => T0 }, [
    ...keyPair('AKIACIDEPLOY00000001', 'ci-deploy'),
    ...keyPair('AKIAALICE00000000001', 'alice'),
  ]);
  client = createCloudTrailClient({
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: 'AKIDRULESTEST', secretAccessKey: 'rules-test-secret' },
  });
  dir = await mkdtemp(path.join(tmpdir(), 'keyhunt-poll-rules-'));
  store = await openStore({ path: path.join(dir, 'keyhunt.json'), logger: silentLogger() });
});

afterEach(async () => {
  await store.close();
  client.destroy();
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

describe('runPoll with suppression rules', () => {
  it('stores a matching finding resolved', async () => {
    const report = await poll([CI_RULE]);

    expect(report.findings).toHaveLength(2);
    const ci = byOwner('ci-deploy');
    expect(ci.state).toBe('resolved');
    expect(ci.resolution).toBe('expected');
    expect(ci.suppressed).toEqual({
      reason: 'CI rotates its deploy keys every hour',
      matchedAt: '2024-03-01T12:00:00.000Z',
    });
    expect(ci.history).toHaveLength(1);
    expect(ci.history[0]).toMatchObject({
      actor: { platform: 'rules', id: 'keyhunt-rules', name: 'suppression rule' },
      reason: 'CI rotates its deploy keys every hour',
    });
  });

  it('stores an unmatched finding open', async () => {
    await poll([CI_RULE]);
    const alice = byOwner('alice');
    expect(alice.state).toBe('open');
    expect(alice.suppressed).toBeUndefined();
    expect(alice.history).toEqual([]);
  });

  it('leaves suppressed findings unposted', async () => {
    await poll([CI_RULE]);
    const aliceId = byOwner('alice').finding.id;
    expect(listSlackPostable(store.read()).map((stored) => stored.finding.id)).toEqual([aliceId]);
    expect(listTeamsPostable(store.read(), 'conv-1').map((stored) => stored.finding.id)).toEqual([aliceId]);
  });

  it('logs each suppressed finding once', async () => {
    const { logger, lines } = recordingLogger();
    await poll([CI_RULE], logger);

    const ciId = byOwner('ci-deploy').finding.id;
    const aboutCi = lines.filter((line) => line.findingId === ciId);
    expect(aboutCi).toHaveLength(1);
    expect(aboutCi[0]).toMatchObject({
      level: 30,
      reason: 'CI rotates its deploy keys every hour',
      msg: 'Stored a new finding as resolved (expected) by a suppression rule; it is not posted to chat',
    });
  });

  it('dry run logs found findings', async () => {
    const { logger, lines } = recordingLogger();
    const source = new LookupEventsSource({
      client,
      rateLimiter: new RateLimiter({ requestsPerSecond: 1000 }),
      logger: silentLogger(),
      sleep: async () => undefined,
    });
    const options = {
      thresholdMs: DAY_MS,
      deliveryLagMs: 20 * MINUTE_MS,
      region: 'us-east-1',
      suppress: [CI_RULE],
      dryRun: true,
    };
    const copy = new MemoryStore(store.read());
    await runPoll({ store: copy, source, logger, options, notifiers: [] }, new Date(T0));

    const aboutFindings = lines
      .filter((line) => typeof line.findingId === 'string')
      .map((line) => [String(line.userName), line.msg])
      .sort(([a], [b]) => a!.localeCompare(b!));
    expect(aboutFindings).toEqual([
      ['alice', 'Found a new finding (dry run: nothing is stored or posted)'],
      [
        'ci-deploy',
        'Found a new finding that a suppression rule resolves as expected (dry run: nothing is stored or posted)',
      ],
    ]);
  });

  it('ignores a rule past its end', async () => {
    await poll([{ ...CI_RULE, until: '2024-02-29T23:59:59.999Z' }]);
    expect(byOwner('ci-deploy').state).toBe('open');
  });

  it('stores every finding open without rules', async () => {
    await poll([]);
    expect(Object.values(store.read().findings).map((stored) => stored.state)).toEqual(['open', 'open']);
  });
});
