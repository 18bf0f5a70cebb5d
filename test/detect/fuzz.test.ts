import { detect, HOUR_MS, normalizeRecord } from '../../src/detect/index.js';
import { createKeyRecord, deleteKeyRecord, iamUser } from '../support/records.js';

/** A small seeded generator, so a failing case can be replayed. */
function randomSource(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32;
  };
}

const ODD_VALUES: unknown[] = [
  null,
  undefined,
  0,
  -1,
  '',
  'x',
  true,
  [],
  {},
  [null],
  { a: 1 },
  'null',
  NaN,
  1e308,
];

function mutate(record: Record<string, unknown>, random: () => number): unknown {
  const copy: Record<string, unknown> = structuredClone(record);
  const keys = Object.keys(copy);
  const mutations = 1 + Math.floor(random() * 3);
  for (let i = 0; i < mutations; i++) {
    const key = keys[Math.floor(random() * keys.length)] ?? 'eventName';
    copy[key] = ODD_VALUES[Math.floor(random() * ODD_VALUES.length)];
  }
  const nested = copy.responseElements as Record<string, unknown> | null;
  if (nested && typeof nested === 'object' && random() < 0.3)
    nested.accessKey = ODD_VALUES[Math.floor(random() * ODD_VALUES.length)];
  return copy;
}

describe('detection with fuzzed records', () => {
  const create = createKeyRecord({
    eventId: 'c1',
    time: '2024-03-01T10:00:00Z',
    identity: iamUser('a'),
    accessKeyId: 'AKIAFUZZ000000000001',
    userName: 'b',
  });
  const del = deleteKeyRecord({
    eventId: 'd1',
    time: '2024-03-01T10:05:00Z',
    identity: iamUser('a'),
    accessKeyId: 'AKIAFUZZ000000000001',
    userName: 'b',
  });

  test('normalizeRecord never throws', () => {
    const random = randomSource(42);
    for (let i = 0; i < 5000; i++) {
      const record = mutate(i % 2 ? create : del, random);
      expect(() => normalizeRecord(record)).not.toThrow();
    }
  });

  test('odd records never hide a valid pair', () => {
    const random = randomSource(7);
    const noise = Array.from({ length: 2000 }, (_, i) =>
      mutate({ ...(i % 2 ? create : del), eventID: `noise-${i}` }, random),
    );
    const { findings, stats } = detect([...noise, create, del], { thresholdMs: 24 * HOUR_MS });
    expect(stats.recordsRead).toBe(2002);
    expect(findings.map((finding) => finding.accessKeyId)).toEqual(['AKIAFUZZ000000000001']);
  });
});
