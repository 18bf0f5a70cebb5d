import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { FileLoader as SourceFileLoader } from '../../src/sources/file-loader.js';
import { buildCli } from '../cli/build-cli.js';

type Loader = Pick<SourceFileLoader, 'load' | 'close'>;

const BODY = JSON.stringify({ Records: [{ eventID: 'a', eventName: 'ListBuckets' }] });
const MAX_BYTES = 1024 * 1024;

let folder: string;
let CompiledFileLoader: typeof SourceFileLoader;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'keyhunt-file-loader-'));
  await writeFile(join(folder, 'plain.json'), BODY);
  await writeFile(join(folder, 'compressed.json.gz'), gzipSync(BODY));
  await writeFile(join(folder, 'cut.json.gz'), gzipSync(BODY).subarray(0, 20));
  await writeFile(join(folder, 'large.json'), 'x'.repeat(MAX_BYTES + 1));
  await writeFile(join(folder, 'bomb.json.gz'), gzipSync(Buffer.alloc(MAX_BYTES + 1)));

  // The worker thread runs compiled JavaScript, so this loads the loader from the CLI test build.
  const compiledLoader = join(dirname(await buildCli()), 'sources', 'file-loader.js');
  ({ FileLoader: CompiledFileLoader } = (await import(pathToFileURL(compiledLoader).href)) as {
    FileLoader: typeof SourceFileLoader;
  });
}, 240_000);

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

const loaders: Array<[string, () => Loader]> = [
  ['calling thread', () => new SourceFileLoader({ useWorker: false })],
  ['worker thread', () => new CompiledFileLoader()],
];

describe.each(loaders)('FileLoader on the %s', (_name, makeLoader) => {
  let loader: Loader;

  beforeEach(() => {
    loader = makeLoader();
  });

  afterEach(async () => {
    await loader.close();
  });

  test('plain file loaded', async () => {
    const content = await loader.load(join(folder, 'plain.json'), MAX_BYTES);
    expect(content?.toString()).toBe(BODY);
  });

  test('gzip file decompressed', async () => {
    const content = await loader.load(join(folder, 'compressed.json.gz'), MAX_BYTES);
    expect(content?.toString()).toBe(BODY);
  });

  test('many loads in order', async () => {
    const names = Array.from({ length: 20 }, (_, index) => (index % 2 ? 'plain.json' : 'compressed.json.gz'));
    const contents = await Promise.all(names.map((name) => loader.load(join(folder, name), MAX_BYTES)));
    expect(contents.map((content) => content?.toString())).toEqual(names.map(() => BODY));
  });

  test.each([
    ['missing.json', 'missing file'],
    ['cut.json.gz', 'truncated gzip'],
    ['large.json', 'file over the limit'],
    ['bomb.json.gz', 'gzip over the limit once decompressed'],
  ])('%s left to streaming (%s)', async (name) => {
    expect(await loader.load(join(folder, name), MAX_BYTES)).toBeNull();
  });

  test('folder left to streaming', async () => {
    expect(await loader.load(folder, MAX_BYTES)).toBeNull();
  });
});

describe('FileLoader worker', () => {
  test('worker script compiled beside the loader', async () => {
    const compiledWorker = join(dirname(await buildCli()), 'sources', 'file-load-worker.js');
    expect(existsSync(compiledWorker)).toBe(true);
  });

  test('pending loads settle on close', async () => {
    const loader = new CompiledFileLoader();
    const pending = loader.load(join(folder, 'compressed.json.gz'), MAX_BYTES);
    await loader.close();
    expect(await pending).toBeNull();
  });
});
