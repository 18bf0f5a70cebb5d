/**
 * The detector for scans: records go in one at a time in any order, findings come out at the end.
 */
import { buildFinding, isPairInWindow } from './enrich.js';
import { EventIdTable, KeyUseStore } from './key-uses.js';
import { normalizeRecord } from './normalize.js';
import type { DetectionResult, DetectionStats, Finding, KeyEvent, SkipReason } from './types.js';

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
    this.recordsRead++;
    const normalized = normalizeRecord(record);
    if (normalized.time === null) {
      if (normalized.skip) this.skip(normalized.skip);
      return normalized.skip;
    }
    const { fromMs, toMs } = this.options;
    if (
      (fromMs !== undefined && normalized.time < fromMs) ||
      (toMs !== undefined && normalized.time > toMs)
    ) {
      this.skip('outside-time-range');
      return normalized.skip;
    }
    if (normalized.skip) this.skip(normalized.skip);

    const keyEvent = normalized.keyEvent;
    const use = normalized.use?.accessKeyId.startsWith(LONG_TERM_KEY_PREFIX) ? normalized.use : null;
    const retained = keyEvent ?? use;
    // Only retained records are deduplicated, so the set of seen ids grows with key activity, not traffic.
    if (!retained) return normalized.skip;
    const seenBefore = this.seenEventIds.size;
    const eventOrdinal = this.seenEventIds.intern(retained.eventId);
    if (this.seenEventIds.size === seenBefore) {
      this.skip('duplicate-event-id');
      return normalized.skip;
    }

    if (keyEvent) this.keyEvents.push(keyEvent);
    if (use) this.uses.add(use, eventOrdinal);
    return normalized.skip;
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
