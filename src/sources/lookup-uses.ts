/**
 * Reduction of the events LookupEvents finds with the AccessKeyId attribute to the key uses that enrichment
 * reads: what the key was used for, from where and when.
 */
import { normalizeRecord } from '../detect/index.js';
import type { KeyUseEvent } from '../detect/types.js';
import type { LookedUpEvent } from '../pipeline/ports.js';

/**
 * Parses each event's CloudTrailEvent string and keeps the uses of `accessKeyId`, one per event id. Events
 * that cannot be parsed, or that name another key, are counted as skipped.
 */
export function parseKeyUses(
  events: readonly LookedUpEvent[],
  accessKeyId: string,
): { uses: KeyUseEvent[]; skipped: number } {
  const uses = new Map<string, KeyUseEvent>();
  let skipped = 0;
  for (const event of events) {
    let record: unknown;
    try {
      record = JSON.parse(event.cloudTrailEvent ?? '');
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      skipped += 1;
      continue;
    }
    const use = normalizeRecord(record).use;
    if (use === null || use.accessKeyId !== accessKeyId) {
      skipped += 1;
      continue;
    }
    uses.set(use.eventId, use);
  }
  return { uses: [...uses.values()].sort((a, b) => a.time - b.time), skipped };
}
