/**
 * Turns the events of one LookupEvents read into key events the poller has not processed yet. Pure: records
 * that cannot be parsed are returned for the caller to count and log, never thrown.
 */
import { normalizeRecord } from '../detect/index.js';
import type { KeyEvent, SkipReason } from '../detect/types.js';
import type { LookedUpEvent } from './ports.js';

/** An event whose CloudTrailEvent could not be turned into a key event. */
export interface RejectedEvent {
  eventId: string | null;
  eventName: string | null;
  /** The normalizer's skip reason, or why the record is not one: unparsable JSON, or another event. */
  reason: SkipReason | 'invalid-json' | 'not-a-key-event';
}

export interface ParsedRead {
  /** Key events not seen before, oldest first (ties by event id), successful and failed. */
  keyEvents: KeyEvent[];
  /** Every event id of this read not seen before, with its event time in epoch ms, to record as seen. */
  newSeenEventIds: Record<string, number>;
  /** Events already processed by an earlier poll or repeated within this read. */
  duplicates: number;
  rejected: RejectedEvent[];
  /** Event time of the newest key event in the read, seen before or not, or null when there was none. */
  newestKeyEventMs: number | null;
}

type ParsedRecord = { record: unknown } | { error: 'invalid-json' };

function parseCloudTrailEvent(text: string | null): ParsedRecord {
  if (text === null) return { error: 'invalid-json' };
  try {
    return { record: JSON.parse(text) as unknown };
  } catch (error) {
    if (error instanceof SyntaxError) return { error: 'invalid-json' };
    throw error;
  }
}

function compareKeyEvents(a: KeyEvent, b: KeyEvent): number {
  if (a.time !== b.time) return a.time - b.time;
  if (a.eventId === b.eventId) return 0;
  return a.eventId < b.eventId ? -1 : 1;
}

/**
 * Parses each event's CloudTrailEvent string with normalizeRecord and drops event ids in `seen`. A rejected
 * event is recorded as seen when the response gave its id and time, so it is counted and logged once.
 */
export function parseLookedUpEvents(
  events: readonly LookedUpEvent[],
  seen: Readonly<Record<string, number>>,
): ParsedRead {
  const result: ParsedRead = {
    keyEvents: [],
    newSeenEventIds: {},
    duplicates: 0,
    rejected: [],
    newestKeyEventMs: null,
  };

  for (const event of events) {
    const alreadySeen = (id: string | null): boolean =>
      id !== null && (id in seen || id in result.newSeenEventIds);
    if (alreadySeen(event.eventId)) {
      result.duplicates += 1;
      if (event.eventTime !== null)
        result.newestKeyEventMs = Math.max(result.newestKeyEventMs ?? 0, event.eventTime);
      continue;
    }

    const parsed = parseCloudTrailEvent(event.cloudTrailEvent);
    const normalized = 'record' in parsed ? normalizeRecord(parsed.record) : null;
    const keyEvent = normalized?.keyEvent ?? null;
    if (keyEvent === null) {
      const reason = normalized === null ? 'invalid-json' : (normalized.skip ?? 'not-a-key-event');
      result.rejected.push({ eventId: event.eventId, eventName: event.eventName, reason });
      if (event.eventId !== null && event.eventTime !== null)
        result.newSeenEventIds[event.eventId] = event.eventTime;
      continue;
    }

    result.newestKeyEventMs = Math.max(result.newestKeyEventMs ?? 0, keyEvent.time);
    if (alreadySeen(keyEvent.eventId)) {
      result.duplicates += 1;
      continue;
    }
    result.newSeenEventIds[keyEvent.eventId] = keyEvent.time;
    result.keyEvents.push(keyEvent);
  }

  result.keyEvents.sort(compareKeyEvents);
  return result;
}
