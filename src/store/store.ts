/**
 * The file-backed triage store: lowdb over an atomic-write adapter, owned by one process through a lock file.
 * All changes go through one queue, and mutations run one at a time in call order. Mutations queued while a
 * write is in progress are applied together and saved by the next single write (a group commit). Each
 * caller's promise settles only after the write that contains its change.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Low } from 'lowdb';
import type { Logger } from 'pino';
import { emptyStoreData, type Store, type StoreData } from '../pipeline/ports.js';
import { StoreError } from './errors.js';
import { StoreFileAdapter } from './file.js';
import { acquireLock, type StoreLock } from './lock.js';
import { DEFAULT_RETENTION_MS, pruneStoreData, type PruneCounts } from './prune.js';

export interface OpenStoreOptions {
  /** Path of the JSON store file; its folder is created when missing. */
  path: string;
  logger: Logger;
  /** How long resolved findings, seen event ids and recent key events are kept; 90 days by default. */
  retentionMs?: number;
  now?: () => Date;
}

interface QueuedUpdate {
  mutate: (data: StoreData) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Opens the store file: takes the lock, reads the file (recovering from an invalid one), prunes it and writes
 * it back, which also creates a missing file. Throws StoreLockedError when another live process has it open.
 */
export async function openStore(options: OpenStoreOptions): Promise<FileStore> {
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  if (!Number.isFinite(retentionMs) || retentionMs <= 0) {
    throw new RangeError(`retentionMs must be a positive number of milliseconds, got ${retentionMs}.`);
  }
  const path = resolve(options.path);
  const now = options.now ?? (() => new Date());
  const logger = options.logger.child({ component: 'store', path });

  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (error) {
    throw new StoreError(
      'STORE_WRITE_FAILED',
      path,
      `Could not create the folder ${dirname(path)} for the store: ${String(error)}. Check the path and permissions.`,
      { cause: error },
    );
  }

  const lock = await acquireLock(path, logger, now());
  try {
    const db = new Low<StoreData>(new StoreFileAdapter(path, logger, now), emptyStoreData());
    await db.read();
    const store = new FileStore(path, db, lock, logger, now, retentionMs);
    await store.prune();
    logger.info({ findings: Object.keys(db.data.findings).length }, 'Opened the store');
    return store;
  } catch (error) {
    await lock.release();
    throw error;
  }
}

export class FileStore implements Store {
  readonly path: string;
  readonly retentionMs: number;
  readonly #db: Low<StoreData>;
  readonly #lock: StoreLock;
  readonly #logger: Logger;
  readonly #now: () => Date;
  readonly #queue: QueuedUpdate[] = [];
  #draining: Promise<void> | null = null;
  #closing: Promise<void> | null = null;

  /** Use `openStore`, which takes the lock and reads the file first. */
  constructor(
    path: string,
    db: Low<StoreData>,
    lock: StoreLock,
    logger: Logger,
    now: () => Date,
    retentionMs: number,
  ) {
    this.path = path;
    this.#db = db;
    this.#lock = lock;
    this.#logger = logger;
    this.#now = now;
    this.retentionMs = retentionMs;
  }

  read(): Readonly<StoreData> {
    return this.#db.data;
  }

  update<T>(mutate: (data: StoreData) => T): Promise<T> {
    if (this.#closing) {
      return Promise.reject(
        new StoreError(
          'STORE_CLOSED',
          this.path,
          `The store ${this.path} is closed; open it again to change it.`,
        ),
      );
    }
    return new Promise<T>((resolvePromise, rejectPromise) => {
      this.#queue.push({
        mutate,
        resolve: resolvePromise as (value: unknown) => void,
        reject: rejectPromise,
      });
      this.#draining ??= this.#drain();
    });
  }

  /** Drops state older than the retention period and saves; logs the counts when something was dropped. */
  async prune(): Promise<PruneCounts> {
    const counts = await this.update((data) => pruneStoreData(data, this.#now(), this.retentionMs));
    if (counts.findings + counts.seenEventIds + counts.keyEvents > 0) {
      this.#logger.info({ pruned: counts, retentionMs: this.retentionMs }, 'Pruned old store entries');
    }
    return counts;
  }

  /** Waits for queued updates to be written, then releases the lock. Later updates are rejected. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#draining;
      await this.#lock.release();
      this.#logger.info('Closed the store');
    })();
    return this.#closing;
  }

  /** Applies queued mutations in order and writes once per batch, until the queue is empty. */
  async #drain(): Promise<void> {
    // Yield once so updates called in the same tick join the first batch.
    await Promise.resolve();
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0);
        const applied = this.#applyBatch(batch);
        if (applied.length > 0) await this.#writeBatch(applied);
      }
    } finally {
      this.#draining = null;
    }
  }

  #applyBatch(batch: QueuedUpdate[]): { update: QueuedUpdate; result: unknown }[] {
    const applied: { update: QueuedUpdate; result: unknown }[] = [];
    for (const update of batch) {
      let result: unknown;
      try {
        result = update.mutate(this.#db.data);
      } catch (error) {
        update.reject(error);
        continue;
      }
      if (isPromiseLike(result)) {
        update.reject(
          new StoreError(
            'STORE_INVALID_MUTATION',
            this.path,
            'A store mutation returned a promise. Mutations must be synchronous: read or fetch what they need ' +
              'before calling update.',
          ),
        );
        continue;
      }
      applied.push({ update, result });
    }
    return applied;
  }

  async #writeBatch(applied: { update: QueuedUpdate; result: unknown }[]): Promise<void> {
    try {
      await this.#db.write();
    } catch (cause) {
      const error = new StoreError(
        'STORE_WRITE_FAILED',
        this.path,
        `Could not save the store ${this.path}: ${String(cause)}. The change is kept in memory and is saved by the ` +
          'next successful write; check free disk space and permissions on the folder.',
        { cause },
      );
      this.#logger.error({ err: cause, updates: applied.length }, 'Store write failed');
      for (const { update } of applied) update.reject(error);
      return;
    }
    for (const { update, result } of applied) update.resolve(result);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}
