/**
 * Errors raised by the file-backed store. Each has a stable `code` for callers and tests, and a message that
 * names the file and the fix.
 */

export type StoreErrorCode =
  | 'STORE_LOCKED'
  | 'STORE_LOCK_FAILED'
  | 'STORE_READ_FAILED'
  | 'STORE_WRITE_FAILED'
  | 'STORE_UNSUPPORTED_VERSION'
  | 'STORE_CLOSED'
  | 'STORE_INVALID_MUTATION';

/**
 * Codes of failures the user fixes (another process, permissions, disk space, a newer keyhunt's file), as
 * opposed to programming errors such as STORE_CLOSED.
 */
const USER_FIXABLE_CODES: ReadonlySet<StoreErrorCode> = new Set([
  'STORE_LOCKED',
  'STORE_LOCK_FAILED',
  'STORE_READ_FAILED',
  'STORE_WRITE_FAILED',
  'STORE_UNSUPPORTED_VERSION',
]);

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  /** The store file the error is about. */
  readonly path: string;
  /**
   * 1 for a failure the user fixes, whose message names the fix, so the CLI prints it without a stack hint.
   * Undefined for programming errors.
   */
  readonly exitCode: number | undefined;

  constructor(code: StoreErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.path = path;
    this.exitCode = USER_FIXABLE_CODES.has(code) ? 1 : undefined;
  }
}

/** Details read from a lock file, as written by `acquireLock`. */
export interface LockOwner {
  pid: number;
  hostname: string;
  /** ISO time the owning process opened the store. */
  startedAt: string;
}

/** Another live process (or this one) has the store open. */
export class StoreLockedError extends StoreError {
  readonly lockPath: string;
  readonly owner: LockOwner;

  constructor(path: string, lockPath: string, owner: LockOwner, reason: string) {
    super(
      'STORE_LOCKED',
      path,
      `The store ${path} is locked by process ${owner.pid} on ${owner.hostname} (started ${owner.startedAt}): ` +
        `${reason}. Stop that process or give this one another store file. If you are sure no ` +
        `keyhunt process uses the file, delete ${lockPath} and start again.`,
    );
    this.lockPath = lockPath;
    this.owner = owner;
  }
}
