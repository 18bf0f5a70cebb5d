import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Detector, HOUR_MS } from '../../src/detect/index.js';
import type { DetectionResult, DetectorOptions } from '../../src/detect/index.js';
import { CloudTrailFileReader, listInputFiles } from '../../src/sources/files.js';
import type { FileReadStats, FileReaderOptions, InputFile } from '../../src/sources/files.js';
import { createKeyRecord, deleteKeyRecord, iamUser, useRecord } from '../support/records.js';

const OPTIONS: DetectorOptions = { thresholdMs: 24 * HOUR_MS };
const KEY = 'AKIAEXAMPLEKEY000001';

let folder: string;
let files: InputFile[];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'keyhunt-file-reader-'));
  const create = createKeyRecord({
    eventId: 'c1',
    time: '2024-03-01T10:00:00Z',
    identity: iamUser('admin'),
    accessKeyId: KEY,
    userName: 'bob',
  });
  const use = useRecord(KEY, 'u1', '2024-03-01T10:01:00Z', 'ListBuckets', '192.0.2.1');
  const remove = deleteKeyRecord({
    eventId: 'd1',
    time: '2024-03-01T10:30:00Z',
    identity: iamUser('admin'),
    accessKeyId: KEY,
    userName: 'bob',
  });
  const bad = { eventName: 'ListBuckets', eventTime: '2024-03-01T10:02:00Z' };
  await writeFile(
    join(folder, 'a-delivery.json.gz'),
    gzipSync(JSON.stringify({ Records: [create, use, bad] })),
  );
  await writeFile(join(folder, 'b-pretty.json'), JSON.stringify({ Records: [use, remove] }, null, 2));
  await writeFile(
    join(folder, 'c-lines.jsonl'),
    [JSON.stringify(bad), '{broken', JSON.stringify(use), JSON.stringify('odd')].join('\n'),
  );
  await writeFile(join(folder, 'd-not-json.json'), 'hello');
  await writeFile(
    join(folder, 'e-cut.json.gz'),
    gzipSync(JSON.stringify({ Records: [create] })).subarray(0, 30),
  );
  files = await listInputFiles([folder], () => undefined);
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

interface ReadOutcome {
  /** Problems and skipped records in the order they were reported. */
  messages: string[];
  done: string[];
  stats: FileReadStats;
  result: DetectionResult;
}

function readerOptions(messages: string[], done: string[]): FileReaderOptions {
  return {
    onProblem: (problem) => messages.push(`problem ${problem.kind} ${problem.path}:${problem.line}`),
    onRecordSkipped: (location, reason) =>
      messages.push(`skipped ${reason} ${location.path}:${location.line} #${location.index}`),
    onFileDone: (file, stats) => done.push(`${file.path} ${stats.records}`),
  };
}

/** Reads the files one record at a time and adds each to the detector, reporting skips as a scan did. */
async function readOneByOne(): Promise<ReadOutcome> {
  const messages: string[] = [];
  const done: string[] = [];
  const options = readerOptions(messages, done);
  const reader = new CloudTrailFileReader(options);
  const detector = new Detector(OPTIONS);
  for await (const item of reader.records(files)) {
    const skip = detector.add(item.record);
    if (skip) options.onRecordSkipped!(item, skip);
  }
  return { messages, done, stats: reader.stats, result: detector.finish() };
}

async function readSummaries(maxBufferedBytes?: number): Promise<ReadOutcome> {
  const messages: string[] = [];
  const done: string[] = [];
  const reader = new CloudTrailFileReader({ ...readerOptions(messages, done), maxBufferedBytes, workers: 0 });
  const detector = new Detector(OPTIONS);
  for await (const batch of reader.summaries(files, OPTIONS)) detector.addBatch(batch);
  return { messages, done, stats: reader.stats, result: detector.finish() };
}

describe('CloudTrailFileReader.summaries', () => {
  test('files loaded whole match records', async () => {
    expect(await readSummaries()).toEqual(await readOneByOne());
  });

  test('streamed files match records', async () => {
    expect(await readSummaries(0)).toEqual(await readOneByOne());
  });

  test('problems and skips in file order', async () => {
    const { messages } = await readSummaries();
    const relative = messages.map((message) => message.replaceAll(`${folder}/`, ''));
    expect(relative).toEqual([
      'skipped missing-event-id a-delivery.json.gz:1 #3',
      'skipped missing-event-id c-lines.jsonl:1 #1',
      'problem invalid-line c-lines.jsonl:2',
      'skipped not-an-object c-lines.jsonl:4 #3',
      'problem invalid-json d-not-json.json:null',
      'problem invalid-gzip e-cut.json.gz:null',
    ]);
  });

  test('stats and findings', async () => {
    const { stats, result } = await readSummaries();
    expect(stats).toEqual({
      filesRead: 3,
      filesFailed: 2,
      filesSkipped: 0,
      bytesRead: files.reduce((total, file) => total + file.size, 0),
      records: 8,
      invalidLines: 1,
      invalidEmbeddedEvents: 0,
    });
    expect(result.findings.map((finding) => finding.accessKeyId)).toEqual([KEY]);
    expect(result.findings[0]!.usage.count).toBe(1);
    expect(result.stats.skipped).toEqual({
      'duplicate-event-id': 2,
      'missing-event-id': 2,
      'not-an-object': 1,
    });
  });
});
