/**
 * Reads the records of many CloudTrail log files in order and counts what it read and skipped. A scan takes
 * them as RecordBatch summaries, made on worker threads for files loaded whole, so that a scan of a large
 * S3-layout archive parses on several cores and keeps one file per worker in memory.
 */
import { RecordBatchBuilder, summarizeRecord } from '../detect/record-summary.js';
import type { DetectorOptions, RecordBatch } from '../detect/record-summary.js';
import type { SkipReason } from '../detect/types.js';
import { MAX_BUFFERED_FILE_BYTES } from './file-load.js';
import { readFileRecords, streamFileRecords } from './file-records.js';
import type { FileProblem, FileRecord, ProblemHandler } from './file-records.js';
import type { FileSummary, RecordLocation } from './file-summary.js';
import type { InputFile } from './files.js';
import { Prefetcher, SummaryPool } from './summary-pool.js';

export interface FileReadStats {
  filesRead: number;
  /** Files that could not be read to the end: unreadable, invalid JSON, truncated gzip. */
  filesFailed: number;
  /** CloudTrail digest files, which hold no records. */
  filesSkipped: number;
  /** Bytes on disk of the files finished so far. */
  bytesRead: number;
  /** Records handed on, including those of files that failed part way. */
  records: number;
  /** JSON Lines lines that were not valid JSON. */
  invalidLines: number;
  /** LookupEvents entries whose CloudTrailEvent string was not valid JSON. */
  invalidEmbeddedEvents: number;
}

/**
 * Files requested from each summary worker ahead of the one the scan is merging, so that a worker that is
 * done early does not wait. A worker holds one file's content at a time, and the summaries that queue up are
 * small, so this costs little memory.
 */
export const FILES_SUMMARIZED_AHEAD = 8;
/** Records of a streamed file summarized into one batch. */
const STREAMED_BATCH_RECORDS = 1000;

export interface FileReaderOptions {
  onProblem: ProblemHandler;
  /** Called by `summaries` for each record with a skip reason from normalizeRecord, in file order. */
  onRecordSkipped?: (location: RecordLocation, reason: SkipReason) => void;
  /** Called after each file, whether it was read, failed or skipped. */
  onFileDone?: (file: InputFile, stats: Readonly<FileReadStats>) => void;
  /** Largest decompressed size in bytes of a file loaded whole; default MAX_BUFFERED_FILE_BYTES. */
  maxBufferedBytes?: number;
  /** Summary worker threads; 0 summarizes on the main thread. Default: the cores, at most 4. */
  workers?: number;
  /** Called for each summary worker that fails; its files are then streamed on the main thread. */
  onWorkerError?: (error: Error) => void;
}

type FileOutcome = 'read' | 'failed' | 'skipped';

export class CloudTrailFileReader {
  readonly stats: FileReadStats = {
    filesRead: 0,
    filesFailed: 0,
    filesSkipped: 0,
    bytesRead: 0,
    records: 0,
    invalidLines: 0,
    invalidEmbeddedEvents: 0,
  };

  constructor(private readonly options: FileReaderOptions) {}

  /** Yields the records of the files in order, reading one file at a time on this thread. */
  async *records(files: Iterable<InputFile>): AsyncGenerator<FileRecord> {
    const maxBytes = this.options.maxBufferedBytes ?? MAX_BUFFERED_FILE_BYTES;
    for (const file of files) {
      const tracker = this.trackFile();
      for await (const record of readFileRecords(file.path, tracker.onProblem, maxBytes)) {
        this.stats.records += 1;
        yield record;
      }
      this.countFile(tracker.outcome(), file);
    }
  }

  /**
   * Yields the records of the files, in order, summarized with summarizeRecord and `detectorOptions` for
   * Detector.addBatch: one batch per file loaded whole, summarized on a worker thread, and batches of up to
   * STREAMED_BATCH_RECORDS records of a streamed file. Problems and records skipped for their shape are
   * reported through the options in the order a one-thread scan would report them.
   */
  async *summaries(
    files: Iterable<InputFile>,
    detectorOptions: DetectorOptions,
  ): AsyncGenerator<RecordBatch> {
    const list = [...files];
    const pool = new SummaryPool({
      detectorOptions,
      maxBytes: this.options.maxBufferedBytes ?? MAX_BUFFERED_FILE_BYTES,
      workers: this.options.workers,
      onWorkerError: this.options.onWorkerError,
    });
    const ahead = FILES_SUMMARIZED_AHEAD * Math.max(1, pool.threads);
    const prefetcher = new Prefetcher(
      list.map((file) => file.path),
      (path) => pool.summarize(path),
      ahead,
    );
    try {
      for (const [index, file] of list.entries()) {
        const summary = await prefetcher.take(index);
        if (summary) yield this.replaySummary(file, summary);
        else yield* this.summarizeStreamed(file, detectorOptions);
      }
    } finally {
      await pool.close();
    }
  }

  /** Reports a file's summarized problems and skipped records in order, counts the file, and returns its batch. */
  private replaySummary(file: InputFile, summary: FileSummary): RecordBatch {
    const tracker = this.trackFile();
    for (const event of summary.events) {
      if (event.kind === 'problem') tracker.onProblem(event.problem);
      else this.options.onRecordSkipped?.(event.location, event.reason);
    }
    this.stats.records += summary.batch.records;
    this.countFile(tracker.outcome(), file);
    return summary.batch;
  }

  /** Streams a file that was not loaded whole and summarizes its records here, in batches. */
  private async *summarizeStreamed(
    file: InputFile,
    detectorOptions: DetectorOptions,
  ): AsyncGenerator<RecordBatch> {
    const tracker = this.trackFile();
    const builder = new RecordBatchBuilder();
    for await (const item of streamFileRecords(file.path, tracker.onProblem)) {
      const summary = summarizeRecord(item.record, detectorOptions);
      builder.add(summary);
      this.stats.records += 1;
      if (summary.skip) this.options.onRecordSkipped?.(item, summary.skip);
      if (builder.size >= STREAMED_BATCH_RECORDS) yield builder.take();
    }
    const last = builder.take();
    this.countFile(tracker.outcome(), file);
    if (last.records > 0) yield last;
  }

  /** Returns a problem handler for one file that counts line-level problems and notes how the file ended. */
  private trackFile(): { onProblem: ProblemHandler; outcome: () => FileOutcome } {
    let outcome: FileOutcome = 'read';
    const onProblem = (problem: FileProblem): void => {
      if (problem.fatal) outcome = 'failed';
      else if (problem.kind === 'digest-file') outcome = 'skipped';
      else if (problem.kind === 'invalid-line') this.stats.invalidLines += 1;
      else if (problem.kind === 'invalid-embedded-event') this.stats.invalidEmbeddedEvents += 1;
      this.options.onProblem(problem);
    };
    return { onProblem, outcome: () => outcome };
  }

  private countFile(outcome: FileOutcome, file: InputFile): void {
    if (outcome === 'read') this.stats.filesRead += 1;
    else if (outcome === 'failed') this.stats.filesFailed += 1;
    else this.stats.filesSkipped += 1;
    this.stats.bytesRead += file.size;
    this.options.onFileDone?.(file, this.stats);
  }
}
