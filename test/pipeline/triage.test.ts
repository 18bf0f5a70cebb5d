import { emptyStoreData } from '../../src/pipeline/ports.js';
import type { Store, StoreData, StoredFinding } from '../../src/pipeline/ports.js';
import { applyTriage, availableActions } from '../../src/pipeline/triage.js';
import type { TriageRequest } from '../../src/pipeline/triage.js';
import { detect, HOUR_MS } from '../../src/detect/index.js';
import { createKeyRecord, deleteKeyRecord, iamUser } from '../support/records.js';

/** Creates a store whose updates run one after another, as the file store's do, without touching disk. */
function queuedStore(data: StoreData): Store {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    read: () => data,
    update<T>(mutate: (current: StoreData) => T): Promise<T> {
      const result = queue.then(() => mutate(data));
      queue = result.catch(() => undefined);
      return result;
    },
    close: async () => undefined,
  };
}

function storeWithFinding(): { store: Store; id: string } {
  const records = [
    createKeyRecord({
      eventId: 'c1',
      time: '2024-03-01T10:00:00Z',
      identity: iamUser('a'),
      accessKeyId: 'AKIATRIAGE0000000001',
      userName: 'b',
    }),
    deleteKeyRecord({
      eventId: 'd1',
      time: '2024-03-01T10:05:00Z',
      identity: iamUser('a'),
      accessKeyId: 'AKIATRIAGE0000000001',
      userName: 'b',
    }),
  ];
  const [finding] = detect(records, { thresholdMs: 24 * HOUR_MS }).findings;
  if (!finding) throw new Error('fixture pair produced no finding');
  const data = emptyStoreData();
  const stored: StoredFinding = {
    finding,
    state: 'open',
    resolution: null,
    history: [],
    storedAt: '2024-03-01T10:06:00Z',
    updatedAt: '2024-03-01T10:06:00Z',
    slack: null,
    teams: {},
  };
  data.findings[finding.id] = stored;
  return { store: queuedStore(data), id: finding.id };
}

function request(
  id: string,
  action: TriageRequest['action'],
  who = 'U1',
  extra: Partial<TriageRequest> = {},
): TriageRequest {
  return {
    findingId: id,
    action,
    actor: { platform: 'slack', id: who, name: who },
    now: new Date('2024-03-01T11:00:00Z'),
    ...extra,
  };
}

describe('applyTriage', () => {
  test('acknowledge records who and when', async () => {
    const { store, id } = storeWithFinding();
    const outcome = await applyTriage(store, request(id, 'acknowledge'));
    expect(outcome.kind).toBe('changed');
    expect(store.read().findings[id]?.state).toBe('acknowledged');
    expect(store.read().findings[id]?.history).toEqual([
      {
        action: 'acknowledge',
        from: 'open',
        to: 'acknowledged',
        resolution: null,
        actor: { platform: 'slack', id: 'U1', name: 'U1' },
        at: '2024-03-01T11:00:00.000Z',
      },
    ]);
  });

  test('two clicks at once change once', async () => {
    const { store, id } = storeWithFinding();
    const outcomes = await Promise.all([
      applyTriage(store, request(id, 'acknowledge', 'U1')),
      applyTriage(store, request(id, 'acknowledge', 'U2')),
    ]);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['changed', 'unchanged']);
    expect(store.read().findings[id]?.history).toHaveLength(1);
    const late = outcomes[1];
    expect(late?.kind === 'unchanged' ? late.message : null).toBe(
      'U1 already set it to acknowledged at 2024-03-01T11:00:00.000Z.',
    );
  });

  test('resolve needs a reason', async () => {
    const { store, id } = storeWithFinding();
    const outcome = await applyTriage(store, request(id, 'resolve'));
    expect(outcome.kind).toBe('invalid');
    expect(store.read().findings[id]?.state).toBe('open');
  });

  test('resolve then reopen', async () => {
    const { store, id } = storeWithFinding();
    await applyTriage(store, request(id, 'resolve', 'U1', { resolution: 'false-positive' }));
    expect(store.read().findings[id]?.resolution).toBe('false-positive');
    const reopened = await applyTriage(store, request(id, 'reopen'));
    expect(reopened.kind).toBe('changed');
    expect(store.read().findings[id]?.state).toBe('open');
    expect(store.read().findings[id]?.resolution).toBeNull();
  });

  test('reopen of an open finding is unchanged', async () => {
    const { store, id } = storeWithFinding();
    expect((await applyTriage(store, request(id, 'reopen'))).kind).toBe('unchanged');
  });

  test('acknowledge after escalate is invalid', async () => {
    const { store, id } = storeWithFinding();
    await applyTriage(store, request(id, 'escalate'));
    const outcome = await applyTriage(store, request(id, 'acknowledge', 'U2'));
    expect(outcome.kind).toBe('invalid');
    expect(store.read().findings[id]?.state).toBe('escalated');
  });

  test.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('id %s is not found', async (id) => {
    const { store } = storeWithFinding();
    expect((await applyTriage(store, request(id, 'acknowledge'))).kind).toBe('not-found');
  });

  test('unknown finding is not found', async () => {
    const { store } = storeWithFinding();
    expect((await applyTriage(store, request('kh-0000000000', 'acknowledge'))).kind).toBe('not-found');
  });
});

describe('availableActions', () => {
  test.each([
    ['open', ['acknowledge', 'escalate', 'resolve']],
    ['acknowledged', ['escalate', 'resolve']],
    ['escalated', ['resolve']],
    ['resolved', ['reopen']],
  ] as const)('%s', (state, expected) => {
    expect(availableActions(state)).toEqual(expected);
  });
});
