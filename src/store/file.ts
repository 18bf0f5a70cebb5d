/**
 * The lowdb adapter for the store file. Reading goes through `loadStoreFile`, which recovers from invalid
 * files. Writing is atomic: the new content goes to a temp file in the same folder, is fsynced and renamed
 * over the store file, so a crash leaves either the old or the new content, never a mix.
 */
import { copyFile, link, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Adapter } from 'lowdb';
import type { Logger } from 'pino';
import type { StoreData } from '../pipeline/ports.js';
import { errorCode } from './lock.js';
import { loadStoreFile } from './load.js';

/** Paths of the files kept next to the store file. */
export function storeFilePaths(path: string): { backup: string; backupTemp: string; temp: string } {
  return { backup: `${path}.bak`, backupTemp: `${path}.bak.tmp`, temp: `${path}.tmp-${process.pid}` };
}

/**
 * Serializes without indentation. At 100,000 findings indentation makes the file 1.5 times larger (320 MB
 * instead of 213 MB); see docs/benchmarks.md. `jq . FILE` shows the file indented.
 */
export function serializeStoreData(data: StoreData): string {
  return JSON.stringify(data);
}

export class StoreFileAdapter implements Adapter<StoreData> {
  readonly #path: string;
  readonly #logger: Logger;
  readonly #now: () => Date;

  constructor(path: string, logger: Logger, now: () => Date) {
    this.#path = path;
    this.#logger = logger;
    this.#now = now;
  }

  read(): Promise<StoreData> {
    return loadStoreFile(this.#path, this.#logger, this.#now());
  }

  /**
   * Writes `data` atomically and keeps the previous content as `<path>.bak`, one write behind the store file.
   * The backup is a hard link to the previous store file, made before the rename, so it costs no copy. It is
   * always a complete file that this process wrote and fsynced, or validated at open.
   */
  async write(data: StoreData): Promise<void> {
    const paths = storeFilePaths(this.#path);
    await writeFileSynced(paths.temp, serializeStoreData(data));
    try {
      await keepBackup(this.#path, paths.backup, paths.backupTemp);
      await rename(paths.temp, this.#path);
    } catch (error) {
      await removeFile(paths.temp, this.#logger);
      throw error;
    }
    await syncDirectory(dirname(this.#path));
  }
}

async function writeFileSynced(path: string, text: string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function keepBackup(path: string, backupPath: string, backupTempPath: string): Promise<void> {
  await unlink(backupTempPath).catch((error: unknown) => {
    if (errorCode(error) !== 'ENOENT') throw error;
  });
  try {
    await link(path, backupTempPath);
  } catch (error) {
    const code = errorCode(error);
    // With no store file yet (first write, or it was moved aside as invalid) the existing backup stays.
    if (code === 'ENOENT') return;
    // Some file systems (FAT, some network mounts) have no hard links, so copy and fsync instead.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'ENOSYS') throw error;
    await copyFile(path, backupTempPath);
    const handle = await open(backupTempPath, 'r+');
    await handle.sync().finally(() => handle.close());
  }
  await rename(backupTempPath, backupPath);
}

/** Fsyncs a folder so a rename in it survives a power loss. Windows cannot open folders, so it is skipped. */
async function syncDirectory(path: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function removeFile(path: string, logger: Logger): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') {
      logger.warn({ err: error, tempPath: path }, 'Could not remove a temp file');
    }
  }
}
