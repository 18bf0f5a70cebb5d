/**
 * `startService` with a rules file (KEYHUNT_CONFIG): the real Bolt app against the Slack Web API fake, the
 * real LookupEvents source against the CloudTrail emulator and a real store file. A suppressed finding is
 * stored resolved and never posted, and the other one goes to the channel of its routing rule.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { loadConfig } from '../../src/config.js';
import { startService, type RunningService } from '../../src/main.js';
import { LookupEventsSource } from '../../src/sources/lookup-events.js';
import { RateLimiter } from '../../src/sources/rate-limiter.js';
import { silentLogger } from '../../src/log.js';
import { CloudTrailEmulator } from '../support/cloudtrail-emulator.js';
import { ACCOUNT, createKeyRecord, deleteKeyRecord, iamUser } from '../support/records.js';
import { SlackApiFake } from '../support/slack-api-fake.js';
import { recordingLogger, type LogLine } from '../support/slack-harness.js';
import { sample } from './child.js';

const MINUTE = 60_000;
const DEFAULT_CHANNEL = 'C0SERVEDEFAULT';
const ROUTED_CHANNEL = 'C0SERVEROUTED';
const RULES = `suppress:
  - userName: ci-*
    reason: CI rotates its deploy keys
routing:
  - accountId: "${ACCOUNT}"
    slackChannel: ${ROUTED_CHANNEL}
`;

function keyPair(owner: string, accessKeyId: string): Record<string, unknown>[] {
  const identity = iamUser('admin');
  const created = new Date(Date.now() - 40 * MINUTE).toISOString();
  const deleted = new Date(Date.now() - 35 * MINUTE).toISOString();
  return [
    createKeyRecord({ eventId: `c-${owner}`, time: created, identity, accessKeyId, userName: owner }),
    deleteKeyRecord({ eventId: `d-${owner}`, time: deleted, identity, accessKeyId, userName: owner }),
  ];
}

describe('serve with rules', () => {
  let slack: SlackApiFake;
  let emulator: CloudTrailEmulator;
  let folder: string;
  let cloudTrail: CloudTrailClient;
  let service: RunningService;
  let logs: LogLine[];

  beforeAll(async () => {
    slack = new SlackApiFake({ clock: () => new Date() });
    await slack.start();
    emulator = await CloudTrailEmulator.start({}, [
      ...keyPair('ci-deploy', 'AKIARULESSERVE000001'),
      ...keyPair('bob', 'AKIARULESSERVE000002'),
    ]);
    folder = mkdtempSync(join(tmpdir(), 'keyhunt-serve-rules-'));
    writeFileSync(join(folder, 'rules.yaml'), RULES);
    cloudTrail = new CloudTrailClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'fake-secret-for-the-emulator' },
      maxAttempts: 1,
    });
    const config = loadConfig(
      {
        KEYHUNT_DB_PATH: join(folder, 'keyhunt.json'),
        KEYHUNT_CONFIG: 'rules.yaml',
        PORT: '0',
        KEYHUNT_POLL_CRON: '0 0 1 1 *',
        SLACK_BOT_TOKEN: 'xoxb-1-rules-test',
        SLACK_SIGNING_SECRET: '0123456789abcdef0123456789abcdef',
        KEYHUNT_SLACK_CHANNEL: DEFAULT_CHANNEL,
        SLACK_API_URL: slack.apiUrl,
      },
      { cwd: folder },
    );
    const recording = recordingLogger();
    logs = recording.lines;
    service = await startService({
      config,
      logger: recording.logger,
      stdout: new PassThrough(),
      clock: () => new Date(),
      dryRun: false,
      host: '127.0.0.1',
      source: new LookupEventsSource({
        client: cloudTrail,
        rateLimiter: new RateLimiter({ requestsPerSecond: 1000 }),
        logger: silentLogger(),
      }),
      drainGraceMs: 500,
    });
    await service.pollNow();
  });

  afterAll(async () => {
    await service.stop('test end');
    cloudTrail.destroy();
    await emulator.close();
    await slack.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test('posts only the unsuppressed finding', () => {
    const posts = slack
      .callsTo('chat.postMessage')
      .filter((call) => JSON.stringify(call.args.metadata ?? '').includes('keyhunt_finding'));
    expect(posts.map((call) => String(call.args.text).split(' ')[3])).toEqual(['AKIARULESSERVE000002']);
  });

  test('posts to the routed channel', () => {
    expect(slack.messagesIn(ROUTED_CHANNEL)).toHaveLength(1);
    expect(slack.messagesIn(DEFAULT_CHANNEL).filter((message) => message.metadata)).toEqual([]);
  });

  test('counts no post failure', async () => {
    const text = await service.metrics.render();
    expect(sample(text, 'keyhunt_chat_posts_total{platform="slack"}')).toBe(1);
    expect(sample(text, 'keyhunt_post_failures_total{platform="slack"}')).toBe(0);
  });

  test('logs the suppression reason', () => {
    const suppressed = logs.filter((line) => line.reason === 'CI rotates its deploy keys');
    expect(suppressed.map((line) => line.accessKeyId)).toEqual(['AKIARULESSERVE000001']);
  });

  test('logs no warning about the rules', () => {
    const warnings = logs.filter((line) => line.level === 40).map((line) => line.msg);
    expect(warnings.filter((msg) => /rule/i.test(msg))).toEqual([]);
  });
});
