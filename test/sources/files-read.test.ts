import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileRecords } from '../../src/sources/files.js';
import type { FileProblem, FileRecord } from '../../src/sources/files.js';

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'keyhunt-files-read-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

function record(eventId: string): Record<string, unknown> {
  return { eventID: eventId, eventName: 'ListBuckets', eventTime: '2024-01-01T00:00:00Z' };
}

async function write(name: string, content: string | Buffer): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, content);
  return path;
}

async function readAll(path: string): Promise<{ records: FileRecord[]; problems: FileProblem[] }> {
  const records: FileRecord[] = [];
  const problems: FileProblem[] = [];
  for await (const item of readFileRecords(path, (problem) => problems.push(problem))) records.push(item);
  return { records, problems };
}

function eventIds(records: FileRecord[]): unknown[] {
  return records.map((item) => (item.record as { eventID?: unknown }).eventID);
}

describe('readFileRecords forms', () => {
  test('one-line S3 delivery file', async () => {
    const path = await write('delivery.json', JSON.stringify({ Records: [record('a'), record('b')] }));
    const { records, problems } = await readAll(path);
    expect(problems).toEqual([]);
    expect(eventIds(records)).toEqual(['a', 'b']);
    expect(records.map((item) => [item.line, item.index])).toEqual([
      [1, 1],
      [1, 2],
    ]);
    expect(records[0]!.path).toBe(path);
  });

  test('pretty-printed S3 delivery file', async () => {
    const path = await write('pretty.json', JSON.stringify({ Records: [record('a'), record('b')] }, null, 2));
    const { records, problems } = await readAll(path);
    expect(problems).toEqual([]);
    expect(eventIds(records)).toEqual(['a', 'b']);
    expect(records.map((item) => item.line)).toEqual([null, null]);
  });

  test('gzip recognised by magic bytes, not name', async () => {
    const body = JSON.stringify({ Records: [record('gz')] });
    const gzipNamedJson = await write('compressed-but-named.json', gzipSync(body));
    const plainNamedGz = await write('plain-but-named.json.gz', body);
    expect(eventIds((await readAll(gzipNamedJson)).records)).toEqual(['gz']);
    expect(eventIds((await readAll(plainNamedGz)).records)).toEqual(['gz']);
  });

  test('LookupEvents output with embedded records', async () => {
    const events = [
      { EventId: 'a', EventName: 'ListBuckets', CloudTrailEvent: JSON.stringify(record('a')) },
      { EventId: 'broken', EventName: 'GetUser', CloudTrailEvent: '{"eventID":' },
      { EventId: 'c', EventName: 'ListUsers', CloudTrailEvent: JSON.stringify(record('c')) },
    ];
    const path = await write('lookup.json', JSON.stringify({ Events: events, NextToken: 'token' }, null, 4));
    const { records, problems } = await readAll(path);
    expect(eventIds(records)).toEqual(['a', 'c']);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.kind).toBe('invalid-embedded-event');
    expect(problems[0]!.fatal).toBe(false);
    expect(problems[0]!.message).toContain('Events[1] (EventId broken)');
  });

  test('LookupEvents entry without CloudTrailEvent passed on', async () => {
    const path = await write('lookup-bare.json', JSON.stringify({ Events: [{ EventId: 'x' }] }));
    const { records } = await readAll(path);
    expect(records.map((item) => item.record)).toEqual([{ EventId: 'x' }]);
  });

  test('bare array, pretty-printed', async () => {
    const path = await write('array.json', JSON.stringify([record('a'), 'odd', record('b')], null, 2));
    const { records, problems } = await readAll(path);
    expect(problems).toEqual([]);
    expect(records.map((item) => item.record)).toEqual([record('a'), 'odd', record('b')]);
  });

  test('empty file gives nothing', async () => {
    const { records, problems } = await readAll(await write('empty.json', ''));
    expect(records).toEqual([]);
    expect(problems).toEqual([]);
  });
});

describe('readFileRecords JSON Lines', () => {
  test('lines with a broken one and blanks', async () => {
    const text = [JSON.stringify(record('a')), '', '{"eventID": "b",', JSON.stringify(record('c'))].join(
      '\n',
    );
    const { records, problems } = await readAll(await write('events.json', text));
    expect(eventIds(records)).toEqual(['a', 'c']);
    expect(records.map((item) => [item.line, item.index])).toEqual([
      [1, 1],
      [4, 2],
    ]);
    expect(problems.map((problem) => [problem.kind, problem.line, problem.fatal])).toEqual([
      ['invalid-line', 3, false],
    ]);
  });

  test('CRLF endings and byte order mark', async () => {
    const text = `\uFEFF${JSON.stringify(record('a'))}\r\n${JSON.stringify(record('b'))}\r\n`;
    const { records, problems } = await readAll(await write('crlf.ndjson', text));
    expect(problems).toEqual([]);
    expect(eventIds(records)).toEqual(['a', 'b']);
  });

  test('.jsonl with a broken first line', async () => {
    const text = ['{"eventID":', JSON.stringify(record('b'))].join('\n');
    const { records, problems } = await readAll(await write('first-broken.jsonl', text));
    expect(eventIds(records)).toEqual(['b']);
    expect(problems.map((problem) => [problem.kind, problem.line])).toEqual([['invalid-line', 1]]);
  });

  test('.jsonl with no valid line fails', async () => {
    const { records, problems } = await readAll(await write('binary.jsonl', 'garbage\nmore garbage\n'));
    expect(records).toEqual([]);
    expect(problems.map((problem) => [problem.kind, problem.fatal])).toEqual([
      ['invalid-line', false],
      ['invalid-line', false],
      ['invalid-json', true],
    ]);
  });

  test('delivery envelopes one per line', async () => {
    const lines = [
      JSON.stringify({ Records: [record('a'), record('b')] }),
      JSON.stringify({ Records: [record('c')] }),
    ];
    const { records } = await readAll(await write('envelopes.jsonl', lines.join('\n')));
    expect(eventIds(records)).toEqual(['a', 'b', 'c']);
    expect(records.map((item) => item.line)).toEqual([1, 1, 2]);
  });

  test('gzipped JSON Lines', async () => {
    const text = [record('a'), record('b')].map((item) => JSON.stringify(item)).join('\n');
    const { records } = await readAll(await write('events.jsonl.gz', gzipSync(text)));
    expect(eventIds(records)).toEqual(['a', 'b']);
  });
});

describe('readFileRecords broken files', () => {
  test('text that is not JSON', async () => {
    const { records, problems } = await readAll(await write('text.json', 'hello\nworld\n'));
    expect(records).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.kind).toBe('invalid-json');
    expect(problems[0]!.fatal).toBe(true);
    expect(problems[0]!.message).toMatch(/^not valid JSON or JSON Lines: /);
  });

  test('truncated gzip keeps earlier lines', async () => {
    const lines = Array.from({ length: 3000 }, (_, index) => JSON.stringify(record(`e${index}`)));
    const full = gzipSync(lines.join('\n'));
    const path = await write('truncated.jsonl.gz', full.subarray(0, Math.floor(full.length / 2)));
    const { records, problems } = await readAll(path);
    expect(records.length).toBeGreaterThan(0);
    expect(records.length).toBeLessThan(3000);
    expect(eventIds(records).slice(0, 2)).toEqual(['e0', 'e1']);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.kind).toBe('invalid-gzip');
    expect(problems[0]!.fatal).toBe(true);
    expect(problems[0]!.message).toContain(`${records.length} records before it kept`);
  });

  test('truncated gzip delivery file', async () => {
    const full = gzipSync(
      JSON.stringify({ Records: Array.from({ length: 200 }, (_, index) => record(`e${index}`)) }),
    );
    const path = await write('truncated-delivery.json.gz', full.subarray(0, full.length - 20));
    const { records, problems } = await readAll(path);
    expect(records).toEqual([]);
    expect(problems.map((problem) => problem.kind)).toEqual(['invalid-gzip']);
    expect(problems[0]!.message).toContain('0 records before it kept');
  });

  test('missing file is unreadable', async () => {
    const { records, problems } = await readAll(join(folder, 'does-not-exist.json'));
    expect(records).toEqual([]);
    expect(problems.map((problem) => [problem.kind, problem.fatal])).toEqual([['unreadable', true]]);
    expect(problems[0]!.message).toContain('ENOENT');
  });

  test('CloudTrail digest file skipped', async () => {
    const digest = {
      awsAccountId: '111122223333',
      digestStartTime: '2024-01-01T00:00:00Z',
      digestEndTime: '2024-01-01T01:00:00Z',
      logFiles: [{ s3Object: 'AWSLogs/111122223333/CloudTrail/us-east-1/a.json.gz' }],
    };
    const { records, problems } = await readAll(
      await write('digest.json.gz', gzipSync(JSON.stringify(digest))),
    );
    expect(records).toEqual([]);
    expect(problems.map((problem) => [problem.kind, problem.fatal])).toEqual([['digest-file', false]]);
  });

  test('single object record passed on', async () => {
    const { records, problems } = await readAll(await write('one.json', JSON.stringify({ unrelated: true })));
    expect(problems).toEqual([]);
    expect(records.map((item) => item.record)).toEqual([{ unrelated: true }]);
  });
});
