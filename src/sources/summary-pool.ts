/**
 * Loads and summarizes files for a scan on worker threads, so that reading, gunzip and JSON parsing use
 * several cores and the main thread only merges the summaries. When the compiled worker script is missing
 * (such as when tests run the TypeScript sources), or every worker has failed, files are summarized on the
 * calling thread with the same functions and results.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DetectorOptions } from '../detect/record-summary.js';
import { loadFileSync } from './file-load.js';
import { summarizeFileContent } from './file-summary.js';
import type { FileSummary } from './file-summary.js';
// The workers are started by URL, which tsc does not follow; this import makes every build that compiles
// the pool compile the worker script too.
import type {} from './summary-worker.js';

/** A request to a worker: summarize `path` if it has at most `maxBytes` decompressed. */
export interface SummaryRequest {
  id: number;
  path: string;
  maxBytes: number;
  options: DetectorOptions;
}

/** A worker's reply: the file's summary, or null when the file is to be streamed. */
export interface SummaryReply {
  id: number;
  summary: FileSummary | null;
}

/** The maximum number of worker threads a pool starts by default, whatever the number of cores. */
export const MAX_SUMMARY_WORKERS = 4;

const WORKER_URL = new URL('./summary-worker.js', import.meta.url);

export interface SummaryPoolOptions {
  /** The options the detector that takes the summaries was made with. */
  detectorOptions: DetectorOptions;
  /** Largest decompressed size in bytes of a file loaded whole; larger files are left to streaming. */
  maxBytes: number;
  /** Worker threads to start; 0 summarizes on the calling thread. Default: the cores, at most 4. */
  workers?: number;
  /** Called for each worker that fails; its files are then streamed or summarized elsewhere. */
  onWorkerError?: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, (summary: FileSummary | null) => void>;
}

export class SummaryPool {
  private readonly workers: PoolWorker[] = [];
  private nextId = 0;

  constructor(private readonly options: SummaryPoolOptions) {
    const count = options.workers ?? Math.min(MAX_SUMMARY_WORKERS, availableParallelism());
    if (count === 0 || !existsSync(fileURLToPath(WORKER_URL))) return;
    for (let index = 0; index < count; index += 1) this.workers.push(this.startWorker());
  }

  /** Number of worker threads running; 0 when files are summarized on the calling thread. */
  get threads(): number {
    return this.workers.length;
  }

  /** Resolves to the file's summary, or null when the file is to be streamed. Never rejects. */
  summarize(path: string): Promise<FileSummary | null> {
    const target = this.leastBusyWorker();
    if (!target) return Promise.resolve().then(() => this.summarizeHere(path));

    const id = this.nextId++;
    const { detectorOptions: options, maxBytes } = this.options;
    // A worker is unreferenced while idle, and referenced while a request is pending so that the process
    // waits for the reply.
    if (target.pending.size === 0) target.worker.ref();
    target.worker.postMessage({ id, path, maxBytes, options } satisfies SummaryRequest);
    return new Promise((resolve) => target.pending.set(id, resolve));
  }

  /** Stops the workers. Requests still pending resolve to null. */
  async close(): Promise<void> {
    const stopping = this.workers.splice(0);
    for (const poolWorker of stopping) settleAll(poolWorker);
    await Promise.all(stopping.map((poolWorker) => poolWorker.worker.terminate()));
  }

  private summarizeHere(path: string): FileSummary | null {
    const content = loadFileSync(path, this.options.maxBytes);
    return content === null ? null : summarizeFileContent(path, content, this.options.detectorOptions);
  }

  private leastBusyWorker(): PoolWorker | undefined {
    let best: PoolWorker | undefined;
    for (const poolWorker of this.workers) {
      if (!best || poolWorker.pending.size < best.pending.size) best = poolWorker;
    }
    return best;
  }

  private startWorker(): PoolWorker {
    const poolWorker: PoolWorker = { worker: new Worker(WORKER_URL), pending: new Map() };
    const { worker, pending } = poolWorker;
    // An idle worker must not keep the process alive, such as after a scan that ended early.
    worker.unref();
    worker.on('message', (reply: SummaryReply) => {
      const resolve = pending.get(reply.id);
      pending.delete(reply.id);
      if (pending.size === 0) worker.unref();
      resolve?.(reply.summary);
    });
    // A failed worker loses no file: its pending files resolve to null and are streamed.
    worker.on('error', (error) => this.removeWorker(poolWorker, error));
    worker.on('exit', (code) =>
      this.removeWorker(poolWorker, new Error(`summary worker exited with code ${code}`)),
    );
    return poolWorker;
  }

  private removeWorker(poolWorker: PoolWorker, error: Error): void {
    const index = this.workers.indexOf(poolWorker);
    if (index === -1) return;
    this.workers.splice(index, 1);
    settleAll(poolWorker);
    this.options.onWorkerError?.(error);
  }
}

function settleAll(poolWorker: PoolWorker): void {
  for (const resolve of poolWorker.pending.values()) resolve(null);
  poolWorker.pending.clear();
}

/**
 * Starts loads in list order with a bounded number in flight. `take` must be called for each index in
 * order. The load function must never reject, so an abandoned prefetcher leaves no unhandled rejection.
 */
export class Prefetcher<T> {
  private readonly loads = new Map<number, Promise<T>>();
  private started = 0;

  constructor(
    private readonly paths: readonly string[],
    private readonly load: (path: string) => Promise<T>,
    private readonly ahead: number,
  ) {}

  take(index: number): Promise<T> {
    while (this.started < this.paths.length && this.started <= index + this.ahead) {
      this.loads.set(this.started, this.load(this.paths[this.started]!));
      this.started += 1;
    }
    const load = this.loads.get(index);
    this.loads.delete(index);
    return load ?? this.load(this.paths[index]!);
  }
}
