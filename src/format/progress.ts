/**
 * A one-line progress indicator for long scans, redrawn in place on a terminal and cleared at the end.
 */

/** Scans smaller than both limits finish too fast to need an indicator. */
export const PROGRESS_MIN_FILES = 20;
export const PROGRESS_MIN_BYTES = 50 * 1024 * 1024;
/** Minimum time between redraws, so a fast scan does not spend its time writing to the terminal. */
export const PROGRESS_INTERVAL_MS = 250;

/** The part of a terminal stream the indicator needs; `process.stderr` fits. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressOptions {
  stream: ProgressStream;
  totalFiles: number;
  totalBytes: number;
  /** Milliseconds clock, for throttling. */
  now: () => number;
}

const CLEAR_LINE = '\r\u001b[2K';

export class ProgressIndicator {
  /** False when the stream is not a terminal or the scan is small; then every call does nothing. */
  readonly enabled: boolean;
  private lastDrawAt = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(private readonly options: ProgressOptions) {
    const large = options.totalFiles > PROGRESS_MIN_FILES || options.totalBytes > PROGRESS_MIN_BYTES;
    this.enabled = Boolean(options.stream.isTTY) && large;
  }

  /** Redraws the line unless the last redraw was less than PROGRESS_INTERVAL_MS ago. */
  update(filesDone: number, records: number): void {
    if (!this.enabled) return;
    const now = this.options.now();
    if (now - this.lastDrawAt < PROGRESS_INTERVAL_MS) return;
    this.lastDrawAt = now;
    this.drawn = true;
    const text = `scanning: ${filesDone}/${this.options.totalFiles} files, ${records} records`;
    this.options.stream.write(`${CLEAR_LINE}${text}`);
  }

  /** Removes the line, so later output starts on a clean line. */
  clear(): void {
    if (!this.drawn) return;
    this.options.stream.write(CLEAR_LINE);
    this.drawn = false;
  }
}
