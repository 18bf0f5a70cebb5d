/** The file-backed triage store and the pure helpers the poller, notifiers and chat commands call. */
export { openStore, FileStore, type OpenStoreOptions } from './store.js';
export { StoreError, StoreLockedError, type StoreErrorCode, type LockOwner } from './errors.js';
export { DEFAULT_RETENTION_MS, pruneStoreData, type PruneCounts } from './prune.js';
export {
  addFindings,
  countByState,
  findingsDeletedBetween,
  findingsForUser,
  listUnpostedSlack,
  listUnpostedTeams,
  markSlackPosted,
  markTeamsPosted,
} from './records.js';
