import { Detector, HOUR_MS } from '../../src/detect/index.js';
import type { DetectorOptions } from '../../src/detect/index.js';
import { RecordBatchBuilder, summarizeRecord } from '../../src/detect/record-summary.js';
import type { RecordBatch } from '../../src/detect/record-summary.js';
import { createKeyRecord, deleteKeyRecord, iamUser, useRecord } from '../support/records.js';

const OPTIONS: DetectorOptions = { thresholdMs: 24 * HOUR_MS };
const KEY = 'AKIAEXAMPLEKEY000001';

function uuid(counter: number): string {
  return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
}

/** Builds a CreateAccessKey call made with a long-term key, whose record is both a key event and a key use. */
function createWithLongTermKey(eventId: string, time: string): Record<string, unknown> {
  const record = createKeyRecord({
    eventId,
    time,
    identity: iamUser('admin'),
    accessKeyId: 'AKIAEXAMPLEKEY000002',
    userName: 'carol',
  });
  return { ...record, userIdentity: { ...iamUser('admin'), accessKeyId: KEY } };
}

const RECORDS: unknown[] = [
  createKeyRecord({
    eventId: uuid(1),
    time: '2024-03-01T10:00:00Z',
    identity: iamUser('admin'),
    accessKeyId: KEY,
    userName: 'bob',
  }),
  useRecord(KEY, uuid(2), '2024-03-01T10:01:00Z', 'ListBuckets', '192.0.2.1'),
  useRecord(KEY, uuid(2), '2024-03-01T10:01:00Z', 'ListBuckets', '192.0.2.1'),
  useRecord(KEY, 'not-a-uuid', '2024-03-01T10:02:00Z', 'GetObject', '192.0.2.2'),
  useRecord('ASIAEXAMPLESESSION01', uuid(3), '2024-03-01T10:03:00Z', 'ListUsers', '192.0.2.3'),
  createWithLongTermKey(uuid(4), '2024-03-01T10:04:00Z'),
  createWithLongTermKey(uuid(4), '2024-03-01T10:04:00Z'),
  { eventName: 'DeleteAccessKey', eventTime: '2024-03-01T10:05:00Z' },
  { eventName: 'CreateAccessKey', eventID: uuid(5), eventTime: '2024-03-01T10:05:00Z' },
  null,
  'odd',
  useRecord(KEY, uuid(6), '2024-02-01T00:00:00Z', 'ListBuckets', '192.0.2.9'),
  deleteKeyRecord({
    eventId: uuid(7),
    time: '2024-03-01T10:30:00Z',
    identity: iamUser('admin'),
    accessKeyId: KEY,
    userName: 'bob',
  }),
  deleteKeyRecord({
    eventId: uuid(8),
    time: '2024-03-01T11:00:00Z',
    identity: iamUser('admin'),
    accessKeyId: 'AKIAEXAMPLEKEY000002',
    userName: 'carol',
  }),
];

/** Summarizes the records into batches of `size` records. */
function batches(records: unknown[], options: DetectorOptions, size: number): RecordBatch[] {
  const builder = new RecordBatchBuilder();
  const result: RecordBatch[] = [];
  for (const record of records) {
    builder.add(summarizeRecord(record, options));
    if (builder.size === size) result.push(builder.take());
  }
  if (builder.size > 0) result.push(builder.take());
  return result;
}

describe('summarizeRecord', () => {
  test('record without a time', () => {
    expect(summarizeRecord({ eventName: 'ListBuckets' }, OPTIONS)).toEqual({
      skip: 'missing-event-id',
      counted: 'missing-event-id',
      keyEvent: null,
      use: null,
    });
  });

  test('record outside the time range', () => {
    const summary = summarizeRecord(RECORDS[0], { ...OPTIONS, fromMs: Date.parse('2024-03-02T00:00:00Z') });
    expect(summary).toEqual({ skip: null, counted: 'outside-time-range', keyEvent: null, use: null });
  });

  test('use of a temporary key dropped', () => {
    expect(summarizeRecord(RECORDS[4], OPTIONS).use).toBeNull();
  });

  test('use of a long-term key kept', () => {
    expect(summarizeRecord(RECORDS[1], OPTIONS).use?.eventId).toBe(uuid(2));
  });

  test('key event made with a long-term key', () => {
    const summary = summarizeRecord(RECORDS[5], OPTIONS);
    expect(summary.keyEvent?.accessKeyId).toBe('AKIAEXAMPLEKEY000002');
    expect(summary.use?.accessKeyId).toBe(KEY);
  });
});

describe('Detector.addBatch', () => {
  const ranges: Array<[string, DetectorOptions]> = [
    ['all times', OPTIONS],
    ['from March', { ...OPTIONS, fromMs: Date.parse('2024-03-01T00:00:00Z') }],
    ['until 10:02', { ...OPTIONS, toMs: Date.parse('2024-03-01T10:02:00Z') }],
  ];

  test.each(ranges)('batches match records one by one (%s)', (_name, options) => {
    const oneByOne = new Detector(options);
    for (const record of RECORDS) oneByOne.add(record);
    const expected = oneByOne.finish();

    for (const size of [1, 3, RECORDS.length]) {
      const batched = new Detector(options);
      for (const batch of batches(RECORDS, options, size)) batched.addBatch(batch);
      expect(batched.finish()).toEqual(expected);
    }
  });

  test('duplicates and usage counted', () => {
    const detector = new Detector(OPTIONS);
    for (const batch of batches(RECORDS, OPTIONS, 4)) detector.addBatch(batch);
    const { findings, stats } = detector.finish();
    expect(stats.recordsRead).toBe(RECORDS.length);
    expect(stats.skipped['duplicate-event-id']).toBe(2);
    expect(findings.map((finding) => finding.accessKeyId)).toEqual([KEY, 'AKIAEXAMPLEKEY000002']);
    expect(findings[0]!.usage.count).toBe(3);
    expect(findings[0]!.usage.eventNames).toEqual(['CreateAccessKey', 'GetObject', 'ListBuckets']);
  });
});
