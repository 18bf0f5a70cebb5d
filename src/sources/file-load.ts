/**
 * Loads a whole CloudTrail log file into memory, decompressed, so that it can be parsed in one call. The
 * file is read and gunzipped on libuv's thread pool, so several loads can run while the main thread parses.
 */
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

/**
 * The largest decompressed file, in bytes, that is loaded whole. Larger files are streamed line by line, so
 * memory stays bounded whatever the file size.
 */
export const MAX_BUFFERED_FILE_BYTES = 32 * 1024 * 1024;

const GZIP_MAGIC = [0x1f, 0x8b] as const;
/**
 * Bounds of the gunzip output chunk size. Each chunk is one round trip to the thread pool, and zlib's default
 * of 16 KiB takes several for a typical delivery file, so the chunk is sized from the compressed size.
 */
const MIN_GUNZIP_CHUNK_BYTES = 16 * 1024;
const MAX_GUNZIP_CHUNK_BYTES = 1024 * 1024;
/** An estimate of how far gzip shrinks CloudTrail JSON, used only to size the gunzip output chunks. */
const EXPECTED_GZIP_RATIO = 8;

const gunzipAsync = promisify(gunzip);

/** Tells whether the bytes start with the gzip magic bytes. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= GZIP_MAGIC.length && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

/**
 * Returns the decompressed content of a regular file of at most `maxBytes` (before and after gunzip). Returns
 * null when the file is to be streamed instead, because it is larger, is not a regular file (such as a pipe),
 * or failed to open, read or gunzip. Never rejects. Failures are not reported here, because the streaming
 * reader meets them again and reports them with the records it could read before them.
 */
export async function loadFile(path: string, maxBytes: number): Promise<Buffer | null> {
  let content: Buffer;
  try {
    const handle = await open(path, 'r');
    try {
      const info = await handle.stat();
      if (!info.isFile() || info.size > maxBytes) return null;
      content = await handle.readFile();
    } finally {
      await handle.close();
    }
    if (!isGzip(content)) return content.length > maxBytes ? null : content;
    return await gunzipAsync(content, {
      maxOutputLength: Math.max(1, maxBytes),
      chunkSize: gunzipChunkSize(content.length),
    });
  } catch {
    // Truncated gzip, a file over maxBytes once decompressed, or an I/O error: the caller streams the file.
    return null;
  }
}

function gunzipChunkSize(compressedBytes: number): number {
  const expected = 2 ** Math.ceil(Math.log2(Math.max(1, compressedBytes * EXPECTED_GZIP_RATIO)));
  return Math.min(MAX_GUNZIP_CHUNK_BYTES, Math.max(MIN_GUNZIP_CHUNK_BYTES, expected));
}
