/**
 * The store of a dry-run poll: an in-memory copy of the stored state. A poll over it reads and pairs as the
 * real one does, but every change stays in memory and is gone when the process ends.
 */
import type { Store, StoreData } from './ports.js';

export class MemoryStore implements Store {
  #data: StoreData;
  #closed = false;

  /** Keeps a deep copy of `data`, so the caller's object never changes. */
  constructor(data: Readonly<StoreData>) {
    this.#data = structuredClone(data) as StoreData;
  }

  read(): Readonly<StoreData> {
    return this.#data;
  }

  /** Runs `mutate` on the copy. Mutations are synchronous, so they never interleave. */
  update<T>(mutate: (data: StoreData) => T): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('The dry-run store is closed.'));
    try {
      const result = mutate(this.#data);
      if (typeof (result as { then?: unknown } | null)?.then === 'function') {
        return Promise.reject(
          new Error('A store mutation returned a promise; mutations must be synchronous.'),
        );
      }
      return Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
