/**
 * Turns the lines or the parsed document of one CloudTrail log file into records. It decides between JSON
 * Lines and one JSON document, and unwraps S3 delivery files, LookupEvents output and bare arrays. It reports
 * lines that are not JSON, and digest files.
 */
import type { FileProblem, FileProblemKind, FileRecord, ProblemHandler } from './file-records.js';

/** File names that are always read as JSON Lines. */
export const JSON_LINES_NAME = /\.(jsonl|ndjson)(\.gz)?$/i;

/** Turns lines into records, deciding between JSON Lines and a single JSON document on the first line. */
export class RecordAssembler {
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

  /** Yields the records of a file already parsed whole, such as by readTextRecords. */
  *addDocument(value: unknown, line: number | null): Generator<FileRecord> {
    yield* this.unwrap(value, line);
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

export type ParseResult = { ok: true; value: unknown } | { ok: false; error: string };

export function parseJson(text: string): ParseResult {
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

export function fileProblem(
  kind: FileProblemKind,
  path: string,
  line: number | null,
  message: string,
): FileProblem {
  const fatal = kind === 'unreadable' || kind === 'invalid-gzip' || kind === 'invalid-json';
  return { kind, path, line, message, fatal };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
