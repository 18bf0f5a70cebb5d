import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CloudTrailFileReader, InputPathError, listInputFiles } from '../../src/sources/files.js';
import type { FileProblem, FileReadStats, InputFile } from '../../src/sources/files.js';

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'keyhunt-files-'));
  const day = join(folder, 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2024', '01', '02');
  await mkdir(day, { recursive: true });
  await mkdir(join(folder, '.hidden'));
  await mkdir(join(folder, 'export'));
  const delivery = JSON.stringify({ Records: [record('a'), record('b')] });
  await writeFile(join(day, 'b_CloudTrail.json.gz'), gzipSync(delivery));
  await writeFile(join(day, 'a_CloudTrail.json'), delivery);
  await writeFile(join(folder, 'export', 'lines.jsonl'), `${JSON.stringify(record('c'))}\n`);
  await writeFile(join(folder, 'export', 'lines.NDJSON.GZ'), gzipSync(JSON.stringify(record('d'))));
  await writeFile(join(folder, 'export', 'notes.txt'), 'not a log');
  await writeFile(join(folder, 'README.md'), '# logs');
  await writeFile(join(folder, '.hidden', 'secret.json'), '{}');
  await writeFile(join(folder, 'notes.log'), JSON.stringify(record('e')));
  await writeFile(join(folder, 'broken.json'), 'not json');
  await writeFile(
    join(folder, 'digest.json'),
    JSON.stringify({ digestStartTime: '2024-01-02T00:00:00Z', logFiles: [] }),
  );
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

function record(eventId: string): Record<string, unknown> {
  return { eventID: eventId, eventName: 'ListBuckets', eventTime: '2024-01-02T00:00:00Z' };
}

function relative(files: InputFile[]): string[] {
  return files.map((file) => file.path.slice(folder.length + 1));
}

describe('listInputFiles', () => {
  test('walks folders for log names', async () => {
    const files = await listInputFiles([folder], () => undefined);
    expect(relative(files)).toEqual([
      'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/02/a_CloudTrail.json',
      'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/02/b_CloudTrail.json.gz',
      'broken.json',
      'digest.json',
      'export/lines.NDJSON.GZ',
      'export/lines.jsonl',
    ]);
  });

  test('reports file sizes', async () => {
    const [file] = await listInputFiles([join(folder, 'broken.json')], () => undefined);
    expect(file!.size).toBe('not json'.length);
  });

  test('named file read whatever its name', async () => {
    const files = await listInputFiles([join(folder, 'notes.log')], () => undefined);
    expect(relative(files)).toEqual(['notes.log']);
  });

  test('file and its folder listed once', async () => {
    const files = await listInputFiles(
      [join(folder, 'export', 'lines.jsonl'), join(folder, 'export')],
      () => undefined,
    );
    expect(relative(files)).toEqual(['export/lines.jsonl', 'export/lines.NDJSON.GZ']);
  });

  test('follows file links, not folder links', async () => {
    const linked = await mkdtemp(join(tmpdir(), 'keyhunt-files-links-'));
    try {
      await mkdir(join(linked, 'logs'));
      await writeFile(join(linked, 'logs', 'real.json'), '{}');
      await symlink(linked, join(linked, 'logs', 'loop-to-top.json'));
      await symlink(join(linked, 'logs', 'real.json'), join(linked, 'logs', 'alias.json'));
      const files = await listInputFiles([linked], () => undefined);
      expect(files.map((file) => file.path.slice(linked.length + 1))).toEqual([
        'logs/alias.json',
        'logs/loop-to-top.json',
        'logs/real.json',
      ]);
      expect(files[0]!.size).toBe(2);
    } finally {
      await rm(linked, { recursive: true, force: true });
    }
  });

  test('link loop fails its folder', async () => {
    const looped = await mkdtemp(join(tmpdir(), 'keyhunt-files-loop-'));
    try {
      await mkdir(join(looped, 'logs'));
      await symlink('loop.json', join(looped, 'logs', 'loop.json'));
      await writeFile(join(looped, 'top.json'), '{}');
      const problems: FileProblem[] = [];
      const files = await listInputFiles([looped], (problem) => problems.push(problem));
      expect(files.map((file) => file.path.slice(looped.length + 1))).toEqual(['top.json']);
      expect(problems.map((problem) => [problem.path, problem.kind, problem.fatal])).toEqual([
        [join(looped, 'logs'), 'unreadable', true],
      ]);
      expect(problems[0]!.message).toMatch(/^failed to list folder, skipped: ELOOP: /);
    } finally {
      await rm(looped, { recursive: true, force: true });
    }
  });

  test('missing path throws InputPathError', async () => {
    const missing = join(folder, 'nope');
    const error = await listInputFiles([folder, missing], () => undefined).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputPathError);
    expect((error as InputPathError).path).toBe(missing);
    expect((error as InputPathError).message).toBe(
      `path not found: ${missing}; pass an existing file or folder of CloudTrail logs`,
    );
  });
});

describe('CloudTrailFileReader', () => {
  test('reads files in order and counts', async () => {
    const files = await listInputFiles([folder], () => undefined);
    const problems: FileProblem[] = [];
    const done: Array<[string, number]> = [];
    const reader = new CloudTrailFileReader({
      onProblem: (problem) => problems.push(problem),
      onFileDone: (file, stats) => done.push([file.path.slice(folder.length + 1), stats.records]),
    });

    const eventIds: unknown[] = [];
    for await (const item of reader.records(files))
      eventIds.push((item.record as { eventID: unknown }).eventID);

    expect(eventIds).toEqual(['a', 'b', 'a', 'b', 'd', 'c']);
    expect(done.map(([path]) => path)).toEqual(relative(files));
    expect(done.map(([, records]) => records)).toEqual([2, 4, 4, 4, 5, 6]);
    expect(problems.map((problem) => problem.kind)).toEqual(['invalid-json', 'digest-file']);
    const expected: FileReadStats = {
      filesRead: 4,
      filesFailed: 1,
      filesSkipped: 1,
      bytesRead: files.reduce((total, file) => total + file.size, 0),
      records: 6,
      invalidLines: 0,
      invalidEmbeddedEvents: 0,
    };
    expect(reader.stats).toEqual(expected);
  });

  test('counts invalid lines and embedded events', async () => {
    const lines = join(folder, 'counted.jsonl');
    await writeFile(lines, `${JSON.stringify(record('x'))}\n{broken\n{broken again\n`);
    const lookup = join(folder, 'counted-lookup.json');
    await writeFile(lookup, JSON.stringify({ Events: [{ EventId: 'y', CloudTrailEvent: 'nope' }] }));
    const reader = new CloudTrailFileReader({ onProblem: () => undefined });
    for await (const item of reader.records([
      { path: lines, size: 0 },
      { path: lookup, size: 0 },
    ])) {
      expect(item.path).toBe(lines);
    }
    expect(reader.stats.invalidLines).toBe(2);
    expect(reader.stats.invalidEmbeddedEvents).toBe(1);
    expect(reader.stats.filesRead).toBe(2);
    expect(reader.stats.records).toBe(1);
  });
});
