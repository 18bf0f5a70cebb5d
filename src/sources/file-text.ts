/**
 * Reads the records of a file already loaded into memory. A file that is one JSON document (the usual S3
 * delivery file) is parsed with one JSON.parse call over the whole text. Anything else goes line by line
 * through RecordAssembler with the lines that node:readline would give, so both paths yield the same records
 * and report the same problems as streaming the file.
 */
import type { FileRecord, ProblemHandler } from './file-records.js';
import { JSON_LINES_NAME, RecordAssembler } from './record-assembler.js';

const BYTE_ORDER_MARK = 0xfeff;

/** Yields the records of one file from its decompressed content. Problems go to `report`. */
export function* readTextRecords(
  path: string,
  content: Buffer,
  report: ProblemHandler,
): Generator<FileRecord> {
  const text = content.toString('utf8');
  const jsonLinesByName = JSON_LINES_NAME.test(path);
  const assembler = new RecordAssembler(path, report, jsonLinesByName);
  if (!jsonLinesByName) {
    const document = parseDocument(text);
    if (document) {
      yield* assembler.addDocument(document.value, document.line);
      return;
    }
  }

  let lineNumber = 0;
  for (const line of splitLines(text)) {
    lineNumber += 1;
    yield* assembler.addLine(line, lineNumber);
    if (assembler.stopped) break;
  }
  yield* assembler.finish();
}

/**
 * Parses text that is one JSON object or array, after one leading byte order mark. Returns null when it is
 * not, and the line reader then decides what the text is and reports its problems.
 *
 * The line reader reads such text the same way: when the value sits on one line, that line is a complete
 * JSON value, so it is read as JSON Lines with that line number. When the value spans lines, the first line
 * alone is not valid JSON (a valid text cannot be followed by more than whitespace), so the lines are
 * joined and parsed as one document, whose records have no line number. The lines around the value are
 * JSON whitespace, which changes neither result.
 */
export function parseDocument(text: string): { value: unknown; line: number | null } | null {
  const body = text.charCodeAt(0) === BYTE_ORDER_MARK ? text.slice(1) : text;
  const start = firstContentIndex(body);
  if (start === -1 || (body[start] !== '{' && body[start] !== '[')) return null;

  let value: unknown;
  try {
    value = JSON.parse(body) as unknown;
  } catch {
    // Not one JSON document: JSON Lines, or broken. The line reader handles and reports both.
    return null;
  }
  const end = lastContentIndex(body);
  const oneLine = !containsLineBreak(body, start, end);
  return { value, line: oneLine ? lineNumberAt(body, start) : null };
}

/**
 * Yields the lines of `text` as node:readline does with `crlfDelay: Infinity`: a line ends at `\r\n`, `\n`
 * or a lone `\r`, and a line break at the very end does not start another, empty line.
 */
export function* splitLines(text: string): Generator<string> {
  let start = 0;
  let lineFeed = text.indexOf('\n');
  let carriageReturn = text.indexOf('\r');
  while (start < text.length) {
    if (lineFeed !== -1 && lineFeed < start) lineFeed = text.indexOf('\n', start);
    if (carriageReturn !== -1 && carriageReturn < start) carriageReturn = text.indexOf('\r', start);
    const end = nearest(lineFeed, carriageReturn);
    if (end === -1) {
      yield text.slice(start);
      return;
    }
    yield text.slice(start, end);
    start = text.startsWith('\r\n', end) ? end + 2 : end + 1;
  }
}

/** Returns the smaller of two indexOf results, where -1 means not found. */
function nearest(a: number, b: number): number {
  if (a === -1) return b;
  if (b === -1) return a;
  return Math.min(a, b);
}

function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function firstContentIndex(text: string): number {
  for (let index = 0; index < text.length; index += 1) {
    if (!isJsonWhitespace(text.charCodeAt(index))) return index;
  }
  return -1;
}

function lastContentIndex(text: string): number {
  for (let index = text.length - 1; index >= 0; index -= 1) {
    if (!isJsonWhitespace(text.charCodeAt(index))) return index;
  }
  return -1;
}

function containsLineBreak(text: string, start: number, end: number): boolean {
  const lineFeed = text.indexOf('\n', start);
  const carriageReturn = text.indexOf('\r', start);
  return (lineFeed !== -1 && lineFeed < end) || (carriageReturn !== -1 && carriageReturn < end);
}

/** Returns the 1-based line number of `index`, counting `\r\n` as one line break. */
function lineNumberAt(text: string, index: number): number {
  let line = 1;
  for (let position = 0; position < index; position += 1) {
    const code = text.charCodeAt(position);
    if (code === 0x0a) line += 1;
    else if (code === 0x0d && text.charCodeAt(position + 1) !== 0x0a) line += 1;
  }
  return line;
}
