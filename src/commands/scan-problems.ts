/**
 * Reports broken scan input on stderr through the logger: files that failed, lines that were not JSON and
 * records of the wrong shape, each with its path (and line for JSON Lines). At most
 * MAX_MESSAGES_PER_FILE messages per file are logged; the rest are counted in one closing message.
 */
import type { SkipReason } from '../detect/index.js';
import type { Logger } from '../log.js';
import type { FileProblem, RecordLocation } from '../sources/files.js';

export const MAX_MESSAGES_PER_FILE = 5;

/** Skip reasons that mean a record has the wrong shape. Duplicates and out-of-range records are normal. */
const SHAPE_PROBLEMS: Partial<Record<SkipReason, string>> = {
  'not-an-object': 'not a JSON object',
  'missing-event-name': 'no eventName',
  'missing-event-id': 'no eventID',
  'invalid-event-time': 'eventTime missing or not an ISO 8601 time',
  'missing-access-key-id': 'access key event without an access key id',
};

export class ScanProblemReporter {
  /** Folders that could not be listed. */
  foldersFailed = 0;
  private messagesInFile = 0;
  private suppressedInFile = 0;

  constructor(private readonly logger: Logger) {}

  reportFolder(problem: FileProblem): void {
    this.foldersFailed += 1;
    this.logger.error({ path: problem.path, kind: problem.kind }, `${problem.path}: ${problem.message}`);
  }

  reportFile(problem: FileProblem): void {
    const fields = {
      path: problem.path,
      kind: problem.kind,
      ...(problem.line === null ? {} : { line: problem.line }),
    };
    const text = `${location(problem.path, problem.line)}: ${problem.message}`;
    if (problem.fatal) {
      this.logger.error(fields, text);
    } else if (problem.kind === 'digest-file') {
      this.logger.info(fields, text);
    } else if (this.allowMessage()) {
      this.logger.warn(fields, text);
    }
  }

  /** Logs a record that the detector skips for its shape, given the reason normalizeRecord gave it. */
  checkRecord(item: RecordLocation, skip: SkipReason | null): void {
    const description = skip ? SHAPE_PROBLEMS[skip] : undefined;
    if (!skip || !description || !this.allowMessage()) return;
    const line = item.line === null ? {} : { line: item.line };
    const fields = { path: item.path, ...line, record: item.index, reason: skip };
    this.logger.warn(
      fields,
      `${location(item.path, item.line)} (record ${item.index}): record skipped, ${description}`,
    );
  }

  /** Ends the current file: logs how many of its messages were left out. */
  finishFile(path: string): void {
    if (this.suppressedInFile > 0) {
      const count = this.suppressedInFile;
      this.logger.warn(
        { path, suppressed: count },
        `${path}: ${count} more skipped lines or records not shown`,
      );
    }
    this.messagesInFile = 0;
    this.suppressedInFile = 0;
  }

  private allowMessage(): boolean {
    if (this.messagesInFile < MAX_MESSAGES_PER_FILE) {
      this.messagesInFile += 1;
      return true;
    }
    this.suppressedInFile += 1;
    return false;
  }
}

function location(path: string, line: number | null): string {
  return line === null ? path : `${path}:${line}`;
}
