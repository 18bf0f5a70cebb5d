import { readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { emptyStoreData, type StoreData } from '../../src/pipeline/ports.js';
import { openStore, type FileStore, type StoreError } from '../../src/store/index.js';
import { addFindings } from '../../src/pipeline/records.js';
import {
  duplicateKeys,
  LEVEL_ERROR,
  LEVEL_WARN,
  makeFinding,
  makeTempDir,
  recordingLogger,
} from './support.js';

const NOW = new Date('2025-03-10T12:00:00.000Z');
const CORRUPT_SUFFIX = '.corrupt-2025-03-10T12-00-00-000Z';

let dir: string;
let removeDir: () => Promise<void>;
let path: string;
const openStores: FileStore[] = [];

beforeEach(async () => {
  ({ dir, remove: removeDir } = await makeTempDir());
  path = join(dir, 'keyhunt.json');
});

afterEach(async () => {
  for (const store of openStores.splice(0)) await store.close();
  await removeDir();
});

async function open(): Promise<{
  store: FileStore;
  lines: ReturnType<typeof recordingLogger>['lines'];
  raw: string[];
}> {
  const { logger, lines, raw } = recordingLogger();
  const store = await openStore({ path, logger, now: () => NOW });
  openStores.push(store);
  return { store, lines, raw };
}

/** Writes two updates and closes, so the backup has one finding and the store file two. */
async function seedStoreWithBackup(): Promise<StoreData> {
  const { store } = await open();
  await store.update((data) => addFindings(data, [makeFinding(1)], NOW));
  const backupState = structuredClone(store.read()) as StoreData;
  await store.update((data) => addFindings(data, [makeFinding(2)], NOW));
  await store.close();
  openStores.splice(0);
  return backupState;
}

const brokenFiles: [string, (valid: string) => string, string][] = [
  ['corrupted', () => '{"version":1,"findings":{"kh-1": nonsense', 'invalid JSON'],
  ['truncated', (valid) => valid.slice(0, Math.floor(valid.length / 2)), 'invalid JSON'],
  ['empty', () => '', 'the file is empty (0 bytes)'],
  ['wrong-shape', () => '{"version":1,"findings":[]}', 'wrong shape: findings has the wrong type (an array)'],
];

describe.each(brokenFiles)('%s store file', (_kind, breakFile, problem) => {
  it('is kept aside and the backup restored', async () => {
    const backupState = await seedStoreWithBackup();
    const broken = breakFile(await readFile(path, 'utf8'));
    await writeFile(path, broken);

    const { store, lines } = await open();

    expect(await readFile(path + CORRUPT_SUFFIX, 'utf8')).toBe(broken);
    expect(store.read()).toEqual(backupState);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(backupState);
    const invalidLine = lines.find(
      (line) => line.level === LEVEL_ERROR && line['keptAs'] === path + CORRUPT_SUFFIX,
    );
    expect(String(invalidLine?.['problem'])).toContain(problem);
    expect(
      lines.some(
        (line) => line.level === LEVEL_ERROR && line.msg.startsWith('Restored the store from its backup'),
      ),
    ).toBe(true);
  });
});

describe('recovery', () => {
  it('starts empty when the backup is invalid too', async () => {
    await seedStoreWithBackup();
    await writeFile(path, 'not json');
    await writeFile(`${path}.bak`, '{"version":1,');

    const { store, lines } = await open();

    expect(store.read()).toEqual(emptyStoreData());
    expect(await readFile(path + CORRUPT_SUFFIX, 'utf8')).toBe('not json');
    expect(await readFile(`${path}.bak${CORRUPT_SUFFIX}`, 'utf8')).toBe('{"version":1,');
    expect(lines.filter((line) => line.level === LEVEL_ERROR)).toHaveLength(2);
  });

  it('starts empty when there is no backup', async () => {
    await writeFile(path, '[1, 2]');

    const { store, lines } = await open();

    expect(store.read()).toEqual(emptyStoreData());
    expect(await readFile(path + CORRUPT_SUFFIX, 'utf8')).toBe('[1, 2]');
    expect(
      lines.find((line) => line.level === LEVEL_ERROR && line['backupPath'] === `${path}.bak`)?.msg,
    ).toBe('There is no store backup; starting with an EMPTY store');
  });

  it('numbers a second invalid file kept at the same time', async () => {
    await writeFile(path + CORRUPT_SUFFIX, 'earlier');
    await writeFile(path, '{');

    await open();

    expect(await readFile(`${path}${CORRUPT_SUFFIX}-2`, 'utf8')).toBe('{');
    expect(await readFile(path + CORRUPT_SUFFIX, 'utf8')).toBe('earlier');
  });

  it('restores from the backup when the store file is missing', async () => {
    const backupState = await seedStoreWithBackup();
    await unlink(path);

    const { store, lines } = await open();

    expect(store.read()).toEqual(backupState);
    expect(
      lines.some((line) => line.level === LEVEL_ERROR && line.msg.includes('missing but its backup exists')),
    ).toBe(true);
  });

  it('fills in fields missing from an older document', async () => {
    const finding = makeFinding(3);
    const partial = {
      findings: { [finding.id]: { finding, state: 'escalated', storedAt: '2025-03-01T00:00:00.000Z' } },
      poll: { cursor: '2025-03-09T00:00:00.000Z', health: { throttles: 4 } },
    };
    await writeFile(path, JSON.stringify(partial));

    const { store, lines } = await open();

    const expected = emptyStoreData();
    expected.poll.cursor = '2025-03-09T00:00:00.000Z';
    expected.poll.health.throttles = 4;
    expected.findings[finding.id] = {
      finding,
      state: 'escalated',
      resolution: null,
      history: [],
      storedAt: '2025-03-01T00:00:00.000Z',
      updatedAt: '2025-03-01T00:00:00.000Z',
      slack: null,
      teams: {},
    };
    expect(store.read()).toEqual(expected);
    expect(await readdir(dir)).not.toContain(`keyhunt.json${CORRUPT_SUFFIX}`);
    const filledLine = lines.find(
      (line) => line.level === LEVEL_WARN && line['filledFieldCount'] !== undefined,
    );
    expect(filledLine?.['filledFieldCount']).toBe(20);
  });

  it('keeps fields it does not know', async () => {
    await writeFile(path, JSON.stringify({ ...emptyStoreData(), addedLater: { on: true } }));

    const { store } = await open();

    expect((store.read() as unknown as Record<string, unknown>)['addedLater']).toEqual({ on: true });
  });

  it('rejects a finding stored under another id', async () => {
    const data = emptyStoreData();
    addFindings(data, [makeFinding(1)], NOW);
    const text = JSON.stringify(data).replace('"kh-0000000001":', '"kh-other":');
    await writeFile(path, text);

    const { lines } = await open();

    expect(await readFile(path + CORRUPT_SUFFIX, 'utf8')).toBe(text);
    expect(lines.find((line) => line['keptAs'])?.['problem']).toBe(
      'wrong shape: findings.kh-other.finding.id is "kh-0000000001", not "kh-other"',
    );
  });

  it('rejects an optional field of the wrong type', async () => {
    const text = JSON.stringify({
      ...emptyStoreData(),
      summaries: { sentDates: [], deliveries: ['2025-03-10'] },
    });
    await writeFile(path, text);

    const { lines } = await open();

    expect(await readFile(path + CORRUPT_SUFFIX, 'utf8')).toBe(text);
    expect(lines.find((line) => line['keptAs'])?.['problem']).toBe(
      'wrong shape: summaries.deliveries has the wrong type (an array)',
    );
  });

  it('rejects a newer version untouched', async () => {
    const text = JSON.stringify({ ...emptyStoreData(), version: 2 });
    await writeFile(path, text);

    const error: unknown = await open().catch((caught: unknown) => caught);

    expect((error as StoreError).code).toBe('STORE_UNSUPPORTED_VERSION');
    expect((error as StoreError).message).toContain('version 2 is not supported');
    expect(await readFile(path, 'utf8')).toBe(text);
    expect(await readdir(dir)).toEqual(['keyhunt.json']);
  });

  it('removes temp files of an interrupted write', async () => {
    await seedStoreWithBackup();
    const stored = await readFile(path, 'utf8');
    await writeFile(`${path}.tmp-99999`, stored.slice(0, 10));

    const { store } = await open();

    expect(Object.keys(store.read().findings)).toEqual(['kh-0000000001', 'kh-0000000002']);
    expect((await readdir(dir)).sort()).toEqual(['keyhunt.json', 'keyhunt.json.bak', 'keyhunt.json.lock']);
  });

  it('recovery logs repeat no key', async () => {
    await seedStoreWithBackup();
    await writeFile(`${path}.tmp-99999`, '{"version"');
    await writeFile(path, '{"version":1,"findings":{"kh-1": nonsense');

    const { raw } = await open();
    await unlink(path);
    await unlink(`${path}.bak`);
    await openStores.splice(0)[0]!.close();
    const fresh = await open();

    const messages = [...raw, ...fresh.raw].map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toEqual(
      expect.arrayContaining([
        'Removing a temp file left by an interrupted store write',
        'No store file yet; starting with an empty store',
      ]),
    );
    const repeated = [...raw, ...fresh.raw].filter((line) => duplicateKeys(line).length > 0);
    expect(repeated).toEqual([]);
  });

  it('filled-field log repeats no key', async () => {
    await writeFile(path, JSON.stringify({ findings: {} }));

    const { raw } = await open();

    expect(raw.filter((line) => duplicateKeys(line).length > 0)).toEqual([]);
  });
});
