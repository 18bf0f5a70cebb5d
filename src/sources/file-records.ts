/**
 * Reads the CloudTrail records of one file, whatever its form: an S3 delivery file `{"Records":[...]}`,
 * `aws cloudtrail lookup-events` output `{"Events":[{CloudTrailEvent: "<json>"}]}`, a bare array, or JSON
 * Lines. Gzip is recognised by its magic bytes, not by the file name. Records are yielded as parsed,
 * unvalidated; the detector decides what a usable record is.
 *
 * A file of up to MAX_BUFFERED_FILE_BYTES (decompressed) is loaded whole and parsed from memory. Larger
 * files, and files that fail to load, are streamed line by line, and the streaming reader reports what is
 * wrong with them. Both paths yield the same records and report the same problems.
 */
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { MAX_BUFFERED_FILE_BYTES, isGzip, loadFileSync } from './file-load.js';
import { readTextRecords } from './file-text.js';
import { JSON_LINES_NAME, RecordAssembler, errorMessage, fileProblem } from './record-assembler.js';

/** A record as read from a file, with where it came from for error messages. */
export interface FileRecord {
  record: unknown;
  path: string;
  /** 1-based line of JSON Lines input; null for records of a multi-line JSON document. */
  line: number | null;
  /** 1-based position of the record in its file. */
  index: number;
}

export type FileProblemKind =
  /** The file could not be opened or read. */
  | 'unreadable'
  /** Gzip data that is truncated or corrupt. */
  | 'invalid-gzip'
  /** Neither a JSON document nor JSON Lines. */
  | 'invalid-json'
  /** One JSON Lines line that is not valid JSON; the rest of the file is read. */
  | 'invalid-line'
  /** A LookupEvents entry whose `CloudTrailEvent` string is not valid JSON. */
  | 'invalid-embedded-event'
  /** A CloudTrail digest file, which lists log files and holds no records. */
  | 'digest-file';

export interface FileProblem {
  kind: FileProblemKind;
  path: string;
  line: number | null;
  message: string;
  /** True when reading of the file stopped, so the file counts as failed. */
  fatal: boolean;
}

export type ProblemHandler = (problem: FileProblem) => void;

/**
 * Yields the records of one file in file order. Problems go to `report`, never thrown: a fatal one ends the
 * file (records yielded before it stay yielded), a line-level one skips that line.
 *
 * JSON Lines is chosen when the file name ends in `.jsonl` or `.ndjson`, or when the first non-blank line is
 * a complete JSON value on its own (which also covers one-line S3 delivery files). Otherwise the file is one
 * JSON document. `maxBufferedBytes` is the largest decompressed size loaded whole.
 */
export async function* readFileRecords(
  path: string,
  report: ProblemHandler,
  maxBufferedBytes = MAX_BUFFERED_FILE_BYTES,
): AsyncGenerator<FileRecord> {
  const content = loadFileSync(path, maxBufferedBytes);
  if (content) yield* readTextRecords(path, content, report);
  else yield* streamFileRecords(path, report);
}

/**
 * Yields the records of one file read as a stream of lines, so a file of any size is read in bounded memory,
 * except that a multi-line JSON document is buffered whole. Reports open, read and gzip failures.
 */
export async function* streamFileRecords(path: string, report: ProblemHandler): AsyncGenerator<FileRecord> {
  let input: Readable;
  try {
    input = await openDecoded(path);
  } catch (error) {
    report(fileProblem('unreadable', path, null, `failed to open file: ${errorMessage(error)}`));
    return;
  }

  const reader = new RecordAssembler(path, report, JSON_LINES_NAME.test(path));
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const text of lines) {
      lineNumber += 1;
      yield* reader.addLine(text, lineNumber);
      if (reader.stopped) break;
    }
  } catch (error) {
    report(readFailure(path, lineNumber, reader.recordCount, error));
    return;
  } finally {
    lines.close();
    input.destroy();
  }
  yield* reader.finish();
}

/** Opens the file as a byte stream, decompressed when it starts with the gzip magic bytes. */
async function openDecoded(path: string): Promise<Readable> {
  const handle = await open(path, 'r');
  let gzip: boolean;
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    gzip = isGzip(head.subarray(0, bytesRead));
  } catch (error) {
    await handle.close();
    throw error;
  }
  const raw = handle.createReadStream({ start: 0 });
  if (!gzip) return raw;

  const gunzip = createGunzip();
  raw.on('error', (error) => gunzip.destroy(error));
  gunzip.on('close', () => raw.destroy());
  return raw.pipe(gunzip);
}

/** Zlib errors carry a `Z_...` code; everything else is an I/O error. */
function readFailure(path: string, lineNumber: number, recordsKept: number, error: unknown): FileProblem {
  const code = (error as { code?: unknown }).code;
  const where = lineNumber > 0 ? ` after line ${lineNumber}` : '';
  const keptNote = `${recordsKept} record${recordsKept === 1 ? '' : 's'} before it kept`;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    const message = `truncated or corrupt gzip data${where} (${errorMessage(error)}); ${keptNote}`;
    return fileProblem('invalid-gzip', path, null, message);
  }
  return fileProblem('unreadable', path, null, `read failed${where}: ${errorMessage(error)}; ${keptNote}`);
}
