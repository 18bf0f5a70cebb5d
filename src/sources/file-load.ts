/**
 * Loads a whole CloudTrail log file into memory, decompressed, so that it can be parsed in one call. The
 * calls are synchronous because a scan runs them on worker threads (see summary-pool.ts), where blocking
 * holds up only that worker, and synchronous calls skip the thread pool round trip of asynchronous ones.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/**
 * The largest decompressed file, in bytes, that is loaded whole. Larger files are streamed line by line, so
 * memory stays bounded whatever the file size.
 */
export const MAX_BUFFERED_FILE_BYTES = 32 * 1024 * 1024;

const GZIP_MAGIC = [0x1f, 0x8b] as const;
/**
 * Bounds of the gunzip output chunk size. zlib's default of 16 KiB takes several chunks, each a new Buffer
 * to concatenate, for a typical delivery file, so the chunk is sized from the compressed size.
 */
const MIN_GUNZIP_CHUNK_BYTES = 16 * 1024;
const MAX_GUNZIP_CHUNK_BYTES = 1024 * 1024;
/** An estimate of how far gzip shrinks CloudTrail JSON, used only to size the gunzip output chunks. */
const EXPECTED_GZIP_RATIO = 8;

/** Tells whether the bytes start with the gzip magic bytes. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= GZIP_MAGIC.length && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

/**
 * Returns the decompressed content of a regular file of at most `maxBytes` (before and after gunzip). Returns
 * null when the file is to be streamed instead, because it is larger, is not a regular file (such as a pipe),
 * or failed to open, read or gunzip. Never throws. Failures are not reported here, because the streaming
 * reader meets them again and reports them with the records it could read before them.
 */
export function loadFileSync(path: string, maxBytes: number): Buffer | null {
  try {
    const content = readWholeFile(path, maxBytes);
    if (content === null || !isGzip(content)) return content;
    return gunzipSync(content, {
      maxOutputLength: Math.max(1, maxBytes),
      chunkSize: gunzipChunkSize(content.length),
    });
  } catch {
    // Truncated gzip, a file over maxBytes once decompressed, or an I/O error: the caller streams the file.
    return null;
  }
}

/** Reads a whole regular file of at most `maxBytes`, or returns null for anything else. */
function readWholeFile(path: string, maxBytes: number): Buffer | null {
  const fd = openSync(path, 'r');
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > maxBytes) return null;
    // Reading one byte more than the size detects a file that grew since fstat, which is then streamed instead.
    const buffer = Buffer.allocUnsafeSlow(info.size + 1);
    let length = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) return null;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

function gunzipChunkSize(compressedBytes: number): number {
  const expected = 2 ** Math.ceil(Math.log2(Math.max(1, compressedBytes * EXPECTED_GZIP_RATIO)));
  return Math.min(MAX_GUNZIP_CHUNK_BYTES, Math.max(MIN_GUNZIP_CHUNK_BYTES, expected));
}
