/**
 * The detector for scans: records go in one at a time in any order, or as batches summarized elsewhere (see
 * record-summary.ts), and findings come out at the end.
 */
import { buildFinding, isPairInWindow } from './enrich.js';
import { EventIdTable, KeyUseStore } from './key-uses.js';
import { ENCODED_USE_FIELDS, RETAINED_KEY_EVENT, summarizeRecord } from './record-summary.js';
import type { DetectorOptions, EncodedUses, RecordBatch } from './record-summary.js';
import type { DetectionResult, DetectionStats, Finding, KeyEvent, KeyUseEvent, SkipReason } from './types.js';

export type { DetectorOptions } from './record-summary.js';

/** Orders findings by deletedAt, then accessKeyId, as every output lists them. */
export function compareFindings(a: Finding, b: Finding): number {
  if (a.deletedAt !== b.deletedAt) return a.deletedAt < b.deletedAt ? -1 : 1;
  if (a.accessKeyId !== b.accessKeyId) return a.accessKeyId < b.accessKeyId ? -1 : 1;
  if (a.id === b.id) return 0;
  return a.id < b.id ? -1 : 1;
}

/** Picks the earliest event, breaking ties by event id so the result does not depend on input order. */
function earliest(a: KeyEvent | undefined, b: KeyEvent): KeyEvent {
  if (!a) return b;
  if (a.time !== b.time) return a.time < b.time ? a : b;
  return a.eventId <= b.eventId ? a : b;
}

export class Detector {
  private readonly options: DetectorOptions;
  private readonly seenEventIds = new EventIdTable();
  private readonly keyEvents: KeyEvent[] = [];
  private readonly uses = new KeyUseStore();
  private readonly skipped: Partial<Record<SkipReason, number>> = {};
  private recordsRead = 0;

  constructor(options: DetectorOptions) {
    this.options = options;
  }

  private skip(reason: SkipReason): void {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1;
  }

  /**
   * Adds one parsed record. Odd records are counted as skipped, never thrown. Returns the skip reason that
   * normalizeRecord gives the record, such as 'missing-event-id', or null. Time-range and duplicate skips are
   * counted but not returned, so callers can report records of the wrong shape without normalizing them again.
   */
  add(record: unknown): SkipReason | null {
    const summary = summarizeRecord(record, this.options);
    this.recordsRead++;
    if (summary.counted) this.skip(summary.counted);
    this.retain(summary.keyEvent, summary.use);
    return summary.skip;
  }

  /**
   * Adds records summarized with summarizeRecord and the same options, such as on a worker thread. Adding
   * the batches of a file in order has the same effect as adding its records one by one.
   */
  addBatch(batch: RecordBatch): void {
    this.recordsRead += batch.records;
    for (const [reason, count] of Object.entries(batch.counted) as Array<[SkipReason, number]>) {
      this.skipped[reason] = (this.skipped[reason] ?? 0) + count;
    }
    let keyEventIndex = 0;
    let useIndex = 0;
    for (const kind of batch.retainedKinds) {
      if (kind === RETAINED_KEY_EVENT) {
        const { keyEvent, use } = batch.keyEvents[keyEventIndex++]!;
        this.retain(keyEvent, use);
      } else {
        this.retainEncodedUse(batch.uses, useIndex++);
      }
    }
  }

  /** Keeps the use at `index` of a batch's encoded uses, as `retain` keeps a use without a key event. */
  private retainEncodedUse(uses: EncodedUses, index: number): void {
    const eventOrdinal = this.internEventId(uses.eventIds[index]!);
    if (eventOrdinal === null) return;
    const base = index * ENCODED_USE_FIELDS;
    const field = (offset: number): string | null => uses.strings[uses.fields[base + offset]!] ?? null;
    this.uses.addFields(field(0) ?? '', eventOrdinal, uses.times[index]!, {
      eventName: field(1) ?? '',
      eventSource: field(2),
      sourceIPAddress: field(3),
      errorCode: field(4),
    });
  }

  /** Keeps a record's key event and long-term key use, unless a record with its event id was kept before. */
  private retain(keyEvent: KeyEvent | null, use: KeyUseEvent | null): void {
    const retained = keyEvent ?? use;
    // Only retained records are deduplicated, so the set of seen ids grows with key activity, not traffic.
    if (!retained) return;
    const eventOrdinal = this.internEventId(retained.eventId);
    if (eventOrdinal === null) return;
    if (keyEvent) this.keyEvents.push(keyEvent);
    if (use) this.uses.add(use, eventOrdinal);
  }

  /** Returns the ordinal of a new event id, or null after counting a duplicate. */
  private internEventId(eventId: string): number | null {
    const seenBefore = this.seenEventIds.size;
    const eventOrdinal = this.seenEventIds.intern(eventId);
    if (this.seenEventIds.size > seenBefore) return eventOrdinal;
    this.skip('duplicate-event-id');
    return null;
  }

  /** Pairs the collected events and returns the findings, sorted, with what was read and skipped. */
  finish(): DetectionResult {
    const creates = new Map<string, KeyEvent>();
    const deletes = new Map<string, KeyEvent>();
    let failedCalls = 0;
    for (const event of this.keyEvents) {
      if (event.errorCode || !event.accessKeyId) {
        failedCalls++;
        continue;
      }
      const byKey = event.action === 'create' ? creates : deletes;
      byKey.set(event.accessKeyId, earliest(byKey.get(event.accessKeyId), event));
    }

    const findings: Finding[] = [];
    let pairsOutsideWindow = 0;
    for (const [accessKeyId, create] of creates) {
      const del = deletes.get(accessKeyId);
      if (!del) continue;
      if (!isPairInWindow(create, del, this.options.thresholdMs)) {
        pairsOutsideWindow++;
        continue;
      }
      const uses = this.uses.uses(accessKeyId, this.seenEventIds);
      findings.push(buildFinding(create, del, { keyEvents: this.keyEvents, uses }));
    }
    findings.sort(compareFindings);

    const paired = findings.length + pairsOutsideWindow;
    const stats: DetectionStats = {
      recordsRead: this.recordsRead,
      keyEvents: this.keyEvents.length,
      skipped: { ...this.skipped },
      failedCalls,
      unpairedCreates: creates.size - paired,
      unpairedDeletes: deletes.size - paired,
      pairsOutsideWindow,
    };
    return { findings, stats };
  }
}

/** Runs the detector over records held in memory. */
export function detect(records: Iterable<unknown>, options: DetectorOptions): DetectionResult {
  const detector = new Detector(options);
  for (const record of records) detector.add(record);
  return detector.finish();
}
