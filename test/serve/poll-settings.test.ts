/**
 * Poll settings that `keyhunt serve` derives from its configuration. The staleness limit follows
 * KEYHUNT_POLL_CRON in `/keyhunt status` as it does in /readyz, so with an hourly poll a success 45 minutes ago
 * is healthy. The real Bolt app receives a signed slash command and calls the Slack Web API fake, and the
 * service clock is moved by the test. KEYHUNT_QUIET_WARNING reaches the poller's quiet-Region warning.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startService, type RunningService } from '../../src/main.js';
import { openStore } from '../../src/store/index.js';
import type { EventRead, KeyEventSource, KeyUseRead } from '../../src/pipeline/ports.js';
import { SlackApiFake } from '../support/slack-api-fake.js';
import { recordingLogger } from '../support/slack-harness.js';
import { postSigned, slashCommandBody } from '../support/slack-signing.js';

const MINUTE = 60_000;
const SIGNING_SECRET = '0123456789abcdef0123456789abcdef';
/** Before the 09:00 summary, so no summary is sent during the test. */
const START_MS = Date.parse('2025-03-01T06:00:00Z');

const emptySource: KeyEventSource = {
  readKeyEvents: async (): Promise<EventRead> => ({
    events: [],
    complete: true,
    failure: null,
    requests: 2,
    pages: 2,
    throttles: 0,
    retries: 0,
  }),
  lookupKeyUses: async (): Promise<KeyUseRead> => ({
    uses: [],
    skipped: 0,
    failure: null,
    requests: 0,
    pages: 0,
    throttles: 0,
    retries: 0,
  }),
};

describe('serve poll staleness', () => {
  let slack: SlackApiFake;
  let folder: string;
  let service: RunningService | undefined;
  let nowMs = START_MS;

  beforeAll(async () => {
    slack = new SlackApiFake();
    await slack.start();
    folder = mkdtempSync(join(tmpdir(), 'keyhunt-serve-stale-'));
    const config = loadConfig({
      KEYHUNT_DB_PATH: join(folder, 'keyhunt.json'),
      PORT: '0',
      KEYHUNT_POLL_CRON: '0 * * * *',
      SLACK_BOT_TOKEN: 'xoxb-1-stale-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      KEYHUNT_SLACK_CHANNEL: 'C0STALETEST',
      SLACK_API_URL: slack.apiUrl,
    });
    service = await startService({
      config,
      logger: silentLogger(),
      stdout: new PassThrough(),
      clock: () => new Date(nowMs),
      dryRun: false,
      host: '127.0.0.1',
      source: emptySource,
      drainGraceMs: 500,
    });
    await service.pollNow();
  });

  afterAll(async () => {
    await service?.stop('test end');
    await slack.close();
    rmSync(folder, { recursive: true, force: true });
  });

  async function status(): Promise<string> {
    const url = `http://127.0.0.1:${service!.port}/slack/events`;
    const body = slashCommandBody({ text: 'status', responseUrl: slack.responseUrl('status') });
    const response = await postSigned(url, body, { secret: SIGNING_SECRET });
    expect(response.status).toBe(200);
    return (JSON.parse(response.text) as { text: string }).text;
  }

  test('status is healthy within 3 poll intervals', async () => {
    nowMs = START_MS + 45 * MINUTE;
    expect(await status()).toMatch(/^keyhunt status: poller healthy;/);
  });

  test('status is stale after 3 poll intervals', async () => {
    nowMs = START_MS + 3 * 60 * MINUTE + MINUTE;
    expect(await status()).toMatch(/^keyhunt status: poller has coverage gaps;/);
  });
});

describe('serve quiet warning', () => {
  test('KEYHUNT_QUIET_WARNING sets the warning age', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'keyhunt-serve-quiet-'));
    const storePath = join(folder, 'keyhunt.json');
    const seeded = await openStore({ path: storePath, logger: silentLogger() });
    await seeded.update((data) => {
      data.poll.health.firstAttemptAt = new Date(START_MS - 2 * 60 * MINUTE).toISOString();
    });
    await seeded.close();
    const { logger, lines } = recordingLogger();
    const config = loadConfig({
      KEYHUNT_DB_PATH: storePath,
      PORT: '0',
      KEYHUNT_POLL_CRON: '0 0 1 1 *',
      KEYHUNT_QUIET_WARNING: '1h',
    });
    const quietService = await startService({
      config,
      logger,
      stdout: new PassThrough(),
      clock: () => new Date(START_MS),
      dryRun: true,
      host: '127.0.0.1',
      source: emptySource,
    });
    try {
      await quietService.pollNow();
    } finally {
      await quietService.stop('test end');
      rmSync(folder, { recursive: true, force: true });
    }

    const warnings = lines.filter((line) => line.level === 40 && line.msg.startsWith('No CreateAccessKey'));
    expect(warnings.map((line) => line.since)).toEqual(['2025-03-01T04:00:00Z']);
  });
});
