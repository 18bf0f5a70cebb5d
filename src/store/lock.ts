/**
 * The lock file that makes one process the owner of a store file. `<store>.lock` is created with the `wx` flag,
 * which fails when the file exists, so two processes cannot both create it. It contains the owner's pid, host
 * name and start time. A lock whose pid is no longer running is stale and is taken over with a warning.
 */
import { randomUUID } from 'node:crypto';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { StoreError, StoreLockedError, type LockOwner } from './errors.js';

/** Lock paths this process holds, so a second `openStore` on the same file in one process is rejected too. */
const heldLockPaths = new Set<string>();

const MAX_ACQUIRE_ATTEMPTS = 5;
/** A lock file is written right after it is created; an empty or partial one is read again after this delay. */
const PARTIAL_LOCK_RETRY_MS = 50;
const PARTIAL_LOCK_RETRIES = 5;

interface LockContent extends LockOwner {
  /** Random id of this open, so release never deletes a lock that another process took over. */
  token: string;
}

export interface StoreLock {
  readonly lockPath: string;
  readonly owner: LockOwner;
  release(): Promise<void>;
}

/**
 * Creates `<storePath>.lock` for this process. Throws StoreLockedError when a live process holds it and takes
 * over a stale lock (dead pid, unreadable content) with a warning log.
 */
export async function acquireLock(storePath: string, logger: Logger, now: Date): Promise<StoreLock> {
  const lockPath = `${storePath}.lock`;
  const content: LockContent = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: now.toISOString(),
    token: randomUUID(),
  };

  for (let attempt = 1; attempt <= MAX_ACQUIRE_ATTEMPTS; attempt += 1) {
    if (heldLockPaths.has(lockPath)) {
      throw new StoreLockedError(storePath, lockPath, content, 'this process already has it open');
    }
    if (await createLockFile(storePath, lockPath, content)) {
      heldLockPaths.add(lockPath);
      return { lockPath, owner: content, release: () => releaseLock(lockPath, content.token, logger) };
    }

    const existing = await readLockFile(lockPath);
    if (existing === null) continue;
    const staleReason = judgeStale(existing.owner);
    if (staleReason === null && existing.owner) {
      throw new StoreLockedError(storePath, lockPath, existing.owner, 'that process is still running');
    }
    logger.warn(
      { lockPath, previousOwner: existing.owner, reason: staleReason },
      'Taking over a stale store lock',
    );
    await removeStaleLock(lockPath, existing.raw);
  }
  throw new StoreError(
    'STORE_LOCK_FAILED',
    storePath,
    `Could not create the lock file ${lockPath} after ${MAX_ACQUIRE_ATTEMPTS} attempts because other ` +
      'processes kept creating it. Make sure only one keyhunt process uses this store.',
  );
}

/** Returns true when this call created the lock file, false when it already existed. */
async function createLockFile(storePath: string, lockPath: string, content: LockContent): Promise<boolean> {
  let handle;
  try {
    handle = await open(lockPath, 'wx');
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw new StoreError(
      'STORE_LOCK_FAILED',
      storePath,
      `Could not create the lock file ${lockPath}: ${String(error)}. Check that the folder exists and is writable.`,
      { cause: error },
    );
  }
  try {
    await handle.writeFile(JSON.stringify(content), 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(lockPath);
    throw new StoreError('STORE_LOCK_FAILED', storePath, `Could not write the lock file ${lockPath}.`, {
      cause: error,
    });
  }
  await handle.close();
  return true;
}

/**
 * Reads a lock file. Returns null when it disappeared, and `owner: null` when its content stays unreadable
 * (the creator may have died between creating and writing it).
 */
async function readLockFile(lockPath: string): Promise<{ raw: string; owner: LockOwner | null } | null> {
  for (let retry = 0; ; retry += 1) {
    let raw: string;
    try {
      raw = await readFile(lockPath, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw error;
    }
    const owner = parseLockOwner(raw);
    if (owner || retry >= PARTIAL_LOCK_RETRIES) return { raw, owner };
    await new Promise((resolve) => setTimeout(resolve, PARTIAL_LOCK_RETRY_MS));
  }
}

function parseLockOwner(raw: string): LockOwner | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    // An empty or half-written lock file is expected here; the caller retries and then treats it as stale.
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { pid, hostname: host, startedAt } = value as Record<string, unknown>;
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return null;
  return {
    pid,
    hostname: typeof host === 'string' ? host : 'an unknown host',
    startedAt: typeof startedAt === 'string' ? startedAt : 'at an unknown time',
  };
}

/**
 * Returns why a lock is stale, or null when its owner is alive. The host name is only reported: a container
 * gets a new host name on every restart, so a host mismatch does not prove the owner is alive or dead.
 */
function judgeStale(owner: LockOwner | null): string | null {
  if (owner === null) return 'the lock file is empty or unreadable';
  if (owner.pid === process.pid) {
    // Not in heldLockPaths (checked before), so an earlier run with the same pid left it, as after a
    // container restart where the process is pid 1 each time.
    return `it names this process's pid ${owner.pid}, so an earlier run left it`;
  }
  // NOTE: a pid reused by an unrelated process counts as alive. The StoreLockedError message explains how to
  // remove the lock by hand.
  return isProcessAlive(owner.pid) ? null : `process ${owner.pid} is no longer running`;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    if (errorCode(error) === 'EPERM') return true;
    if (errorCode(error) === 'ESRCH') return false;
    throw error;
  }
}

/**
 * Removes a stale lock without deleting a fresh one: the lock is renamed aside, and when the renamed file is
 * not the stale content (another process replaced it meanwhile), it is linked back in place.
 */
async function removeStaleLock(lockPath: string, staleRaw: string): Promise<void> {
  const asidePath = `${lockPath}.stale-${process.pid}-${randomUUID()}`;
  try {
    await rename(lockPath, asidePath);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  const movedRaw = await readFile(asidePath, 'utf8');
  if (movedRaw !== staleRaw) {
    try {
      await link(asidePath, lockPath);
    } catch (error) {
      // EEXIST: a third process created a lock meanwhile; that one stays and the next attempt reads it.
      if (errorCode(error) !== 'EEXIST') throw error;
    }
  }
  await unlink(asidePath);
}

async function releaseLock(lockPath: string, token: string, logger: Logger): Promise<void> {
  heldLockPaths.delete(lockPath);
  let raw: string;
  try {
    raw = await readFile(lockPath, 'utf8');
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
    logger.warn({ lockPath }, 'The store lock file was already gone at close');
    return;
  }
  if (!raw.includes(token)) {
    logger.warn({ lockPath, lockContent: raw }, 'The store lock now belongs to another process; leaving it');
    return;
  }
  await unlink(lockPath);
}

export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error as { code: unknown };
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
