/**
 * Retention: state older than the retention period is dropped so the store file stays small. Findings that are
 * not resolved are kept whatever their age, because someone still has to act on them.
 */
import { DAY_MS } from '../detect/types.js';
import type { StoreData } from '../pipeline/ports.js';

export const DEFAULT_RETENTION_MS = 90 * DAY_MS;

export interface PruneCounts {
  findings: number;
  seenEventIds: number;
  keyEvents: number;
}

/**
 * Removes, in place, resolved findings whose `updatedAt` is older than `now - retentionMs`, seen event ids
 * whose event time is older, and `poll.recentKeyEvents` whose `time` is older. Returns how many of each went.
 */
export function pruneStoreData(data: StoreData, now: Date, retentionMs: number): PruneCounts {
  const cutoffMs = now.getTime() - retentionMs;
  const counts: PruneCounts = { findings: 0, seenEventIds: 0, keyEvents: 0 };

  for (const [id, stored] of Object.entries(data.findings)) {
    if (stored.state === 'resolved' && Date.parse(stored.updatedAt) < cutoffMs) {
      delete data.findings[id];
      counts.findings += 1;
    }
  }

  for (const [eventId, eventTimeMs] of Object.entries(data.poll.seenEventIds)) {
    if (eventTimeMs < cutoffMs) {
      delete data.poll.seenEventIds[eventId];
      counts.seenEventIds += 1;
    }
  }

  const keptKeyEvents = data.poll.recentKeyEvents.filter((event) => event.time >= cutoffMs);
  counts.keyEvents = data.poll.recentKeyEvents.length - keptKeyEvents.length;
  data.poll.recentKeyEvents = keptKeyEvents;

  return counts;
}
