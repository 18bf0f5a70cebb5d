import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { DetectorOptions } from '../../src/detect/record-summary.js';
import type { FileSummary } from '../../src/sources/file-summary.js';
import { SummaryPool as SourceSummaryPool } from '../../src/sources/summary-pool.js';
import type { SummaryPoolOptions } from '../../src/sources/summary-pool.js';
import { buildCli } from '../cli/build-cli.js';

const MAX_BYTES = 1024 * 1024;
const DETECTOR_OPTIONS: DetectorOptions = { thresholdMs: 86_400_000 };
const RECORDS = [
  {
    eventID: '00000000-0000-4000-8000-000000000001',
    eventName: 'ListBuckets',
    eventTime: '2024-01-01T00:00:00Z',
    eventSource: 's3.amazonaws.com',
    sourceIPAddress: '192.0.2.1',
    userIdentity: { type: 'IAMUser', accessKeyId: 'AKIAEXAMPLEKEY000001' },
  },
  { eventName: 'ListBuckets', eventTime: '2024-01-01T00:00:00Z' },
  {
    eventID: '00000000-0000-4000-8000-000000000003',
    eventName: 'GetObject',
    eventTime: '2024-01-01T00:00:00Z',
    userIdentity: { type: 'AssumedRole', accessKeyId: 'ASIAEXAMPLEKEY000003' },
  },
];
const BODY = JSON.stringify({ Records: RECORDS });

/** Returns the summary of BODY read from `path`: one skipped record and one encoded long-term key use. */
function expectedSummary(path: string): FileSummary {
  return {
    events: [{ kind: 'skipped-record', location: { path, line: 1, index: 2 }, reason: 'missing-event-id' }],
    batch: {
      records: 3,
      counted: { 'missing-event-id': 1 },
      retainedKinds: new Uint8Array([0]),
      keyEvents: [],
      uses: {
        strings: [null, 'AKIAEXAMPLEKEY000001', 'ListBuckets', 's3.amazonaws.com', '192.0.2.1'],
        fields: new Uint32Array([1, 2, 3, 4, 0]),
        times: new Float64Array([Date.parse('2024-01-01T00:00:00Z')]),
        eventIds: ['00000000-0000-4000-8000-000000000001'],
      },
    },
  };
}

type Pool = Pick<SourceSummaryPool, 'summarize' | 'close' | 'threads'>;

let folder: string;
let CompiledSummaryPool: typeof SourceSummaryPool;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'keyhunt-summary-pool-'));
  await writeFile(join(folder, 'plain.json'), BODY);
  await writeFile(join(folder, 'compressed.json.gz'), gzipSync(BODY));
  await writeFile(join(folder, 'cut.json.gz'), gzipSync(BODY).subarray(0, 20));
  await writeFile(join(folder, 'large.json'), 'x'.repeat(MAX_BYTES + 1));
  await writeFile(join(folder, 'bomb.json.gz'), gzipSync(Buffer.alloc(MAX_BYTES + 1)));
  await writeFile(join(folder, 'broken-lines.jsonl'), '{broken\n{"eventName": "GetObject"}\n');

  // Worker threads run compiled JavaScript, so this loads the pool from the CLI test build.
  const compiledPool = join(dirname(await buildCli()), 'sources', 'summary-pool.js');
  ({ SummaryPool: CompiledSummaryPool } = (await import(pathToFileURL(compiledPool).href)) as {
    SummaryPool: typeof SourceSummaryPool;
  });
}, 240_000);

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

const OPTIONS: SummaryPoolOptions = { detectorOptions: DETECTOR_OPTIONS, maxBytes: MAX_BYTES };

const pools: Array<[string, () => Pool, number]> = [
  ['calling thread', () => new SourceSummaryPool({ ...OPTIONS, workers: 0 }), 0],
  ['worker threads', () => new CompiledSummaryPool({ ...OPTIONS, workers: 2 }), 2],
];

describe.each(pools)('SummaryPool on the %s', (_name, makePool, threads) => {
  let pool: Pool;

  beforeEach(() => {
    pool = makePool();
  });

  afterEach(async () => {
    await pool.close();
  });

  test('thread count', () => {
    expect(pool.threads).toBe(threads);
  });

  test('plain file summarized', async () => {
    const path = join(folder, 'plain.json');
    expect(await pool.summarize(path)).toEqual(expectedSummary(path));
  });

  test('gzip file summarized', async () => {
    const path = join(folder, 'compressed.json.gz');
    expect(await pool.summarize(path)).toEqual(expectedSummary(path));
  });

  test('many files in order', async () => {
    const paths = Array.from({ length: 20 }, (_, index) =>
      join(folder, index % 2 ? 'plain.json' : 'compressed.json.gz'),
    );
    const summaries = await Promise.all(paths.map((path) => pool.summarize(path)));
    expect(summaries).toEqual(paths.map((path) => expectedSummary(path)));
  });

  test('problems kept in order', async () => {
    const path = join(folder, 'broken-lines.jsonl');
    const summary = await pool.summarize(path);
    expect(summary?.events.map((event) => event.kind)).toEqual(['problem', 'skipped-record']);
    expect(summary?.events[0]).toMatchObject({ kind: 'problem', problem: { kind: 'invalid-line', line: 1 } });
    expect(summary?.events[1]).toEqual({
      kind: 'skipped-record',
      location: { path, line: 2, index: 1 },
      reason: 'missing-event-id',
    });
  });

  test.each([
    ['missing.json', 'missing file'],
    ['cut.json.gz', 'truncated gzip'],
    ['large.json', 'file over the limit'],
    ['bomb.json.gz', 'gzip over the limit once decompressed'],
  ])('%s left to streaming (%s)', async (name) => {
    expect(await pool.summarize(join(folder, name))).toBeNull();
  });

  test('folder left to streaming', async () => {
    expect(await pool.summarize(folder)).toBeNull();
  });
});

describe('SummaryPool workers', () => {
  test('worker script compiled beside the pool', async () => {
    const compiledWorker = join(dirname(await buildCli()), 'sources', 'summary-worker.js');
    expect(existsSync(compiledWorker)).toBe(true);
  });

  test('pending requests settle on close', async () => {
    const pool = new CompiledSummaryPool({ ...OPTIONS, workers: 1 });
    const pending = pool.summarize(join(folder, 'compressed.json.gz'));
    await pool.close();
    expect(await pending).toBeNull();
  });
});
