import { join } from 'node:path';
import { DAY_MS, type KeyEvent } from '../../src/detect/types.js';
import { silentLogger } from '../../src/log.js';
import { emptyStoreData, type StoreData, type TriageState } from '../../src/pipeline/ports.js';
import { DEFAULT_RETENTION_MS, openStore, pruneStoreData } from '../../src/store/index.js';
import { addFindings } from '../../src/pipeline/records.js';
import { makeFinding, makeTempDir } from './support.js';

const NOW = new Date('2025-06-01T00:00:00.000Z');
const RETENTION_MS = 30 * DAY_MS;
const OLD = new Date(NOW.getTime() - RETENTION_MS - 1);
const AT_CUTOFF = new Date(NOW.getTime() - RETENTION_MS);
const RECENT = new Date(NOW.getTime() - DAY_MS);

function keyEvent(eventId: string, time: Date): KeyEvent {
  return {
    action: 'create',
    eventId,
    time: time.getTime(),
    accessKeyId: 'AKIAEXAMPLE000000001',
    keyOwner: 'alice',
    accountId: '123456789012',
    region: 'us-east-1',
    actor: {
      arn: null,
      principalId: null,
      type: 'IAMUser',
      userName: 'admin',
      sourceIPAddress: null,
      userAgent: null,
      eventId,
    },
    errorCode: null,
  };
}

/** Stores one finding per (state, updatedAt) pair, plus seen ids and key events at the three ages. */
function buildData(): StoreData {
  const data = emptyStoreData();
  const states: TriageState[] = ['open', 'acknowledged', 'escalated', 'resolved'];
  let index = 0;
  for (const state of states) {
    for (const updatedAt of [OLD, AT_CUTOFF, RECENT]) {
      const [stored] = addFindings(data, [makeFinding(index)], updatedAt);
      stored!.state = state;
      index += 1;
    }
  }
  for (const [name, time] of [
    ['old', OLD],
    ['cutoff', AT_CUTOFF],
    ['recent', RECENT],
  ] as const) {
    data.poll.seenEventIds[`seen-${name}`] = time.getTime();
    data.poll.recentKeyEvents.push(keyEvent(`event-${name}`, time));
  }
  data.poll.seenEventIds['seen-old-2'] = OLD.getTime() - DAY_MS;
  return data;
}

describe('pruneStoreData', () => {
  it('drops only entries older than the retention', () => {
    const data = buildData();

    const counts = pruneStoreData(data, NOW, RETENTION_MS);

    expect(counts).toEqual({ findings: 1, seenEventIds: 2, keyEvents: 1 });
    expect(Object.keys(data.findings)).toHaveLength(11);
    expect(data.findings['kh-0000000009']).toBeUndefined();
    expect(data.findings['kh-000000000a']?.state).toBe('resolved');
    expect(Object.keys(data.poll.seenEventIds).sort()).toEqual(['seen-cutoff', 'seen-recent']);
    expect(data.poll.recentKeyEvents.map((event) => event.eventId)).toEqual(['event-cutoff', 'event-recent']);
  });

  it('keeps unresolved findings whatever their age', () => {
    const data = buildData();

    pruneStoreData(data, NOW, RETENTION_MS);

    const oldUnresolved = ['kh-0000000000', 'kh-0000000003', 'kh-0000000006'].map(
      (id) => data.findings[id]?.state,
    );
    expect(oldUnresolved).toEqual(['open', 'acknowledged', 'escalated']);
  });

  it('drops nothing a second time', () => {
    const data = buildData();
    pruneStoreData(data, NOW, RETENTION_MS);

    expect(pruneStoreData(data, NOW, RETENTION_MS)).toEqual({ findings: 0, seenEventIds: 0, keyEvents: 0 });
  });
});

describe('store pruning', () => {
  it('prunes at open and on request with the configured retention', async () => {
    const { dir, remove } = await makeTempDir();
    const path = join(dir, 'keyhunt.json');
    let now = OLD;
    const first = await openStore({
      path,
      logger: silentLogger(),
      retentionMs: RETENTION_MS,
      now: () => now,
    });
    await first.update((data) => {
      const [stored] = addFindings(data, [makeFinding(1)], OLD);
      stored!.state = 'resolved';
      data.poll.seenEventIds['seen-old'] = OLD.getTime();
    });
    await first.close();

    now = NOW;
    const second = await openStore({
      path,
      logger: silentLogger(),
      retentionMs: RETENTION_MS,
      now: () => now,
    });
    const afterOpen = structuredClone(second.read());
    await second.update((data) => {
      data.poll.recentKeyEvents.push(keyEvent('event-1', NOW));
    });
    now = new Date(NOW.getTime() + RETENTION_MS + 1);
    const counts = await second.prune();
    await second.close();
    await remove();

    expect(afterOpen.findings).toEqual({});
    expect(afterOpen.poll.seenEventIds).toEqual({});
    expect(counts).toEqual({ findings: 0, seenEventIds: 0, keyEvents: 1 });
  });

  it('defaults to 90 days', () => {
    expect(DEFAULT_RETENTION_MS).toBe(90 * DAY_MS);
  });
});
