import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import type { LookupEventsCommandInput } from '@aws-sdk/client-cloudtrail';

import { CloudTrailEmulator, HISTORY_MS, seededRandom } from './cloudtrail-emulator.js';
import { createKeyRecord, deleteKeyRecord, iamUser, useRecord } from './records.js';

const NOW = Date.parse('2024-03-01T12:00:00Z');
const MINUTE = 60_000;
const DATASET_DIR = path.resolve('../shared/datasets/invictus-aws-dataset');

let now = NOW;
let emulator: CloudTrailEmulator;
let client: CloudTrailClient;

function at(minutesBeforeNow: number): number {
  return NOW - minutesBeforeNow * MINUTE;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function createRecord(accessKeyId: string, timeMs: number, eventId: string, userName = 'ci-deployer') {
  return createKeyRecord({ accessKeyId, time: iso(timeMs), eventId, identity: iamUser('admin'), userName });
}

function deleteRecord(accessKeyId: string, timeMs: number, eventId: string) {
  return deleteKeyRecord({
    accessKeyId,
    time: iso(timeMs),
    eventId,
    identity: iamUser('admin'),
    userName: 'ci-deployer',
  });
}

async function lookup(input: LookupEventsCommandInput) {
  return client.send(new LookupEventsCommand(input));
}

async function lookupError(
  input: LookupEventsCommandInput,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await lookup(input);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected LookupEvents to fail');
}

beforeEach(async () => {
  now = NOW;
  emulator = await CloudTrailEmulator.start({ clock: () => now });
  client = new CloudTrailClient({
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: 'AKIDEMULATORTEST', secretAccessKey: 'emulator-test-secret' },
    maxAttempts: 1,
  });
});

afterEach(async () => {
  client.destroy();
  await emulator.close();
});

describe('CloudTrailEmulator LookupEvents', () => {
  it('returns newest first, range inclusive', async () => {
    emulator.addRecords([
      createRecord('AKIAEXAMPLEKEY000001', at(30), 'e-30'),
      createRecord('AKIAEXAMPLEKEY000002', at(20), 'e-20'),
      createRecord('AKIAEXAMPLEKEY000003', at(10), 'e-10'),
      createRecord('AKIAEXAMPLEKEY000004', at(5), 'e-5'),
    ]);

    const output = await lookup({ StartTime: new Date(at(20)), EndTime: new Date(at(10)), MaxResults: 50 });

    expect(output.Events?.map((event) => event.EventId)).toEqual(['e-10', 'e-20']);
    expect(output.NextToken).toBeUndefined();
  });

  it('returns the Events fields the SDK parses', async () => {
    const record = createRecord('AKIAEXAMPLEKEY000001', at(3), 'e-1', 'bob');
    emulator.addRecords([record]);

    const event = (await lookup({ StartTime: new Date(at(10)), EndTime: new Date(NOW) })).Events?.[0];

    expect(event?.EventName).toBe('CreateAccessKey');
    expect(event?.EventTime).toEqual(new Date(at(3)));
    expect(event?.ReadOnly).toBe('false');
    expect(event?.Username).toBe('admin');
    expect(event?.AccessKeyId).toBe('ASIAEXAMPLESESSION01');
    expect(event?.Resources).toEqual([
      { ResourceType: 'AWS::IAM::AccessKey', ResourceName: 'AKIAEXAMPLEKEY000001' },
      { ResourceType: 'AWS::IAM::User', ResourceName: 'bob' },
    ]);
    expect(JSON.parse(event?.CloudTrailEvent ?? 'null')).toEqual(record);
  });

  it('filters by EventName and by AccessKeyId', async () => {
    emulator.addRecords([
      createRecord('AKIAEXAMPLEKEY000001', at(9), 'create'),
      deleteRecord('AKIAEXAMPLEKEY000001', at(8), 'delete'),
      useRecord('AKIAEXAMPLEKEY000001', 'use', iso(at(7)), 'ListBuckets', '203.0.113.50'),
    ]);
    const range = { StartTime: new Date(at(60)), EndTime: new Date(NOW) };

    const deletes = await lookup({
      ...range,
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'DeleteAccessKey' }],
    });
    const uses = await lookup({
      ...range,
      LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: 'AKIAEXAMPLEKEY000001' }],
    });

    expect(deletes.Events?.map((event) => event.EventId)).toEqual(['delete']);
    expect(uses.Events?.map((event) => event.EventId)).toEqual(['use']);
  });

  it('rejects invalid parameters as AWS does', async () => {
    const twoAttributes = await lookupError({
      LookupAttributes: [
        { AttributeKey: 'EventName', AttributeValue: 'CreateAccessKey' },
        { AttributeKey: 'Username', AttributeValue: 'admin' },
      ],
    });
    const badKey = await lookupError({
      LookupAttributes: [{ AttributeKey: 'UserAgent' as 'Username', AttributeValue: 'x' }],
    });
    const tooMany = await lookupError({ MaxResults: 51 });
    const reversed = await lookupError({ StartTime: new Date(NOW), EndTime: new Date(at(1)) });

    expect(twoAttributes.name).toBe('InvalidLookupAttributesException');
    expect(badKey.name).toBe('InvalidLookupAttributesException');
    expect(tooMany.name).toBe('InvalidMaxResultsException');
    expect(reversed.name).toBe('InvalidTimeRangeException');
  });

  it('pages and rejects a reused token', async () => {
    emulator.addRecords(
      Array.from({ length: 120 }, (_, i) =>
        createRecord(`AKIAEXAMPLEKEY${String(i).padStart(6, '0')}`, at(i + 1), `e-${i}`),
      ),
    );
    const input = { StartTime: new Date(at(500)), EndTime: new Date(NOW), MaxResults: 50 };

    const first = await lookup(input);
    const second = await lookup({ ...input, NextToken: first.NextToken });
    const third = await lookup({ ...input, NextToken: second.NextToken });
    const changed = await lookupError({ ...input, EndTime: new Date(at(1)), NextToken: first.NextToken });

    expect(first.Events).toHaveLength(50);
    expect(second.Events?.[0]?.EventId).toBe('e-50');
    expect(third.Events).toHaveLength(20);
    expect(third.NextToken).toBeUndefined();
    expect(changed.name).toBe('InvalidNextTokenException');
  });

  it('throttles above the request rate', async () => {
    emulator.setMaxRequestsPerSecond(2);

    const results = await Promise.allSettled([lookup({}), lookup({}), lookup({}), lookup({})]);
    const rejected = results.filter(
      (result): result is PromiseRejectedResult => result.status === 'rejected',
    );

    expect(rejected).toHaveLength(2);
    expect((rejected[0]?.reason as Error).name).toBe('ThrottlingException');
    expect((rejected[0]?.reason as Error).message).toBe('Rate exceeded');
    expect(emulator.calls.filter((call) => call.status === 400)).toHaveLength(2);
  });

  it('fails the next requests with injected faults', async () => {
    emulator.failNext(1, 'internal-error');
    emulator.failNext(1, 'service-unavailable');
    emulator.failNext(1, 'connection-reset');

    const internal = await lookupError({});
    const unavailable = await lookupError({});
    const reset = await lookupError({});
    const recovered = await lookup({});

    expect(internal.$metadata?.httpStatusCode).toBe(500);
    expect(unavailable.$metadata?.httpStatusCode).toBe(503);
    expect(reset.message).toMatch(/socket hang up/);
    expect(recovered.Events).toEqual([]);
    expect(emulator.calls.map((call) => call.errorType)).toEqual([
      'InternalFailure',
      'ServiceUnavailable',
      'connection-reset',
      null,
    ]);
  });

  it('draws random failures from the seed', async () => {
    await emulator.close();
    emulator = await CloudTrailEmulator.start({ failureProbability: 0.5, seed: 42 });
    client.destroy();
    client = new CloudTrailClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: { accessKeyId: 'AKIDEMULATORTEST', secretAccessKey: 'emulator-test-secret' },
      maxAttempts: 1,
    });
    const draws = seededRandom(42);
    const expected = Array.from({ length: 8 }, () => (draws() < 0.5 ? 500 : 200));

    for (let i = 0; i < 8; i++) await lookup({}).catch(() => undefined);

    expect(emulator.calls.map((call) => call.status)).toEqual(expected);
  });

  it('hides a late record until the emulator clock reaches it', async () => {
    emulator.addRecords([createRecord('AKIAEXAMPLEKEY000001', at(20), 'late')], {
      visibleAtMs: at(5),
    });
    const input = { StartTime: new Date(at(60)), EndTime: new Date(NOW) };

    now = at(6);
    const before = await lookup(input);
    now = at(5);
    const after = await lookup(input);

    expect(before.Events).toEqual([]);
    expect(after.Events?.map((event) => event.EventId)).toEqual(['late']);
  });

  it('keeps 90 days of history', async () => {
    emulator.addRecords([
      createRecord('AKIAEXAMPLEKEY000001', NOW - HISTORY_MS - MINUTE, 'expired'),
      createRecord('AKIAEXAMPLEKEY000002', NOW - HISTORY_MS + MINUTE, 'kept'),
    ]);

    const output = await lookup({ StartTime: new Date(0), EndTime: new Date(NOW) });

    expect(output.Events?.map((event) => event.EventId)).toEqual(['kept']);
  });

  it('records each call with its input', async () => {
    await lookup({ StartTime: new Date(at(10)), EndTime: new Date(NOW), MaxResults: 7 });

    expect(emulator.calls).toHaveLength(1);
    expect(emulator.calls[0]?.target).toBe('CloudTrail_20131101.LookupEvents');
    expect(emulator.calls[0]?.input).toEqual({
      StartTime: at(10) / 1000,
      EndTime: NOW / 1000,
      MaxResults: 7,
    });
  });

  const itWithDataset = existsSync(DATASET_DIR) ? it : it.skip;
  itWithDataset(
    `serves records of a real delivery file (skipped when ${DATASET_DIR} is missing)`,
    async () => {
      now = Date.parse('2023-07-10T13:00:00Z');
      for (const file of readdirSync(DATASET_DIR).filter((name) => name.endsWith('.json'))) {
        emulator.addRecordsFile(path.join(DATASET_DIR, file));
      }

      const creates = await lookup({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateAccessKey' }],
      });

      expect(creates.Events?.map((event) => event.EventTime?.toISOString())).toEqual([
        '2023-07-10T12:24:50.000Z',
        '2023-07-10T12:24:29.000Z',
      ]);
    },
  );
});
