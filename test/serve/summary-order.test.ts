/**
 * The daily summary catch-up at the first start of `keyhunt serve` after the summary time: it must wait for
 * the startup poll, so it reports that poll's findings and its success. The real Bolt app calls the Slack
 * Web API fake, the real LookupEvents source reads the CloudTrail emulator, and the store is a real file.
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
import { waitFor } from './child.js';

const MINUTE = 60_000;
/** One hour after the default 09:00 UTC summary time, so the summary is due at start. */
const NOW_MS = Date.parse('2025-03-01T10:00:00Z');
const KEY_ID = 'AKIASUMMARYORDER0001';

function keyPair(): Record<string, unknown>[] {
  const identity = iamUser('alice');
  return [
    createKeyRecord({
      eventId: 'order-create',
      time: new Date(NOW_MS - 9 * MINUTE).toISOString(),
      identity,
      accessKeyId: KEY_ID,
      userName: 'bob',
    }),
    deleteKeyRecord({
      eventId: 'order-delete',
      time: new Date(NOW_MS - 4 * MINUTE).toISOString(),
      identity,
      accessKeyId: KEY_ID,
      userName: 'bob',
    }),
  ];
}

describe('serve summary catch-up at first start', () => {
  let slack: SlackApiFake;
  let emulator: CloudTrailEmulator;
  let folder: string;
  let cloudTrail: CloudTrailClient;
  let service: RunningService;

  beforeAll(async () => {
    slack = new SlackApiFake({ clock: () => new Date(NOW_MS) });
    await slack.start();
    emulator = await CloudTrailEmulator.start({ clock: () => NOW_MS }, keyPair());
    folder = mkdtempSync(join(tmpdir(), 'keyhunt-summary-order-'));
    cloudTrail = new CloudTrailClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'fake-secret-for-the-emulator' },
      maxAttempts: 1,
    });
    const config = loadConfig({
      KEYHUNT_DB_PATH: join(folder, 'keyhunt.json'),
      PORT: '0',
      // A yearly schedule, so the startup poll is the only poll.
      KEYHUNT_POLL_CRON: '0 0 1 1 *',
      SLACK_BOT_TOKEN: 'xoxb-1-summary-order',
      SLACK_SIGNING_SECRET: '0123456789abcdef0123456789abcdef',
      KEYHUNT_SLACK_CHANNEL: 'C0SUMMARYORD',
      SLACK_API_URL: slack.apiUrl,
    });
    service = await startService({
      config,
      logger: silentLogger(),
      stdout: new PassThrough(),
      clock: () => new Date(NOW_MS),
      dryRun: false,
      host: '127.0.0.1',
      source: new LookupEventsSource({
        client: cloudTrail,
        rateLimiter: new RateLimiter({ requestsPerSecond: 1000 }),
        logger: silentLogger(),
      }),
      drainGraceMs: 500,
    });
  });

  afterAll(async () => {
    await service.stop('test end');
    cloudTrail.destroy();
    await emulator.close();
    await slack.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test('summary counts the startup poll', async () => {
    const summary = await waitFor('the daily summary post', () =>
      slack
        .callsTo('chat.postMessage')
        .map((call) => String(call.args.text))
        .find((text) => text.startsWith('keyhunt daily summary')),
    );
    expect(summary).toBe(
      'keyhunt daily summary for 2025-03-01: 1 finding in the last 24 hours, 1 unacknowledged, no coverage gaps.',
    );
  });

  test('summary names the startup poll as the last success', () => {
    const call = slack
      .callsTo('chat.postMessage')
      .find((candidate) => String(candidate.args.text).startsWith('keyhunt daily summary'));
    const blocks = JSON.stringify(call?.args.blocks ?? null);
    // The startup poll ran at the service clock's time, so it succeeded 0s before the summary.
    expect(blocks).toContain(
      'Last successful poll: <!date^1740823200^{date_num} {time_secs}|2025-03-01T10:00:00.000Z> (0s ago)',
    );
  });
});
