/**
 * Aborting a LookupEvents read: the real SDK client against the CloudTrail emulator, or against a local server
 * that never answers, with the real timers. Each abort must end the read at once with LOOKUP_ABORTED.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';

import { silentLogger } from '../../src/log.js';
import { createCloudTrailClient } from '../../src/sources/lookup-client.js';
import { LookupEventsSource } from '../../src/sources/lookup-events.js';
import type { LookupEventsSourceOptions } from '../../src/sources/lookup-events.js';
import { RateLimiter } from '../../src/sources/rate-limiter.js';
import { CloudTrailEmulator } from '../support/cloudtrail-emulator.js';

const NOW = Date.parse('2024-03-01T12:00:00Z');
const HOUR = 3_600_000;
const CREDENTIALS = { accessKeyId: 'AKIDABORTTEST', secretAccessKey: 'abort-test-secret' };
/** A read that ends later than this after the abort did not stop at once. */
const PROMPT_MS = 1_000;

let emulator: CloudTrailEmulator;
let client: CloudTrailClient;

function createSource(overrides: Partial<LookupEventsSourceOptions> = {}): LookupEventsSource {
  return new LookupEventsSource({
    client,
    rateLimiter: new RateLimiter({ requestsPerSecond: 1000 }),
    logger: silentLogger(),
    // Backoff of about 30 s with the real timer, so only the abort can end the wait quickly.
    retry: { baseDelayMs: 30_000, maxDelayMs: 30_000, maxAttempts: 3 },
    random: () => 0.99,
    ...overrides,
  });
}

async function waitUntil(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Aborts `controller` and returns how long `read` took to settle after that. */
async function abortAndTime<T>(controller: AbortController, read: Promise<T>): Promise<[T, number]> {
  const abortedAt = performance.now();
  controller.abort();
  const result = await read;
  return [result, performance.now() - abortedAt];
}

beforeAll(async () => {
  emulator = await CloudTrailEmulator.start({ clock: () => NOW });
  client = createCloudTrailClient({
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    credentials: CREDENTIALS,
  });
});

afterAll(async () => {
  client.destroy();
  await emulator.close();
});

beforeEach(() => {
  emulator.calls.length = 0;
});

describe('aborting LookupEventsSource reads', () => {
  it('stops a retry backoff at once', async () => {
    emulator.failNext(1, 'internal-error');
    const controller = new AbortController();
    const reading = createSource().readKeyEvents(NOW - HOUR, NOW, controller.signal);
    await waitUntil(() => emulator.calls.length === 1);

    const [read, elapsedMs] = await abortAndTime(controller, reading);

    expect(elapsedMs).toBeLessThan(PROMPT_MS);
    expect(read.complete).toBe(false);
    expect(read.failure?.code).toBe('LOOKUP_ABORTED');
    expect(read.requests).toBe(1);
    expect(read.retries).toBe(1);
    expect(emulator.calls).toHaveLength(1);
  });

  it('stops a rate limiter wait at once', async () => {
    const rateLimiter = new RateLimiter({ requestsPerSecond: 0.1 });
    await rateLimiter.acquire();
    const controller = new AbortController();
    const reading = createSource({ rateLimiter }).lookupKeyUses(
      'AKIAABORTED000000001',
      NOW - HOUR,
      NOW,
      controller.signal,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));

    const [read, elapsedMs] = await abortAndTime(controller, reading);

    expect(elapsedMs).toBeLessThan(PROMPT_MS);
    expect(read.uses).toBeNull();
    expect(read.failure?.code).toBe('LOOKUP_ABORTED');
    expect(read.requests).toBe(0);
    expect(emulator.calls).toEqual([]);
  });

  it('sends nothing when already aborted', async () => {
    const read = await createSource().readKeyEvents(NOW - HOUR, NOW, AbortSignal.abort());
    expect(read.failure?.code).toBe('LOOKUP_ABORTED');
    expect(emulator.calls).toEqual([]);
  });

  it('reads normally with a signal that never aborts', async () => {
    const read = await createSource().readKeyEvents(NOW - HOUR, NOW, new AbortController().signal);
    expect(read.complete).toBe(true);
    expect(read.failure).toBeNull();
  });
});

describe('aborting a request in flight', () => {
  let server: http.Server;
  let silentClient: CloudTrailClient;
  let received = 0;

  beforeAll(async () => {
    // Accepts every request and never answers, like an endpoint that hangs.
    server = http.createServer((request) => {
      received += 1;
      request.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    silentClient = createCloudTrailClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: CREDENTIALS,
    });
  });

  afterAll(async () => {
    silentClient.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('cancels the request at once', async () => {
    const controller = new AbortController();
    const reading = createSource({ client: silentClient }).readKeyEvents(NOW - HOUR, NOW, controller.signal);
    await waitUntil(() => received === 1);

    const [read, elapsedMs] = await abortAndTime(controller, reading);

    expect(elapsedMs).toBeLessThan(PROMPT_MS);
    expect(read.failure?.code).toBe('LOOKUP_ABORTED');
    expect(read.retries).toBe(0);
    expect(received).toBe(1);
  });
});
