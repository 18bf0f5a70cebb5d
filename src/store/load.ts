/**
 * Reading the store file at open, with recovery. An invalid file (empty, truncated, not JSON, wrong shape) is
 * never overwritten: it is renamed to `<path>.corrupt-<time>` and the state comes from the backup when that is
 * valid, else from an empty store. Every recovery is logged at error level with the paths involved.
 */
import { access, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { emptyStoreData, type StoreData } from '../pipeline/ports.js';
import { StoreError } from './errors.js';
import { errorCode } from './lock.js';
import { normalizeStoreData } from './shape.js';

/** At most this many filled-in field paths are logged; the rest are counted. */
const MAX_LOGGED_FIELDS = 20;

type Candidate =
  | { kind: 'missing' }
  | { kind: 'valid'; data: StoreData; filledFields: string[] }
  | { kind: 'invalid'; problem: string };

/**
 * Reads the store at `path`, recovering from an invalid file as described above. `logger` is the store's
 * logger, which binds `path`, so log lines here name only the other files.
 */
export async function loadStoreFile(path: string, logger: Logger, now: Date): Promise<StoreData> {
  await removeLeftoverTempFiles(path, logger);
  const backupPath = `${path}.bak`;

  const main = await readCandidate(path);
  if (main.kind === 'valid') {
    logFilledFields(logger, main.filledFields);
    return main.data;
  }
  if (main.kind === 'missing') {
    const backup = await readCandidate(backupPath);
    if (backup.kind === 'missing') {
      logger.info('No store file yet; starting with an empty store');
      return emptyStoreData();
    }
    logger.error(
      { backupPath },
      'The store file is missing but its backup exists, so the state comes from the backup. ' +
        'To start with an empty store instead, stop keyhunt and delete the backup too',
    );
    return useBackup(backup, backupPath, logger, now);
  }

  const keptAs = await moveAside(path, now);
  logger.error(
    { keptAs, problem: main.problem },
    `The store file is invalid (${main.problem}). It was kept as ${keptAs}; trying the backup ${backupPath}`,
  );
  return useBackup(await readCandidate(backupPath), backupPath, logger, now);
}

async function useBackup(
  backup: Candidate,
  backupPath: string,
  logger: Logger,
  now: Date,
): Promise<StoreData> {
  if (backup.kind === 'valid') {
    logger.error(
      { backupPath },
      'Restored the store from its backup; changes after the backup was written are lost',
    );
    logFilledFields(logger, backup.filledFields, { backupPath });
    return backup.data;
  }
  if (backup.kind === 'missing') {
    logger.error({ backupPath }, 'There is no store backup; starting with an EMPTY store');
    return emptyStoreData();
  }
  const keptAs = await moveAside(backupPath, now);
  logger.error(
    { backupPath, keptAs, problem: backup.problem },
    `The store backup is invalid too (${backup.problem}). It was kept as ${keptAs}; starting with an EMPTY store`,
  );
  return emptyStoreData();
}

async function readCandidate(path: string): Promise<Candidate> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { kind: 'missing' };
    throw new StoreError(
      'STORE_READ_FAILED',
      path,
      `Could not read the store file ${path}: ${String(error)}. Check that it is a file this user can read and write.`,
      { cause: error },
    );
  }
  if (text.trim() === '') return { kind: 'invalid', problem: `the file is empty (${text.length} bytes)` };

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      kind: 'invalid',
      problem: `invalid JSON in ${text.length} bytes, so it is truncated or corrupted: ${reason}`,
    };
  }

  const checked = normalizeStoreData(parsed);
  if (checked.ok) return { kind: 'valid', data: checked.data, filledFields: checked.filledFields };
  if (checked.unsupportedVersion) {
    throw new StoreError(
      'STORE_UNSUPPORTED_VERSION',
      path,
      `The store file ${path} cannot be read: ${checked.problem}. Run the keyhunt version that wrote it, or ` +
        'give this one another store file.',
    );
  }
  return { kind: 'invalid', problem: `wrong shape: ${checked.problem}` };
}

/** Renames an invalid file to `<path>.corrupt-<time>` (with a counter when that name is taken). */
async function moveAside(path: string, now: Date): Promise<string> {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  for (let counter = 1; ; counter += 1) {
    const target = counter === 1 ? `${path}.corrupt-${stamp}` : `${path}.corrupt-${stamp}-${counter}`;
    if (!(await exists(target))) {
      await rename(path, target);
      return target;
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Deletes temp files of writes that a crash interrupted. Such a write never completed, so no caller received
 * success for it, and the store file still contains the last completed write.
 */
async function removeLeftoverTempFiles(path: string, logger: Logger): Promise<void> {
  const folder = dirname(path);
  const prefixes = [`${basename(path)}.tmp-`, `${basename(path)}.bak.tmp`];
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  for (const name of names.filter((entry) => prefixes.some((prefix) => entry.startsWith(prefix)))) {
    const leftover = join(folder, name);
    logger.warn({ tempPath: leftover }, 'Removing a temp file left by an interrupted store write');
    await unlink(leftover);
  }
}

/** Logs the fields filled with defaults; `file` names the backup when it was read instead of the store file. */
function logFilledFields(logger: Logger, fields: string[], file: { backupPath?: string } = {}): void {
  if (fields.length === 0) return;
  logger.warn(
    { ...file, filledFields: fields.slice(0, MAX_LOGGED_FIELDS), filledFieldCount: fields.length },
    'The store file lacked some fields; filled them with defaults',
  );
}
