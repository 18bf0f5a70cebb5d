import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger } from '../../src/log.js';
import type { TriageActor } from '../../src/pipeline/ports.js';
import { applyTriage } from '../../src/pipeline/triage.js';
import { openStore, StoreError, type FileStore } from '../../src/store/index.js';
import { addFindings, listUnpostedSlack, markSlackPosted } from '../../src/pipeline/records.js';
import { makeFinding, makeTempDir } from './support.js';

const NOW = new Date('2025-03-10T12:00:00.000Z');
const ACTOR: TriageActor = { platform: 'slack', id: 'U0123', name: 'Dana' };

let dir: string;
let removeDir: () => Promise<void>;
let path: string;
const openStores: FileStore[] = [];

beforeEach(async () => {
  ({ dir, remove: removeDir } = await makeTempDir());
  path = join(dir, 'state', 'keyhunt.json');
});

afterEach(async () => {
  for (const store of openStores.splice(0)) await store.close();
  await removeDir();
});

async function open(): Promise<FileStore> {
  const store = await openStore({ path, logger: silentLogger(), now: () => NOW });
  openStores.push(store);
  return store;
}

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, 'utf8')) as unknown;
}

describe('openStore', () => {
  it('creates the folder and an empty store file', async () => {
    const store = await open();

    expect(Object.keys(store.read().findings)).toEqual([]);
    expect(await readJson(path)).toEqual(store.read());
    expect(store.path).toBe(path);
  });

  it('rejects a retention that is not positive', async () => {
    await expect(openStore({ path, logger: silentLogger(), retentionMs: 0 })).rejects.toThrow(
      'retentionMs must be a positive number of milliseconds, got 0.',
    );
  });

  it('reports an unreadable store path', async () => {
    await mkdir(path, { recursive: true });

    const error: unknown = await openStore({ path, logger: silentLogger() }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('STORE_READ_FAILED');
    expect((error as StoreError).message).toContain(path);
  });
});

describe('update', () => {
  it('returns the mutation result after writing', async () => {
    const store = await open();

    const added = await store.update((data) => addFindings(data, [makeFinding(1)], NOW));

    expect(added.map((stored) => stored.finding.id)).toEqual(['kh-0000000001']);
    const onDisk = (await readJson(path)) as { findings: Record<string, unknown> };
    expect(Object.keys(onDisk.findings)).toEqual(['kh-0000000001']);
  });

  it('loses no update when triage and poll writes run together', async () => {
    const store = await open();
    const findings = Array.from({ length: 40 }, (_, index) => makeFinding(index));
    await store.update((data) => addFindings(data, findings, NOW));

    const triageWrites = findings.map((finding) =>
      applyTriage(store, { findingId: finding.id, action: 'acknowledge', actor: ACTOR, now: NOW }),
    );
    const pollWrites = findings.map((_, index) =>
      store.update((data) => {
        data.poll.seenEventIds[`event-${index}`] = NOW.getTime();
        data.poll.health.throttles += 1;
      }),
    );
    // A second wave after a macrotask, so it lands while the first batch is being written.
    await new Promise((resolve) => setImmediate(resolve));
    const lateWrites = findings.map(() =>
      store.update((data) => {
        data.poll.health.incompletePolls += 1;
      }),
    );
    const outcomes = await Promise.all(triageWrites);
    await Promise.all([...pollWrites, ...lateWrites]);

    expect(outcomes.filter((outcome) => outcome.kind === 'changed')).toHaveLength(40);
    for (const data of [store.read(), await readJson(path)] as ReturnType<FileStore['read']>[]) {
      expect(Object.values(data.findings).filter((stored) => stored.state === 'acknowledged')).toHaveLength(
        40,
      );
      expect(Object.keys(data.poll.seenEventIds)).toHaveLength(40);
      expect(data.poll.health.throttles).toBe(40);
      expect(data.poll.health.incompletePolls).toBe(40);
    }
  });

  it('settles only after its change is on disk', async () => {
    const store = await open();

    const onDiskAtSettle = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        store
          .update((data) => {
            data.poll.seenEventIds[`event-${index}`] = index;
          })
          .then(() => {
            const onDisk = JSON.parse(readFileSync(path, 'utf8')) as { poll: { seenEventIds: object } };
            return `event-${index}` in onDisk.poll.seenEventIds;
          }),
      ),
    );

    expect(onDiskAtSettle).toEqual(Array.from({ length: 10 }, () => true));
  });

  it('changes the state once when two people click at once', async () => {
    const store = await open();
    await store.update((data) => addFindings(data, [makeFinding(1)], NOW));
    const request = { findingId: 'kh-0000000001', action: 'escalate' as const, actor: ACTOR, now: NOW };

    const [first, second] = await Promise.all([applyTriage(store, request), applyTriage(store, request)]);

    expect(first.kind).toBe('changed');
    expect(second.kind).toBe('unchanged');
    expect(store.read().findings['kh-0000000001']?.history).toHaveLength(1);
  });

  it('rejects a throwing mutation without blocking later ones', async () => {
    const store = await open();

    const failed = store.update(() => {
      throw new Error('mutation failed');
    });
    const next = store.update((data) => {
      data.poll.cursor = '2025-03-10T11:00:00.000Z';
      return 'saved';
    });

    await expect(failed).rejects.toThrow('mutation failed');
    await expect(next).resolves.toBe('saved');
    expect(((await readJson(path)) as { poll: { cursor: string } }).poll.cursor).toBe(
      '2025-03-10T11:00:00.000Z',
    );
  });

  it('rejects an async mutation', async () => {
    const store = await open();

    const error: unknown = await store.update(async () => 1).catch((caught: unknown) => caught);

    expect((error as StoreError).code).toBe('STORE_INVALID_MUTATION');
  });

  it('reports a failed write and saves the change with the next write', async () => {
    const store = await open();
    const tempPath = `${path}.tmp-${process.pid}`;
    // A folder where the temp file should go makes opening the temp file fail.
    await mkdir(tempPath);

    const error: unknown = await store
      .update((data) => addFindings(data, [makeFinding(1)], NOW))
      .catch((caught: unknown) => caught);
    await rm(tempPath, { recursive: true });
    await store.update((data) => addFindings(data, [makeFinding(2)], NOW));

    expect((error as StoreError).code).toBe('STORE_WRITE_FAILED');
    expect(((error as StoreError).cause as { code?: string }).code).toBe('EISDIR');
    const onDisk = (await readJson(path)) as { findings: Record<string, unknown> };
    expect(Object.keys(onDisk.findings).sort()).toEqual(['kh-0000000001', 'kh-0000000002']);
  });

  it('rejects updates after close', async () => {
    const store = await open();
    await store.close();

    const error: unknown = await store.update(() => 1).catch((caught: unknown) => caught);

    expect((error as StoreError).code).toBe('STORE_CLOSED');
  });

  it('writes queued updates before close releases the lock', async () => {
    const store = await open();

    const pending = store.update((data) => addFindings(data, [makeFinding(1)], NOW));
    await store.close();

    await expect(pending).resolves.toHaveLength(1);
    expect((await readdir(dirOf(path))).sort()).toEqual(['keyhunt.json', 'keyhunt.json.bak']);
  });
});

describe('atomic writes', () => {
  it('leaves no temp file behind', async () => {
    const store = await open();
    for (let index = 0; index < 5; index += 1) {
      await store.update((data) => addFindings(data, [makeFinding(index)], NOW));
    }

    expect((await readdir(dirOf(path))).sort()).toEqual([
      'keyhunt.json',
      'keyhunt.json.bak',
      'keyhunt.json.lock',
    ]);
  });

  it('keeps the previous content as the backup', async () => {
    const store = await open();
    await store.update((data) => addFindings(data, [makeFinding(1)], NOW));
    const afterFirst = await readFile(path, 'utf8');

    await store.update((data) => addFindings(data, [makeFinding(2)], NOW));

    expect(await readFile(`${path}.bak`, 'utf8')).toBe(afterFirst);
    expect(await readFile(path, 'utf8')).toBe(JSON.stringify(store.read()));
  });
});

describe('restart', () => {
  it('keeps everything after close and reopen', async () => {
    const first = await open();
    await first.update((data) => addFindings(data, [makeFinding(1), makeFinding(2)], NOW));
    await applyTriage(first, {
      findingId: 'kh-0000000002',
      action: 'resolve',
      resolution: 'expected',
      actor: ACTOR,
      now: NOW,
    });
    await first.update((data) => {
      data.poll.cursor = '2025-03-10T11:55:00.000Z';
      data.summaries.sentDates.push('2025-03-10');
    });
    const before = structuredClone(first.read());
    await first.close();

    const second = await open();

    expect(second.read()).toEqual(before);
  });

  it('posts a finding stored but not marked posted before a crash', async () => {
    const first = await open();
    await first.update((data) => addFindings(data, [makeFinding(1)], NOW));
    // The process stops after posting but before markSlackPosted.
    await first.close();

    const second = await open();
    const unposted = listUnpostedSlack(second.read()).map((stored) => stored.finding.id);
    await second.update((data) =>
      markSlackPosted(data, 'kh-0000000001', { channel: 'C1', ts: '1.2', postedAt: NOW.toISOString() }),
    );
    await second.close();
    const third = await open();

    expect(unposted).toEqual(['kh-0000000001']);
    expect(listUnpostedSlack(third.read())).toEqual([]);
  });
});

function dirOf(file: string): string {
  return join(file, '..');
}
