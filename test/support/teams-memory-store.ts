/**
 * An in-memory implementation of the store port for Teams tests. Like the file store, it runs mutations one
 * at a time, so tests can exercise concurrent triage and delivery without a file on disk.
 */
import { emptyStoreData } from '../../src/pipeline/ports.js';
import type { Store, StoreData } from '../../src/pipeline/ports.js';

export interface MemoryStore extends Store {
  /** A deep copy of the current state, such as the content a restarted process would read. */
  snapshot(): StoreData;
  /** How many `update` calls have completed. */
  readonly updateCount: number;
}

/** Creates a store holding a deep copy of `initial`, or an empty store. */
export function createMemoryStore(initial: StoreData = emptyStoreData()): MemoryStore {
  let data = structuredClone(initial);
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  let updateCount = 0;

  return {
    read: () => data,
    update<T>(mutate: (state: StoreData) => T): Promise<T> {
      if (closed) return Promise.reject(new Error('The memory store is closed.'));
      const run = queue.then(() => {
        const draft = structuredClone(data);
        const result = mutate(draft);
        data = draft;
        updateCount += 1;
        return result;
      });
      queue = run.catch(() => undefined);
      return run;
    },
    close: async () => {
      closed = true;
      await queue;
    },
    snapshot: () => structuredClone(data),
    get updateCount() {
      return updateCount;
    },
  };
}
