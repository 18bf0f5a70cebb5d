/**
 * CloudTrail log files on disk: finds the files under the paths given on the command line. The reader that
 * reads their records, CloudTrailFileReader, is in file-reader.ts and exported from here too.
 */
import { opendir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { types } from 'node:util';
import { KeyhuntError } from '../errors.js';
import type { ProblemHandler } from './file-records.js';

export { readFileRecords } from './file-records.js';
export type { FileProblem, FileProblemKind, FileRecord, ProblemHandler } from './file-records.js';
export { CloudTrailFileReader, FILES_SUMMARIZED_AHEAD } from './file-reader.js';
export type { FileReadStats, FileReaderOptions } from './file-reader.js';
export type { RecordLocation } from './file-summary.js';

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
  return files.sort((a, b) => compareText(a.path, b.path));
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

/** Orders strings by UTF-16 code units, as `<` does, so the order does not depend on the locale. */
function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
