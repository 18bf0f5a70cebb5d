/** The file-backed triage store. The pure helpers over its data are in src/pipeline/records.ts. */
export { openStore, FileStore, type OpenStoreOptions } from './store.js';
export { StoreError, StoreLockedError, type StoreErrorCode, type LockOwner } from './errors.js';
export { DEFAULT_RETENTION_MS, pruneStoreData, type PruneCounts } from './prune.js';
