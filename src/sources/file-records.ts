/**
 * Reads the CloudTrail records of one file, whatever its form: an S3 delivery file `{"Records":[...]}`,
 * `aws cloudtrail lookup-events` output `{"Events":[{CloudTrailEvent: "<json>"}]}`, a bare array, or JSON
 * Lines. Gzip is recognised by its magic bytes, not by the file name. Records are yielded as parsed,
 * unvalidated; the detector decides what a usable record is.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

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

const GZIP_MAGIC = [0x1f, 0x8b] as const;
const JSON_LINES_NAME = /\.(jsonl|ndjson)(\.gz)?$/i;

/**
 * Yields the records of one file in file order. Problems go to `report`, never thrown: a fatal one ends the
 * file (records yielded before it stay yielded), a line-level one skips that line.
 *
 * JSON Lines is chosen when the file name ends in `.jsonl` or `.ndjson`, or when the first non-blank line is
 * a complete JSON value on its own (which also covers one-line S3 delivery files). Otherwise the file is one
 * JSON document and is buffered whole, which is bounded by the size of a single file.
 */
export async function* readFileRecords(path: string, report: ProblemHandler): AsyncGenerator<FileRecord> {
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
    gzip = await startsWithGzipMagic(handle);
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

async function startsWithGzipMagic(handle: FileHandle): Promise<boolean> {
  const head = Buffer.alloc(GZIP_MAGIC.length);
  const { bytesRead } = await handle.read(head, 0, head.length, 0);
  return bytesRead === GZIP_MAGIC.length && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

/** Turns lines into records, deciding between JSON Lines and a single JSON document on the first line. */
class RecordAssembler {
  private mode: 'undecided' | 'lines' | 'document';
  private documentLines: string[] = [];
  private recordIndex = 0;
  private validLines = 0;
  private invalidLines = 0;
  /** Set when the rest of the file is to be ignored, such as after a digest file's header. */
  stopped = false;

  constructor(
    private readonly path: string,
    private readonly report: ProblemHandler,
    jsonLinesByName: boolean,
  ) {
    this.mode = jsonLinesByName ? 'lines' : 'undecided';
  }

  *addLine(rawText: string, lineNumber: number): Generator<FileRecord> {
    const text = lineNumber === 1 ? rawText.replace(/^\uFEFF/, '') : rawText;
    if (this.mode === 'document') {
      this.documentLines.push(text);
      return;
    }
    if (text.trim() === '') return;

    const parsed = parseJson(text);
    if (this.mode === 'undecided') {
      if (!parsed.ok) {
        this.mode = 'document';
        this.documentLines.push(text);
        return;
      }
      this.mode = 'lines';
    }
    if (!parsed.ok) {
      this.invalidLines += 1;
      const message = `invalid JSON, line skipped: ${parsed.error}`;
      this.report(fileProblem('invalid-line', this.path, lineNumber, message));
      return;
    }
    this.validLines += 1;
    yield* this.unwrap(parsed.value, lineNumber);
  }

  get recordCount(): number {
    return this.recordIndex;
  }

  *finish(): Generator<FileRecord> {
    if (this.mode === 'lines' && this.validLines === 0 && this.invalidLines > 0) {
      this.report(
        fileProblem('invalid-json', this.path, null, 'not valid JSON Lines: no line is valid JSON'),
      );
      return;
    }
    if (this.mode !== 'document') return;
    const parsed = parseJson(this.documentLines.join('\n'));
    this.documentLines = [];
    if (!parsed.ok) {
      const message = `not valid JSON or JSON Lines: ${parsed.error}`;
      this.report(fileProblem('invalid-json', this.path, null, message));
      return;
    }
    yield* this.unwrap(parsed.value, null);
  }

  /** Yields the records inside one top-level JSON value: an envelope's entries, or the value itself. */
  private *unwrap(value: unknown, line: number | null): Generator<FileRecord> {
    if (Array.isArray(value)) {
      for (const record of value) yield this.emit(record, line);
      return;
    }
    if (!isObject(value)) {
      yield this.emit(value, line);
      return;
    }
    if (Array.isArray(value.Records)) {
      for (const record of value.Records) yield this.emit(record, line);
      return;
    }
    if (Array.isArray(value.Events)) {
      yield* this.unwrapLookupEvents(value.Events, line);
      return;
    }
    if (isDigest(value)) {
      this.stopped = true;
      const message = 'CloudTrail digest file, which holds no records; skipped';
      this.report(fileProblem('digest-file', this.path, line, message));
      return;
    }
    yield this.emit(value, line);
  }

  /** LookupEvents entries carry the record as a JSON string in `CloudTrailEvent`. */
  private *unwrapLookupEvents(events: unknown[], line: number | null): Generator<FileRecord> {
    for (const [position, event] of events.entries()) {
      const embedded = isObject(event) ? event.CloudTrailEvent : undefined;
      if (typeof embedded !== 'string') {
        yield this.emit(embedded ?? event, line);
        continue;
      }
      const parsed = parseJson(embedded);
      if (parsed.ok) {
        yield this.emit(parsed.value, line);
        continue;
      }
      const eventId =
        isObject(event) && typeof event.EventId === 'string' ? ` (EventId ${event.EventId})` : '';
      const message = `Events[${position}]${eventId}: CloudTrailEvent is not valid JSON, event skipped: ${parsed.error}`;
      this.report(fileProblem('invalid-embedded-event', this.path, line, message));
    }
  }

  private emit(record: unknown, line: number | null): FileRecord {
    this.recordIndex += 1;
    return { record, path: this.path, line, index: this.recordIndex };
  }
}

type ParseResult = { ok: true; value: unknown } | { ok: false; error: string };

function parseJson(text: string): ParseResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: errorMessage(error) };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDigest(value: Record<string, unknown>): boolean {
  return Array.isArray(value.logFiles) && typeof value.digestStartTime === 'string';
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

function fileProblem(kind: FileProblemKind, path: string, line: number | null, message: string): FileProblem {
  const fatal = kind === 'unreadable' || kind === 'invalid-gzip' || kind === 'invalid-json';
  return { kind, path, line, message, fatal };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
