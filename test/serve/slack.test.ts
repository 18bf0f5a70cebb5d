/**
 * `startService` with Slack: the real Bolt app against the local Slack Web API fake, the real LookupEvents
 * source over the AWS SDK against the CloudTrail emulator, and a real store file. Checks that a poll posts the
 * finding, that a signed button click on /slack/events is triaged and counted, and that post failures show in
 * the metrics and in /readyz.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startService, type RunningService } from '../../src/main.js';
import { LookupEventsSource } from '../../src/sources/lookup-events.js';
import { RateLimiter } from '../../src/sources/rate-limiter.js';
import { CloudTrailEmulator } from '../support/cloudtrail-emulator.js';
import { createKeyRecord, deleteKeyRecord, iamUser } from '../support/records.js';
import { SlackApiFake } from '../support/slack-api-fake.js';
import { blockActionsBody, postSigned } from '../support/slack-signing.js';
import { sample } from './child.js';

const MINUTE = 60_000;
const SIGNING_SECRET = '0123456789abcdef0123456789abcdef';
const CHANNEL = 'C0SERVESLACK';

/** chat.postMessage calls of findings; the daily summary is posted at start too when its time has passed. */
function findingPosts(slack: SlackApiFake) {
  return slack
    .callsTo('chat.postMessage')
    .filter(
      (call) => (call.args.metadata as { event_type?: string } | undefined)?.event_type === 'keyhunt_finding',
    );
}

function keyPair(index: number, minutesAgo: number): Record<string, unknown>[] {
  const identity = iamUser('alice');
  const accessKeyId = `AKIASLACKSERVE00000${index}`;
  const created = new Date(Date.now() - minutesAgo * MINUTE).toISOString();
  const deleted = new Date(Date.now() - (minutesAgo - 5) * MINUTE).toISOString();
  return [
    createKeyRecord({ eventId: `slack-c-${index}`, time: created, identity, accessKeyId, userName: 'bob' }),
    deleteKeyRecord({ eventId: `slack-d-${index}`, time: deleted, identity, accessKeyId, userName: 'bob' }),
  ];
}

describe('serve with Slack', () => {
  let slack: SlackApiFake;
  let emulator: CloudTrailEmulator;
  let folder: string;
  let cloudTrail: CloudTrailClient;
  let service: RunningService;
  let base: string;

  beforeAll(async () => {
    slack = new SlackApiFake({ clock: () => new Date() });
    await slack.start();
    emulator = await CloudTrailEmulator.start({}, keyPair(1, 60));
    folder = mkdtempSync(join(tmpdir(), 'keyhunt-serve-slack-'));
    cloudTrail = new CloudTrailClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'fake-secret-for-the-emulator' },
      maxAttempts: 1,
    });
    const config = loadConfig({
      KEYHUNT_DB_PATH: join(folder, 'keyhunt.json'),
      PORT: '0',
      // A yearly schedule: the test runs polls itself with pollNow.
      KEYHUNT_POLL_CRON: '0 0 1 1 *',
      SLACK_BOT_TOKEN: 'xoxb-1-serve-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      KEYHUNT_SLACK_CHANNEL: CHANNEL,
      SLACK_API_URL: slack.apiUrl,
    });
    service = await startService({
      config,
      logger: silentLogger(),
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
    base = `http://127.0.0.1:${service.port}`;
  });

  afterAll(async () => {
    await service.stop('test end');
    cloudTrail.destroy();
    await emulator.close();
    await slack.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test('start checks the token with auth.test', () => {
    expect(slack.callsTo('auth.test').length).toBeGreaterThanOrEqual(1);
  });

  test('poll posts the finding to the channel', async () => {
    await service.pollNow();
    const posts = findingPosts(slack);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.args.channel).toBe(CHANNEL);
    const text = await service.metrics.render();
    expect(sample(text, 'keyhunt_chat_posts_total{platform="slack"}')).toBe(1);
    expect(sample(text, 'keyhunt_post_failures_total{platform="slack"}')).toBe(0);
  });

  test('signed click is triaged and counted', async () => {
    const metadata = findingPosts(slack)[0]!.args.metadata as { event_payload: { finding_id: string } };
    const findingId = metadata.event_payload.finding_id;
    const message = slack
      .messagesIn(CHANNEL)
      .find((candidate) => JSON.stringify(candidate.metadata ?? {}).includes(findingId))!;
    const ts = message.ts;
    const body = blockActionsBody({
      userId: 'U0TRIAGER1',
      userName: 'triager',
      channelId: CHANNEL,
      messageTs: ts,
      actionId: 'finding.acknowledge',
      value: findingId,
      responseUrl: slack.responseUrl('click'),
    });
    const response = await postSigned(`${base}/slack/events`, body, { secret: SIGNING_SECRET });
    expect(response.status).toBe(200);

    const deadline = Date.now() + 5_000;
    let count: number | undefined;
    while (Date.now() < deadline) {
      count = sample(
        await service.metrics.render(),
        'keyhunt_triage_actions_total{action="acknowledge",platform="slack"}',
      );
      if (count === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(count).toBe(1);
  });

  test('unsigned request is rejected', async () => {
    const response = await postSigned(`${base}/slack/events`, 'payload=%7B%7D', { secret: null });
    expect(response.status).toBe(401);
  });

  test('readyz includes the Slack check', async () => {
    const response = await fetch(`${base}/readyz`);
    const body = (await response.json()) as { checks: Array<{ name: string; ok: boolean }> };
    expect(response.status).toBe(200);
    expect(body.checks.map((check) => [check.name, check.ok])).toEqual([
      ['store', true],
      ['poll', true],
      ['slack', true],
    ]);
  });

  test('failed post shows in metrics and readyz', async () => {
    // Inside the next window, which starts KEYHUNT_DELIVERY_LAG (20 minutes) before the previous one ended.
    emulator.addRecords(keyPair(2, 15));
    slack.failNext('chat.postMessage', { body: { ok: false, error: 'channel_not_found' } });
    await service.pollNow();

    const text = await service.metrics.render();
    expect(sample(text, 'keyhunt_post_failures_total{platform="slack"}')).toBe(1);
    const response = await fetch(`${base}/readyz`);
    const body = (await response.json()) as { failing: string[] };
    expect(response.status).toBe(503);
    expect(body.failing).toEqual(['slack']);
  });

  test('next successful post makes it ready again', async () => {
    await service.pollNow();
    const text = await service.metrics.render();
    expect(sample(text, 'keyhunt_chat_posts_total{platform="slack"}')).toBe(2);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });
});
