/**
 * Changes to the poller's stored state, pure and in place: pairing new key events with the pending ones, and
 * pruning what no later poll can need. They run inside one `store.update`, so seen event ids are recorded in
 * the same write as the pending events and findings that came from them.
 */
import { isPairInWindow } from '../detect/index.js';
import type { KeyEvent } from '../detect/types.js';
import type { PollState } from './ports.js';

export interface KeyPair {
  create: KeyEvent;
  del: KeyEvent;
}

export interface PairingResult {
  /** Create and delete pairs within the threshold, in the order their second event arrived. */
  pairs: KeyPair[];
  /** Pairs whose delete came after the threshold, or before the create. */
  pairsOutsideWindow: number;
}

export interface PruneOptions {
  thresholdMs: number;
  deliveryLagMs: number;
  /** How long key events are kept in recentKeyEvents for the per-user and per-principal counts. */
  keyEventHistoryMs: number;
}

export interface PollPruneCounts {
  pendingCreates: number;
  pendingDeletes: number;
  seenEventIds: number;
  recentKeyEvents: number;
}

/**
 * Seen event ids are kept this much longer than the window start strictly needs, because reads are widened to
 * whole seconds and an event just before the window start can come back.
 */
const SEEN_ID_MARGIN_MS = 60 * 60 * 1000;

/**
 * Records each key event as seen and pairs successful creates and deletes by access key id. A create waits in
 * pendingCreates for its delete, and a delete delivered before its create waits in pendingDeletes, so the
 * order of delivery does not matter. Events already in seenEventIds are ignored.
 */
export function applyKeyEvents(
  poll: PollState,
  keyEvents: readonly KeyEvent[],
  thresholdMs: number,
): PairingResult {
  const result: PairingResult = { pairs: [], pairsOutsideWindow: 0 };
  const match = (create: KeyEvent, del: KeyEvent): void => {
    if (isPairInWindow(create, del, thresholdMs)) result.pairs.push({ create, del });
    else result.pairsOutsideWindow += 1;
  };

  for (const event of keyEvents) {
    if (event.eventId in poll.seenEventIds) continue;
    poll.seenEventIds[event.eventId] = event.time;
    poll.recentKeyEvents.push(event);
    if (event.errorCode !== null || event.accessKeyId === null) continue;

    const keyId = event.accessKeyId;
    if (event.action === 'create') {
      const del = poll.pendingDeletes[keyId];
      if (del) {
        delete poll.pendingDeletes[keyId];
        match(event, del);
      } else {
        poll.pendingCreates[keyId] = event;
      }
    } else {
      const create = poll.pendingCreates[keyId];
      if (create) {
        delete poll.pendingCreates[keyId];
        match(create, event);
      } else {
        poll.pendingDeletes[keyId] = event;
      }
    }
  }
  return result;
}

/** Records event ids that produced no key event, so they are counted and logged only once. */
export function markSeen(poll: PollState, eventIds: Readonly<Record<string, number>>): void {
  for (const [eventId, time] of Object.entries(eventIds)) poll.seenEventIds[eventId] ??= time;
}

/**
 * Drops state that no later poll can use, measured from the cursor (the end of the fully read time):
 * - pending creates and deletes older than threshold + lag, because their partner event would have been
 *   read by now: it happened within the threshold and is delivered within the lag;
 * - seen event ids older than the next window start (cursor - lag), with a margin, since no later window
 *   returns them;
 * - recent key events older than keyEventHistoryMs.
 */
export function prunePollState(poll: PollState, cursorMs: number, options: PruneOptions): PollPruneCounts {
  const counts: PollPruneCounts = {
    pendingCreates: 0,
    pendingDeletes: 0,
    seenEventIds: 0,
    recentKeyEvents: 0,
  };
  const pendingCutoffMs = cursorMs - options.thresholdMs - options.deliveryLagMs;

  for (const [keyId, event] of Object.entries(poll.pendingCreates)) {
    if (event.time >= pendingCutoffMs) continue;
    delete poll.pendingCreates[keyId];
    counts.pendingCreates += 1;
  }
  for (const [keyId, event] of Object.entries(poll.pendingDeletes)) {
    if (event.time >= pendingCutoffMs) continue;
    delete poll.pendingDeletes[keyId];
    counts.pendingDeletes += 1;
  }

  const seenCutoffMs = cursorMs - options.deliveryLagMs - SEEN_ID_MARGIN_MS;
  for (const [eventId, time] of Object.entries(poll.seenEventIds)) {
    if (time >= seenCutoffMs) continue;
    delete poll.seenEventIds[eventId];
    counts.seenEventIds += 1;
  }

  const historyCutoffMs = cursorMs - options.keyEventHistoryMs;
  const kept = poll.recentKeyEvents.filter((event) => event.time >= historyCutoffMs);
  counts.recentKeyEvents = poll.recentKeyEvents.length - kept.length;
  poll.recentKeyEvents = kept;
  return counts;
}
