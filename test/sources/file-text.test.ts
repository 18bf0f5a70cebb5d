import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { readFileRecords } from '../../src/sources/file-records.js';
import type { FileProblem, FileRecord } from '../../src/sources/file-records.js';
import { parseDocument, splitLines } from '../../src/sources/file-text.js';

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'keyhunt-file-text-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

function record(eventId: string): Record<string, unknown> {
  return { eventID: eventId, eventName: 'ListBuckets', eventTime: '2024-01-01T00:00:00Z' };
}

/** Returns the lines node:readline gives for `text` arriving in chunks of `chunkSize` characters. */
async function readlineLines(text: string, chunkSize: number): Promise<string[]> {
  const chunks: string[] = [];
  for (let start = 0; start < text.length; start += chunkSize)
    chunks.push(text.slice(start, start + chunkSize));
  const lines: string[] = [];
  for await (const line of createInterface({ input: Readable.from(chunks), crlfDelay: Infinity })) {
    lines.push(line);
  }
  return lines;
}

describe('splitLines', () => {
  const cases = [
    '',
    'a',
    'a\n',
    '\n',
    '\n\n',
    'a\r\nb',
    'a\rb\r',
    'a\r\r\nb\n\r',
    '\r\n\r\n',
    '{"a":1}\n\n{"b":2}\r\n',
    'x\u2028y\u0085z\n',
    ' \t\n',
  ];

  test.each(cases.map((text) => [JSON.stringify(text), text]))(
    'matches readline on %s',
    async (_name, text) => {
      expect([...splitLines(text)]).toEqual(await readlineLines(text, 1));
      expect([...splitLines(text)]).toEqual(await readlineLines(text, 1024));
    },
  );

  test('matches readline on random text', async () => {
    const alphabet = ['a', 'b', '\n', '\r', ' '];
    let seed = 11;
    for (let round = 0; round < 200; round++) {
      let text = '';
      for (let index = 0; index < 30; index++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        text += alphabet[seed % alphabet.length];
      }
      expect([...splitLines(text)]).toEqual(await readlineLines(text, 7));
    }
  });
});

describe('parseDocument', () => {
  test('one-line document has its line', () => {
    expect(parseDocument('\n \r\n{"Records":[]}\n')).toEqual({ value: { Records: [] }, line: 3 });
  });

  test('byte order mark skipped', () => {
    expect(parseDocument('\uFEFF[1]')).toEqual({ value: [1], line: 1 });
  });

  test('multi-line document has no line', () => {
    expect(parseDocument('{\r\n  "a": [1,\r 2]\n}')).toEqual({ value: { a: [1, 2] }, line: null });
  });

  test('JSON Lines is not a document', () => {
    expect(parseDocument('{"a":1}\n{"b":2}\n')).toBeNull();
  });

  test('scalar is not a document', () => {
    expect(parseDocument('42')).toBeNull();
  });

  test('two byte order marks are not a document', () => {
    expect(parseDocument('\uFEFF\uFEFF{}')).toBeNull();
  });

  test('non-JSON whitespace is not a document', () => {
    expect(parseDocument('\u00A0\n{}')).toBeNull();
  });
});

/** Reads a file loaded whole and streamed (a buffer limit of 0 bytes), keeping records and problems of each. */
async function readBothWays(
  path: string,
): Promise<Array<{ records: FileRecord[]; problems: FileProblem[] }>> {
  const results = [];
  for (const maxBufferedBytes of [Number.MAX_SAFE_INTEGER, 0]) {
    const records: FileRecord[] = [];
    const problems: FileProblem[] = [];
    for await (const item of readFileRecords(path, (problem) => problems.push(problem), maxBufferedBytes)) {
      records.push(item);
    }
    results.push({ records, problems });
  }
  return results;
}

describe('loaded and streamed reads agree', () => {
  const records = [record('a'), record('b'), 'odd', record('c')];
  const delivery = JSON.stringify({ Records: records });
  const pretty = JSON.stringify({ Records: records }, null, 2);
  const lines = records.map((item) => JSON.stringify(item));
  const contents: Array<[string, string | Buffer]> = [
    ['one-line.json', delivery],
    ['blank-lines-around.json', `\n \n${delivery}\n\n`],
    ['pretty-crlf.json', pretty.replaceAll('\n', '\r\n')],
    ['pretty-cr.json', pretty.replaceAll('\n', '\r')],
    ['bom.json', `\uFEFF${delivery}`],
    ['two-boms.json', `\uFEFF\uFEFF${delivery}`],
    ['bom-pretty.json', `\uFEFF${pretty}`],
    ['nbsp-line.json', `\u00A0\n${delivery}`],
    ['lines.json', `${lines.join('\n')}\n`],
    ['lines-crlf.json', lines.join('\r\n')],
    ['broken-line.json', [lines[0], '{oops', lines[1], '', lines[3]].join('\n')],
    ['pretty.jsonl', pretty],
    ['one-line.jsonl', delivery],
    ['garbage.json', 'hello\nworld\n'],
    ['cut-document.json', delivery.slice(0, -10)],
    ['cut-pretty.json', `${pretty.slice(0, -10)}\n`],
    ['blank.json', '\n \n'],
    ['scalar.json', '42'],
    ['string.json', '"x"\n'],
    ['unicode.json', JSON.stringify({ Records: [{ ...record('u'), userAgent: 'ünïcødé ☃' }] })],
    [
      'digest-then-record.json',
      `${JSON.stringify({ digestStartTime: '2024-01-01T00:00:00Z', logFiles: [] })}\n${lines[0]}`,
    ],
    [
      'lookup.json',
      JSON.stringify({ Events: [{ EventId: 'x', CloudTrailEvent: '{bad' }, { EventId: 'y' }] }, null, 2),
    ],
    ['gzip.json.gz', gzipSync(delivery)],
    [
      'gzip-members.json.gz',
      Buffer.concat([gzipSync('{"Records":'), gzipSync(`${JSON.stringify(records)}}`)]),
    ],
    ['gzip-cut.jsonl.gz', gzipSync(lines.join('\n').repeat(200)).subarray(0, 300)],
    ['gzip-trailing-garbage.json.gz', Buffer.concat([gzipSync(delivery), Buffer.from('garbage')])],
  ];

  test.each(contents)('%s', async (name, content) => {
    const path = join(folder, name);
    await writeFile(path, content);
    const [loaded, streamed] = await readBothWays(path);
    expect(loaded!.records).toEqual(streamed!.records);
    expect(loaded!.problems).toEqual(streamed!.problems);
  });
});
