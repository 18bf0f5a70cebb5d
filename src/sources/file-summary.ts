/**
 * Summarizes the records of one loaded file for the detector. This is the part of a scan that runs on worker
 * threads. Problems and records skipped for their shape are kept as events in file order, so that the main
 * thread reports them in the order a scan on one thread would.
 */
import { RecordBatchBuilder, summarizeRecord } from '../detect/record-summary.js';
import type { DetectorOptions, RecordBatch } from '../detect/record-summary.js';
import type { SkipReason } from '../detect/types.js';
import type { FileProblem, FileRecord } from './file-records.js';
import { readTextRecords } from './file-text.js';

/** The path, line and position of a record, for messages about it. */
export type RecordLocation = Pick<FileRecord, 'path' | 'line' | 'index'>;

export type FileEvent =
  | { kind: 'problem'; problem: FileProblem }
  /** A record with a skip reason from normalizeRecord, such as 'missing-event-id'. */
  | { kind: 'skipped-record'; location: RecordLocation; reason: SkipReason };

export interface FileSummary {
  /** Problems and skipped records, in file order. */
  events: FileEvent[];
  batch: RecordBatch;
}

/** Reads and summarizes the records of one file from its decompressed content. */
export function summarizeFileContent(path: string, content: Buffer, options: DetectorOptions): FileSummary {
  const events: FileEvent[] = [];
  const builder = new RecordBatchBuilder();
  const report = (problem: FileProblem): void => {
    events.push({ kind: 'problem', problem });
  };
  for (const item of readTextRecords(path, content, report)) {
    const summary = summarizeRecord(item.record, options);
    builder.add(summary);
    if (summary.skip) {
      const location = { path: item.path, line: item.line, index: item.index };
      events.push({ kind: 'skipped-record', location, reason: summary.skip });
    }
  }
  return { events, batch: builder.take() };
}
