/**
 * The part of Detector.add that needs only the record and the options: normalizing, the time range and the
 * choice of what to keep. A scan runs it on worker threads and hands the detector RecordBatch objects, which
 * structured clone copies cheaply because records that keep nothing are only counted.
 */
import { normalizeRecord } from './normalize.js';
import type { KeyEvent, KeyUseEvent, SkipReason } from './types.js';

export interface DetectorOptions {
  thresholdMs: number;
  /** Records with an eventTime before this (epoch ms) are skipped as outside the time range. */
  fromMs?: number;
  /** Records with an eventTime after this (epoch ms) are skipped as outside the time range. */
  toMs?: number;
}

// CreateAccessKey only makes long-term keys (AKIA...). Temporary STS keys (ASIA...) are most of a
// trail's traffic and can never pair, so only uses of long-term keys are kept in memory.
const LONG_TERM_KEY_PREFIX = 'AKIA';

/** The part of one record that the detector takes. */
export interface RecordSummary {
  /** The skip reason normalizeRecord gave, such as 'missing-event-id', or null. */
  skip: SkipReason | null;
  /** The skip reason counted for the record before deduplication: `skip`, or 'outside-time-range'. */
  counted: SkipReason | null;
  keyEvent: KeyEvent | null;
  /** A use of a long-term key. Uses of other keys are dropped here. */
  use: KeyUseEvent | null;
}

/** Summarizes one parsed record. Never throws, whatever the input. */
export function summarizeRecord(record: unknown, options: DetectorOptions): RecordSummary {
  const normalized = normalizeRecord(record);
  const skip = normalized.skip;
  if (normalized.time === null) return { skip, counted: skip, keyEvent: null, use: null };

  const { fromMs, toMs } = options;
  if ((fromMs !== undefined && normalized.time < fromMs) || (toMs !== undefined && normalized.time > toMs)) {
    return { skip, counted: 'outside-time-range', keyEvent: null, use: null };
  }
  const use = normalized.use?.accessKeyId.startsWith(LONG_TERM_KEY_PREFIX) ? normalized.use : null;
  return { skip, counted: skip, keyEvent: normalized.keyEvent, use };
}

/** A key event, and the long-term key use of the same record if any; the detector deduplicates by event id. */
export interface RetainedKeyEvent {
  keyEvent: KeyEvent;
  use: KeyUseEvent | null;
}

/** Marks in RecordBatch.retainedKinds. */
export const RETAINED_USE = 0;
export const RETAINED_KEY_EVENT = 1;

/** The long-term key uses of a RecordBatch as columns, which structured clone copies quickly. */
export interface EncodedUses {
  /** The batch's distinct strings; index 0 is null. */
  strings: Array<string | null>;
  /** Per use, indexes into `strings`: accessKeyId, eventName, eventSource, sourceIPAddress, errorCode. */
  fields: Uint32Array;
  /** Per use, the time in epoch milliseconds. */
  times: Float64Array;
  eventIds: string[];
}

/** Per use in EncodedUses.fields. */
export const ENCODED_USE_FIELDS = 5;

/**
 * The summaries of consecutive records: how many, the skip reasons counted, and what they retain, in order.
 * `retainedKinds` gives that order: RETAINED_KEY_EVENT takes the next entry of `keyEvents`, RETAINED_USE the
 * next use of `uses`.
 */
export interface RecordBatch {
  records: number;
  counted: Partial<Record<SkipReason, number>>;
  retainedKinds: Uint8Array;
  keyEvents: RetainedKeyEvent[];
  uses: EncodedUses;
}

/** Collects record summaries into a RecordBatch. */
export class RecordBatchBuilder {
  private records = 0;
  private counted: Partial<Record<SkipReason, number>> = {};
  private retainedKinds: number[] = [];
  private keyEvents: RetainedKeyEvent[] = [];
  private strings: Array<string | null> = [null];
  private stringIndexes = new Map<string, number>();
  private fields: number[] = [];
  private times: number[] = [];
  private eventIds: string[] = [];

  /** Number of records added since the last take(). */
  get size(): number {
    return this.records;
  }

  add(summary: RecordSummary): void {
    this.records += 1;
    if (summary.counted) this.counted[summary.counted] = (this.counted[summary.counted] ?? 0) + 1;
    if (summary.keyEvent) {
      this.retainedKinds.push(RETAINED_KEY_EVENT);
      this.keyEvents.push({ keyEvent: summary.keyEvent, use: summary.use });
    } else if (summary.use) {
      this.retainedKinds.push(RETAINED_USE);
      this.addUse(summary.use);
    }
  }

  /** Returns the batch collected so far and starts an empty one. */
  take(): RecordBatch {
    const batch: RecordBatch = {
      records: this.records,
      counted: this.counted,
      retainedKinds: new Uint8Array(this.retainedKinds),
      keyEvents: this.keyEvents,
      uses: {
        strings: this.strings,
        fields: new Uint32Array(this.fields),
        times: new Float64Array(this.times),
        eventIds: this.eventIds,
      },
    };
    this.records = 0;
    this.counted = {};
    this.retainedKinds = [];
    this.keyEvents = [];
    this.strings = [null];
    this.stringIndexes = new Map();
    this.fields = [];
    this.times = [];
    this.eventIds = [];
    return batch;
  }

  private addUse(use: KeyUseEvent): void {
    this.fields.push(
      this.indexOf(use.accessKeyId),
      this.indexOf(use.eventName),
      this.indexOf(use.eventSource),
      this.indexOf(use.sourceIPAddress),
      this.indexOf(use.errorCode),
    );
    this.times.push(use.time);
    this.eventIds.push(use.eventId);
  }

  private indexOf(value: string | null): number {
    if (value === null) return 0;
    let index = this.stringIndexes.get(value);
    if (index === undefined) {
      index = this.strings.length;
      this.stringIndexes.set(value, index);
      this.strings.push(value);
    }
    return index;
  }
}

/** Returns the typed arrays of a batch for a postMessage transfer list, so they move instead of being copied. */
export function batchTransferList(batch: RecordBatch): ArrayBuffer[] {
  return [batch.retainedKinds.buffer, batch.uses.fields.buffer, batch.uses.times.buffer] as ArrayBuffer[];
}
