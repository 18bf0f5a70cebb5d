import { detect, HOUR_MS } from '../../src/detect/index.js';
import { EventIdTable, KeyUseStore } from '../../src/detect/key-uses.js';
import type { KeyUseEvent } from '../../src/detect/types.js';
import { createKeyRecord, deleteKeyRecord, iamUser, useRecord } from '../support/records.js';

/** Builds a lowercase UUID from a counter, so consecutive ids differ only in their last digits. */
function uuid(counter: number): string {
  const hex = counter.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

describe('EventIdTable', () => {
  test('new and repeated UUIDs', () => {
    const table = new EventIdTable();
    const first = table.intern('3f9a2c71-0d6e-4c1b-9a57-2b8e4f0c6d13');
    const second = table.intern('ffffffff-ffff-ffff-ffff-ffffffffffff');
    expect([first, second]).toEqual([0, 1]);
    expect(table.intern('3f9a2c71-0d6e-4c1b-9a57-2b8e4f0c6d13')).toBe(0);
    expect(table.size).toBe(2);
  });

  test('ids read back as added', () => {
    const table = new EventIdTable();
    const ids = [
      '3f9a2c71-0d6e-4c1b-9a57-2b8e4f0c6d13',
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      '3F9A2C71-0D6E-4C1B-9A57-2B8E4F0C6D13',
      'not-a-uuid',
      '3f9a2c71-0d6e-4c1b-9a57-2b8e4f0c6d1',
      '3f9a2c71x0d6e-4c1b-9a57-2b8e4f0c6d13',
      '',
    ];
    const ordinals = ids.map((id) => table.intern(id));
    expect(ordinals).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(ordinals.map((ordinal) => table.idAt(ordinal))).toEqual(ids);
  });

  test('uppercase UUID is another id', () => {
    const table = new EventIdTable();
    table.intern('3f9a2c71-0d6e-4c1b-9a57-2b8e4f0c6d13');
    table.intern('3F9A2C71-0D6E-4C1B-9A57-2B8E4F0C6D13');
    expect(table.size).toBe(2);
  });

  test('exact across many rehashes', () => {
    const table = new EventIdTable();
    const count = 50_000;
    for (let counter = 0; counter < count; counter++) table.intern(uuid(counter));
    expect(table.size).toBe(count);
    for (let counter = 0; counter < count; counter += 997) {
      expect(table.intern(uuid(counter))).toBe(counter);
      expect(table.idAt(counter)).toBe(uuid(counter));
    }
    expect(table.size).toBe(count);
  });
});

describe('KeyUseStore', () => {
  function use(eventId: string, time: number, overrides: Partial<KeyUseEvent> = {}): KeyUseEvent {
    return {
      accessKeyId: 'AKIAEXAMPLEKEY000001',
      eventId,
      eventName: 'ListBuckets',
      eventSource: 's3.amazonaws.com',
      time,
      sourceIPAddress: '192.0.2.1',
      errorCode: null,
      ...overrides,
    };
  }

  test('uses read back in order', () => {
    const table = new EventIdTable();
    const store = new KeyUseStore();
    const added = [
      use(uuid(1), 1_700_000_000_123),
      use('custom-id', 1_700_000_001_000, {
        eventSource: null,
        sourceIPAddress: null,
        errorCode: 'AccessDenied',
      }),
      ...Array.from({ length: 20 }, (_, index) => use(uuid(100 + index), 1_700_000_002_000 + index)),
      use(uuid(2), 1_700_000_003_000, { accessKeyId: 'AKIAEXAMPLEKEY000002', eventName: 'GetObject' }),
    ];
    for (const item of added) store.add(item, table.intern(item.eventId));
    expect(store.uses('AKIAEXAMPLEKEY000001', table)).toEqual(added.slice(0, -1));
    expect(store.uses('AKIAEXAMPLEKEY000002', table)).toEqual(added.slice(-1));
  });

  test('unknown key has no uses', () => {
    expect(new KeyUseStore().uses('AKIAEXAMPLEKEY000009', new EventIdTable())).toEqual([]);
  });
});

describe('detect with repeated uses', () => {
  const key = 'AKIAEXAMPLEKEY000001';
  const records = [
    createKeyRecord({
      eventId: uuid(1),
      time: '2024-03-01T10:00:00Z',
      identity: iamUser('admin'),
      accessKeyId: key,
      userName: 'bob',
    }),
    useRecord(key, uuid(2), '2024-03-01T10:01:00Z', 'ListBuckets', '192.0.2.1'),
    useRecord(key, uuid(2), '2024-03-01T10:01:00Z', 'ListBuckets', '192.0.2.1'),
    useRecord(key, 'not-a-uuid', '2024-03-01T10:02:00Z', 'GetObject', '192.0.2.2'),
    useRecord(key, 'not-a-uuid', '2024-03-01T10:02:00Z', 'GetObject', '192.0.2.2'),
    useRecord('AKIAEXAMPLEKEY000002', uuid(3), '2024-03-01T10:03:00Z', 'ListUsers', '192.0.2.3'),
    deleteKeyRecord({
      eventId: uuid(4),
      time: '2024-03-01T10:05:00Z',
      identity: iamUser('admin'),
      accessKeyId: key,
      userName: 'bob',
    }),
  ];

  test('duplicates counted once', () => {
    const { findings, stats } = detect(records, { thresholdMs: 24 * HOUR_MS });
    expect(stats.skipped['duplicate-event-id']).toBe(2);
    expect(findings[0]?.usage.count).toBe(2);
    expect(findings[0]?.usage.eventNames).toEqual(['GetObject', 'ListBuckets']);
    expect(findings[0]?.usage.sourceIPAddresses).toEqual(['192.0.2.1', '192.0.2.2']);
  });
});
