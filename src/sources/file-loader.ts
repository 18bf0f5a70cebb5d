/**
 * Loads files for a scan on one worker thread, so reading and gunzip run beside the JSON parsing on the main
 * thread. When the compiled worker script is missing (such as when tests run the TypeScript sources) or the
 * worker fails, files load on the calling thread instead, with the same function and results.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { loadFileSync } from './file-load.js';
// The worker is started by URL, which tsc does not follow; this import makes every build that compiles the
// loader compile the worker script too.
import type {} from './file-load-worker.js';

/** A request to the worker: load `path` whole if it has at most `maxBytes` decompressed. */
export interface LoadRequest {
  id: number;
  path: string;
  maxBytes: number;
}

/** The worker's reply: the decompressed content, or null when the file is to be streamed. */
export interface LoadReply {
  id: number;
  content: ArrayBuffer | null;
}

const WORKER_URL = new URL('./file-load-worker.js', import.meta.url);

export interface FileLoaderOptions {
  /** False loads on the calling thread. Default true. */
  useWorker?: boolean;
  /** Called once if the worker fails; the loader then loads on the calling thread. */
  onWorkerError?: (error: Error) => void;
}

export class FileLoader {
  private worker: Worker | null;
  private readonly pending = new Map<number, (content: Buffer | null) => void>();
  private nextId = 0;

  /** Starts the worker thread unless `useWorker` is false or its compiled script is missing. */
  constructor(private readonly options: FileLoaderOptions = {}) {
    const useWorker = options.useWorker ?? true;
    this.worker = useWorker && existsSync(fileURLToPath(WORKER_URL)) ? this.startWorker() : null;
  }

  /** Resolves to the file's decompressed content, or null when it is to be streamed. Never rejects. */
  load(path: string, maxBytes: number): Promise<Buffer | null> {
    if (!this.worker) return Promise.resolve().then(() => loadFileSync(path, maxBytes));
    const id = this.nextId++;
    const request: LoadRequest = { id, path, maxBytes };
    // The worker is unreferenced while idle, and referenced while a load is pending so that the process
    // waits for the reply.
    if (this.pending.size === 0) this.worker.ref();
    this.worker.postMessage(request);
    return new Promise((resolve) => this.pending.set(id, resolve));
  }

  /** Stops the worker. Loads still pending resolve to null. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.settleAll();
    if (worker) await worker.terminate();
  }

  private startWorker(): Worker {
    const worker = new Worker(WORKER_URL);
    // An idle worker must not keep the process alive, such as after a scan that ended early.
    worker.unref();
    worker.on('message', (reply: LoadReply) => {
      const resolve = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      resolve?.(reply.content === null ? null : Buffer.from(reply.content));
    });
    // A failed worker loses no file: pending loads resolve to null and are streamed, later ones load here.
    worker.on('error', (error) => this.abandonWorker(worker, error));
    // A reply that cannot be deserialized would leave its load pending for ever, so the worker is dropped.
    worker.on('messageerror', (error) => this.abandonWorker(worker, error));
    worker.on('exit', (code) =>
      this.abandonWorker(worker, new Error(`file loader worker exited with code ${code}`)),
    );
    return worker;
  }

  private abandonWorker(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.settleAll();
    // After a message error the worker still runs; unreferenced and stopped, it cannot hold the process.
    worker.unref();
    void worker.terminate();
    this.options.onWorkerError?.(error);
  }

  private settleAll(): void {
    for (const resolve of this.pending.values()) resolve(null);
    this.pending.clear();
  }
}

/**
 * Loads files in list order with a bounded number of loads in flight. `take` must be called for each index
 * in order. Loads never reject, so an abandoned prefetcher leaves no unhandled rejection.
 */
export class FilePrefetcher {
  private readonly loads = new Map<number, Promise<Buffer | null>>();
  private started = 0;

  constructor(
    private readonly files: readonly { path: string }[],
    private readonly loader: FileLoader,
    private readonly ahead: number,
    private readonly maxBytes: number,
  ) {}

  take(index: number): Promise<Buffer | null> {
    while (this.started < this.files.length && this.started <= index + this.ahead) {
      this.loads.set(this.started, this.loader.load(this.files[this.started]!.path, this.maxBytes));
      this.started += 1;
    }
    const load = this.loads.get(index);
    this.loads.delete(index);
    return load ?? this.loader.load(this.files[index]!.path, this.maxBytes);
  }
}
