/**
 * CloudTrail log files on disk: finds the files under the paths given on the command line and reads their
 * records file by file, in order. A worker thread loads a few files ahead while the current one is parsed, so
 * a scan of a large S3-layout archive keeps at most FILES_LOADED_AHEAD + 1 files in memory.
 */
import { opendir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { types } from 'node:util';
import { KeyhuntError } from '../errors.js';
import { MAX_BUFFERED_FILE_BYTES } from './file-load.js';
import { FileLoader, FilePrefetcher } from './file-loader.js';
import { readFileRecords, streamFileRecords } from './file-records.js';
import type { FileProblem, FileRecord, ProblemHandler } from './file-records.js';
import { readTextRecords } from './file-text.js';

export { readFileRecords };
export type { FileProblem, FileProblemKind, FileRecord, ProblemHandler } from './file-records.js';

/** File names read when walking a folder. A file named on the command line is read whatever its name. */
export const RECORD_FILE_NAME = /\.(json|jsonl|ndjson)(\.gz)?$/i;

export interface InputFile {
  path: string;
  /** Size on disk in bytes (compressed size for gzip files). */
  size: number;
}

/** A path given to the scan that does not exist. */
export class InputPathError extends KeyhuntError {
  constructor(
    readonly path: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      'INPUT_PATH_NOT_FOUND',
      `path not found: ${path}; pass an existing file or folder of CloudTrail logs`,
      options,
    );
  }
}

/**
 * Lists the files to read, sorted by path within each argument and without duplicates. Folders are walked
 * recursively for `.json`, `.jsonl` and `.ndjson` files, each optionally `.gz`. Entries whose name starts
 * with a dot are skipped, and symbolic links to folders are not followed, so a link loop cannot stall the
 * walk. Throws InputPathError for a path that does not exist. A subfolder that cannot be read is reported
 * to `report` and skipped.
 */
export async function listInputFiles(paths: readonly string[], report: ProblemHandler): Promise<InputFile[]> {
  const files: InputFile[] = [];
  const seen = new Set<string>();
  for (const given of paths) {
    const path = resolve(given);
    let info: Stats;
    try {
      info = await stat(path);
    } catch (error) {
      if (isNotFound(error)) throw new InputPathError(given, { cause: error });
      throw error;
    }
    const found = info.isDirectory() ? await walkFolder(path, report) : [{ path, size: info.size }];
    for (const file of found) {
      if (seen.has(file.path)) continue;
      seen.add(file.path);
      files.push(file);
    }
  }
  return files;
}

/** Stat calls in flight at once while listing one folder. */
const CONCURRENT_STATS = 256;

interface FolderEntry {
  path: string;
  isDirectory: boolean;
}

async function walkFolder(folder: string, report: ProblemHandler): Promise<InputFile[]> {
  const files: InputFile[] = [];
  const pending = [folder];
  while (pending.length > 0) {
    const current = pending.pop()!;
    const listing = await listFolder(current);
    // The files of a folder are described concurrently, then taken in entry order up to the first failure,
    // so the result and the failure reported are those of describing one file at a time.
    const described = await describeFiles(listing.entries);
    let failed = listing.failed;
    let failure = listing.error;
    for (const [index, entry] of listing.entries.entries()) {
      const outcome = described[index];
      if (entry.isDirectory) {
        pending.push(entry.path);
      } else if (outcome?.status === 'fulfilled' && outcome.value) {
        files.push(outcome.value);
      } else {
        failed = true;
        failure = outcome?.status === 'rejected' ? outcome.reason : undefined;
        break;
      }
    }
    if (failed) {
      // isNativeError, unlike instanceof Error, is also true for errors made in another realm, such as a test's.
      const reason = types.isNativeError(failure) ? failure.message : String(failure);
      const message = `failed to list folder, skipped: ${reason}`;
      report({ kind: 'unreadable', path: current, line: null, message, fatal: true });
    }
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Lists the subfolders and log files of a folder, up to the error that stopped the listing, if any. */
async function listFolder(
  folder: string,
): Promise<{ entries: FolderEntry[]; failed: boolean; error?: unknown }> {
  const entries: FolderEntry[] = [];
  try {
    for await (const entry of await opendir(folder)) {
      if (entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) entries.push({ path, isDirectory: true });
      else if (RECORD_FILE_NAME.test(entry.name)) entries.push({ path, isDirectory: false });
    }
  } catch (error) {
    return { entries, failed: true, error };
  }
  return { entries, failed: false };
}

/** Describes the file entries, CONCURRENT_STATS at a time. Folder entries are described as null. */
async function describeFiles(
  entries: readonly FolderEntry[],
): Promise<Array<PromiseSettledResult<InputFile | null>>> {
  const outcomes: Array<PromiseSettledResult<InputFile | null>> = [];
  for (let start = 0; start < entries.length; start += CONCURRENT_STATS) {
    const batch = entries.slice(start, start + CONCURRENT_STATS);
    const described = batch.map((entry) =>
      entry.isDirectory ? Promise.resolve(null) : describeFile(entry.path),
    );
    outcomes.push(...(await Promise.allSettled(described)));
  }
  return outcomes;
}

/** Symbolic links are followed; a broken link is listed with size 0 and reported when it is read. */
async function describeFile(path: string): Promise<InputFile> {
  try {
    return { path, size: (await stat(path)).size };
  } catch (error) {
    if (isNotFound(error)) return { path, size: 0 };
    throw error;
  }
}

function isNotFound(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'ENOENT';
}

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

/** Files read and gunzipped on the loader's worker thread ahead of the one being parsed. */
export const FILES_LOADED_AHEAD = 4;

export interface FileReaderOptions {
  onProblem: ProblemHandler;
  /** Called after each file, whether it was read, failed or skipped. */
  onFileDone?: (file: InputFile, stats: Readonly<FileReadStats>) => void;
  /** Files loaded ahead of the current one; default FILES_LOADED_AHEAD. */
  filesLoadedAhead?: number;
  /** Largest decompressed size in bytes of a file loaded whole; default MAX_BUFFERED_FILE_BYTES. */
  maxBufferedBytes?: number;
  /** Called if the loader's worker thread fails; files then load on the main thread. */
  onLoaderError?: (error: Error) => void;
}

/** Reads the records of many files in order, loading a few ahead, and counts what it read and skipped. */
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

  /** Yields the records of the files in order. */
  async *records(files: Iterable<InputFile>): AsyncGenerator<FileRecord> {
    for await (const batch of this.batches(files)) yield* batch;
  }

  /**
   * Yields the records of the files in order, in batches: all records of a file loaded whole, or one record
   * at a time from a streamed file. Iterating a batch synchronously saves the promise that an async
   * generator costs per record. Each batch must be iterated to its end before the next is requested,
   * because problems, stats and onFileDone follow that iteration.
   */
  async *batches(files: Iterable<InputFile>): AsyncGenerator<Iterable<FileRecord>> {
    const list = [...files];
    const loader = new FileLoader({ onWorkerError: this.options.onLoaderError });
    const prefetcher = new FilePrefetcher(
      list,
      loader,
      this.options.filesLoadedAhead ?? FILES_LOADED_AHEAD,
      this.options.maxBufferedBytes ?? MAX_BUFFERED_FILE_BYTES,
    );
    try {
      for (const [index, file] of list.entries()) yield* this.readFile(file, await prefetcher.take(index));
    } finally {
      await loader.close();
    }
  }

  /** Yields the records of one file in batches, from its loaded content or streamed when that is null. */
  private async *readFile(file: InputFile, content: Buffer | null): AsyncGenerator<Iterable<FileRecord>> {
    let outcome: 'read' | 'failed' | 'skipped' = 'read';
    const onProblem = (problem: FileProblem): void => {
      if (problem.fatal) outcome = 'failed';
      else if (problem.kind === 'digest-file') outcome = 'skipped';
      else if (problem.kind === 'invalid-line') this.stats.invalidLines += 1;
      else if (problem.kind === 'invalid-embedded-event') this.stats.invalidEmbeddedEvents += 1;
      this.options.onProblem(problem);
    };

    if (content) {
      yield this.counted(readTextRecords(file.path, content, onProblem));
    } else {
      for await (const record of streamFileRecords(file.path, onProblem)) yield this.counted([record]);
    }
    this.countFile(outcome, file);
  }

  private *counted(records: Iterable<FileRecord>): Generator<FileRecord> {
    for (const record of records) {
      this.stats.records += 1;
      yield record;
    }
  }

  private countFile(outcome: 'read' | 'failed' | 'skipped', file: InputFile): void {
    if (outcome === 'read') this.stats.filesRead += 1;
    else if (outcome === 'failed') this.stats.filesFailed += 1;
    else this.stats.filesSkipped += 1;
    this.stats.bytesRead += file.size;
    this.options.onFileDone?.(file, this.stats);
  }
}
