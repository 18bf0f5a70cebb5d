/**
 * Test setup for the Slack side: a finding builder, a real file store in a temp folder and a logger whose
 * lines can be read. The harness runs the real Bolt app behind our HTTP server against the Slack API fake.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Logger } from 'pino';
import { createSlackApp, type CreateSlackAppOptions, type SlackApp } from '../../src/chat/slack/app.js';
import type { SlackConfig } from '../../src/config.js';
import type { ActorSummary, Finding } from '../../src/detect/types.js';
import type { Store, StoredFinding } from '../../src/pipeline/ports.js';
import { createHttpServer } from '../../src/server.js';
import { openStore } from '../../src/store/index.js';
import { SlackApiFake } from './slack-api-fake.js';
import { TEST_SIGNING_SECRET } from './slack-signing.js';

export const CHANNEL_ID = 'CFINDINGS';

function actor(
  arn: string,
  userName: string | null,
  eventId: string,
  overrides: Partial<ActorSummary> = {},
): ActorSummary {
  return {
    arn,
    principalId: 'AIDAEXAMPLEADMIN0001',
    type: 'IAMUser',
    userName,
    sourceIPAddress: '203.0.113.9',
    userAgent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64',
    userAgentClass: 'cli',
    eventId,
    ...overrides,
  };
}

/** Builds a finding like the detector does: admin created and deleted a key of alice within 3m 55s. */
export function sampleFinding(overrides: Partial<Finding> = {}): Finding {
  const counts = { keysCreated: 2, keysDeleted: 2, failedCreates: 0, failedDeletes: 1 };
  return {
    id: 'kh-3f9a2c71d0',
    accessKeyId: 'AKIAEXAMPLE000000001',
    userName: 'alice',
    accountId: '111122223333',
    region: 'us-east-1',
    createdAt: '2025-03-01T10:00:05Z',
    deletedAt: '2025-03-01T10:04:00Z',
    lifetimeSeconds: 235,
    creator: actor('arn:aws:iam::111122223333:user/admin', 'admin', 'create-1'),
    deleter: actor('arn:aws:iam::111122223333:user/admin', 'admin', 'delete-1'),
    creatorIsDeleter: true,
    createdForAnotherUser: true,
    rootInvolved: false,
    userCounts: counts,
    creatorCounts: { keysCreated: 3, keysDeleted: 3, failedCreates: 1, failedDeletes: 0 },
    deleterCounts: counts,
    usage: {
      available: true,
      count: 2,
      eventNames: ['ListBuckets', 'GetCallerIdentity'],
      sourceIPAddresses: ['198.51.100.20'],
      firstUsedAt: '2025-03-01T10:01:00Z',
      lastUsedAt: '2025-03-01T10:02:30Z',
    },
    mitre: [{ id: 'T1098.001', name: 'Account Manipulation: Additional Cloud Credentials' }],
    severity: 'high',
    severityReasons: ['The key lived 3m 55s, under 1 hour', 'The key was used in 2 calls'],
    ...overrides,
  };
}

/** Wraps a finding as stored, open and unposted. */
export function storedFinding(finding: Finding, storedAt = '2025-03-01T10:20:00Z'): StoredFinding {
  return {
    finding,
    state: 'open',
    resolution: null,
    history: [],
    storedAt,
    updatedAt: storedAt,
    slack: null,
    teams: {},
  };
}

export async function makeTempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'keyhunt-slack-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** Creates a debug-level logger that keeps every line as parsed JSON. */
export function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = { write: (line: string): void => void lines.push(JSON.parse(line) as LogLine) };
  return { logger: pino({ level: 'debug' }, destination), lines };
}

export function testSlackConfig(apiUrl: string, overrides: Partial<SlackConfig> = {}): SlackConfig {
  return {
    botToken: 'xoxb-test-token-not-secret',
    signingSecret: TEST_SIGNING_SECRET,
    appToken: null,
    channelId: CHANNEL_ID,
    apiUrl,
    triagers: [],
    escalationMention: null,
    escalationChannelId: null,
    ...overrides,
  };
}

export interface SlackHarness {
  fake: SlackApiFake;
  store: Store;
  slack: SlackApp;
  /** POST URL of the Slack endpoint on our server. */
  eventsUrl: string;
  logs: LogLine[];
  /** Stops the app and server; `keepFake` leaves the fake and the store folder for a second app. */
  close(options?: { keepFake?: boolean }): Promise<void>;
}

export interface HarnessOptions {
  config?: Partial<SlackConfig>;
  findings?: StoredFinding[];
  fake?: SlackApiFake;
  storeDir?: string;
  app?: Partial<Omit<CreateSlackAppOptions, 'config' | 'store' | 'logger'>>;
}

/** Starts the fake Slack API, a store, the Slack app and our HTTP server with the app's routes. */
export async function startSlackHarness(options: HarnessOptions = {}): Promise<SlackHarness> {
  const fake = options.fake ?? new SlackApiFake();
  if (!options.fake) await fake.start();
  const temp = options.storeDir ? null : await makeTempDir();
  const dir = options.storeDir ?? temp!.dir;
  const { logger, lines } = recordingLogger();
  const store = await openStore({ path: join(dir, 'keyhunt.json'), logger });
  if (options.findings) {
    await store.update((data) => {
      for (const stored of options.findings!) data.findings[stored.finding.id] = structuredClone(stored);
    });
  }

  const slack = createSlackApp({
    config: testSlackConfig(fake.apiUrl, options.config),
    store,
    logger,
    retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 50 },
    slackRetry: { attempts: 2, retryDelayMs: 10 },
    channelPostIntervalMs: 0,
    ...options.app,
  });
  await slack.start();
  const server = createHttpServer(slack.routes, logger);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    fake,
    store,
    slack,
    eventsUrl: `http://127.0.0.1:${port}/slack/events`,
    logs: lines,
    async close(closeOptions = {}) {
      await slack.stop();
      await closeServer(server);
      await store.close();
      if (!closeOptions.keepFake) {
        if (!options.fake) await fake.close();
        await temp?.remove();
      }
    },
  };
}

function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/** Waits until `condition` holds, checking every 10 ms, or fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
