import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';

import { silentLogger } from '../../src/log.js';
import { createCloudTrailClient } from '../../src/sources/lookup-client.js';
import { backoffDelayMs, DEFAULT_LOOKUP_RETRY, LookupEventsSource } from '../../src/sources/lookup-events.js';
import type { LookupEventsSourceOptions } from '../../src/sources/lookup-events.js';
import { RateLimiter } from '../../src/sources/rate-limiter.js';
import { CloudTrailEmulator } from '../support/cloudtrail-emulator.js';
import { createKeyRecord, deleteKeyRecord, iamUser, useRecord } from '../support/records.js';

const NOW = Date.parse('2024-03-01T12:00:00Z');
const MINUTE = 60_000;
const TEST_CREDENTIALS = { accessKeyId: 'AKIDLOOKUPTEST', secretAccessKey: 'lookup-test-secret' };

let emulator: CloudTrailEmulator;
let client: CloudTrailClient;
let sleeps: number[];

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function createRecord(accessKeyId: string, timeMs: number, eventId: string) {
  return createKeyRecord({
    accessKeyId,
    time: iso(timeMs),
    eventId,
    identity: iamUser('admin'),
    userName: 'ci',
  });
}

function deleteRecord(accessKeyId: string, timeMs: number, eventId: string) {
  return deleteKeyRecord({
    accessKeyId,
    time: iso(timeMs),
    eventId,
    identity: iamUser('admin'),
    userName: 'ci',
  });
}

function createSource(overrides: Partial<LookupEventsSourceOptions> = {}): LookupEventsSource {
  return new LookupEventsSource({
    client,
    rateLimiter: new RateLimiter({ requestsPerSecond: 1000 }),
    logger: silentLogger(),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  });
}

beforeAll(async () => {
  emulator = await CloudTrailEmulator.start({ clock: () => NOW });
  client = createCloudTrailClient({
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    credentials: TEST_CREDENTIALS,
  });
});

afterAll(async () => {
  client.destroy();
  await emulator.close();
});

beforeEach(() => {
  sleeps = [];
  emulator.calls.length = 0;
});

describe('LookupEventsSource.readKeyEvents', () => {
  beforeAll(() => {
    const creates = Array.from({ length: 120 }, (_, i) =>
      createRecord(`AKIAPAGE${String(i).padStart(12, '0')}`, NOW - (i + 1) * MINUTE, `create-${i}`),
    );
    emulator.addRecords([...creates, deleteRecord('AKIAPAGE000000000000', NOW - 30 * MINUTE, 'delete-0')]);
  });

  it('reads creates and deletes with one query each', async () => {
    const read = await createSource().readKeyEvents(NOW - 200 * MINUTE, NOW);

    expect(read.complete).toBe(true);
    expect(read.events).toHaveLength(121);
    expect(
      read.events.filter((event) => event.eventName === 'DeleteAccessKey').map((event) => event.eventId),
    ).toEqual(['delete-0']);
    expect(read.pages).toBe(4);
    expect(read.requests).toBe(4);
  });

  it('follows NextToken with frozen parameters', async () => {
    await createSource().readKeyEvents(NOW - 200 * MINUTE, NOW);

    const createCalls = emulator.calls.slice(0, 3).map((call) => call.input);
    expect(createCalls.map((input) => input?.NextToken === undefined)).toEqual([true, false, false]);
    for (const input of createCalls) {
      expect(input).toMatchObject({
        StartTime: (NOW - 200 * MINUTE) / 1000,
        EndTime: NOW / 1000,
        MaxResults: 50,
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateAccessKey' }],
      });
    }
    expect(emulator.calls[3]?.input?.LookupAttributes).toEqual([
      { AttributeKey: 'EventName', AttributeValue: 'DeleteAccessKey' },
    ]);
  });

  it('returns the parsed event fields', async () => {
    const read = await createSource().readKeyEvents(NOW - 30 * MINUTE, NOW - 30 * MINUTE);
    const event = read.events.find((candidate) => candidate.eventId === 'delete-0');

    expect(event?.eventName).toBe('DeleteAccessKey');
    expect(event?.eventTime).toBe(NOW - 30 * MINUTE);
    expect(JSON.parse(event?.cloudTrailEvent ?? 'null')).toMatchObject({ eventID: 'delete-0' });
  });

  it('widens a range to whole seconds', async () => {
    await createSource().readKeyEvents(NOW - 1500, NOW - 500);

    expect(emulator.calls[0]?.input).toMatchObject({ StartTime: (NOW - 2000) / 1000, EndTime: NOW / 1000 });
  });

  it('retries throttling with full-jitter backoff', async () => {
    emulator.failNext(3, 'throttling');

    const read = await createSource().readKeyEvents(NOW - 200 * MINUTE, NOW);

    expect(read.complete).toBe(true);
    expect(read.events).toHaveLength(121);
    expect(read.throttles).toBe(3);
    expect(read.retries).toBe(3);
    expect(sleeps).toEqual([250, 500, 1000]);
  });

  it('retries 5xx and connection resets', async () => {
    emulator.failNext(1, 'internal-error');
    emulator.failNext(1, 'service-unavailable');
    emulator.failNext(1, 'connection-reset');

    const read = await createSource().readKeyEvents(NOW - 200 * MINUTE, NOW);

    expect(read.complete).toBe(true);
    expect(read.throttles).toBe(0);
    expect(read.retries).toBe(3);
  });

  it('reports an incomplete read when retries run out', async () => {
    emulator.failNext(1, 'internal-error');
    emulator.failNext(4, 'throttling');

    const read = await createSource({ retry: { maxAttempts: 5 } }).readKeyEvents(NOW - 200 * MINUTE, NOW);

    expect(read.complete).toBe(false);
    expect(read.failure?.code).toBe('LOOKUP_THROTTLED');
    expect(read.failure?.message).toMatch(/still throttled after 5 attempts/);
    expect(read.requests).toBe(5);
    expect(read.throttles).toBe(4);
    expect(emulator.calls).toHaveLength(5);
  });

  it('does not retry a denied request', async () => {
    emulator.failNext(1, 'access-denied');

    const read = await createSource().readKeyEvents(NOW - 200 * MINUTE, NOW);

    expect(read.complete).toBe(false);
    expect(read.failure?.code).toBe('LOOKUP_DENIED');
    expect(read.failure?.message).toMatch(/cloudtrail:LookupEvents/);
    expect(read.requests).toBe(1);
  });

  it('keeps events of pages read before a failure', async () => {
    emulator.failNext(1, 'internal-error', 2);

    const read = await createSource({ retry: { maxAttempts: 1 } }).readKeyEvents(NOW - 200 * MINUTE, NOW);

    expect(read.complete).toBe(false);
    expect(read.failure?.code).toBe('LOOKUP_UNAVAILABLE');
    expect(read.events).toHaveLength(100);
    expect(read.pages).toBe(2);
  });
});

describe('LookupEventsSource.lookupKeyUses', () => {
  const keyId = 'AKIAUSEDKEY000000001';

  beforeAll(() => {
    emulator.addRecords([
      useRecord(keyId, 'use-2', iso(NOW - 5 * MINUTE), 'GetCallerIdentity', '203.0.113.9'),
      useRecord(keyId, 'use-1', iso(NOW - 9 * MINUTE), 'ListBuckets', '203.0.113.8'),
      useRecord('AKIAOTHERKEY00000001', 'other-use', iso(NOW - 6 * MINUTE), 'ListBuckets', '203.0.113.8'),
    ]);
  });

  it('returns uses of the key, oldest first', async () => {
    const read = await createSource().lookupKeyUses(keyId, NOW - 10 * MINUTE, NOW);

    expect(read.uses?.map((use) => use.eventId)).toEqual(['use-1', 'use-2']);
    expect(read.uses?.[0]).toMatchObject({
      accessKeyId: keyId,
      eventName: 'ListBuckets',
      sourceIPAddress: '203.0.113.8',
    });
    expect(emulator.calls[0]?.input?.LookupAttributes).toEqual([
      { AttributeKey: 'AccessKeyId', AttributeValue: keyId },
    ]);
  });

  it('returns null uses when the read fails', async () => {
    emulator.failNext(2, 'throttling');

    const read = await createSource({ retry: { maxAttempts: 2 } }).lookupKeyUses(
      keyId,
      NOW - 10 * MINUTE,
      NOW,
    );

    expect(read.uses).toBeNull();
    expect(read.failure?.code).toBe('LOOKUP_THROTTLED');
  });
});

describe('shared rate limiter', () => {
  it('spaces requests of two sources', async () => {
    const rateLimiter = new RateLimiter({ requestsPerSecond: 10 });
    const poller = createSource({ rateLimiter });
    const enrichment = createSource({ rateLimiter });

    await Promise.all([
      poller.readKeyEvents(NOW - MINUTE, NOW),
      enrichment.lookupKeyUses('AKIAUSEDKEY000000001', NOW - MINUTE, NOW),
      enrichment.lookupKeyUses('AKIAUSEDKEY000000001', NOW - MINUTE, NOW),
    ]);

    const times = emulator.calls.map((call) => call.receivedAt);
    expect(times).toHaveLength(4);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(90);
  });
});

describe('backoffDelayMs', () => {
  it('caps the exponential ceiling', () => {
    const delays = [1, 2, 3, 6, 7, 8].map((retry) =>
      backoffDelayMs(retry, DEFAULT_LOOKUP_RETRY, () => 0.999999),
    );

    expect(delays).toEqual([499, 999, 1999, 15999, 19999, 19999]);
  });

  it('draws from zero upward', () => {
    expect(backoffDelayMs(4, DEFAULT_LOOKUP_RETRY, () => 0)).toBe(0);
  });
});

describe('createCloudTrailClient', () => {
  it('keeps the given Region over AWS_REGION', async () => {
    const saved = process.env.AWS_REGION;
    process.env.AWS_REGION = 'eu-west-1';
    try {
      const regional = createCloudTrailClient({ region: 'us-east-1', credentials: TEST_CREDENTIALS });

      expect(await regional.config.region()).toBe('us-east-1');
      expect(await regional.config.maxAttempts()).toBe(1);
      regional.destroy();
    } finally {
      if (saved === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = saved;
    }
  });
});
