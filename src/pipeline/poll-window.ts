/**
 * The time arithmetic of the poller, kept pure: which window a poll reads, and when to warn that no key event
 * has been seen for a long time.
 */
import { DAY_MS, HOUR_MS } from '../detect/types.js';
import type { PollHealth } from './ports.js';

/** LookupEvents keeps 90 days of event history; a window cannot start earlier. */
export const EVENT_HISTORY_MS = 90 * DAY_MS;
/** A gap since the cursor longer than this is logged as catching up after downtime. */
export const CATCH_UP_NOTICE_MS = HOUR_MS;

export interface PollWindow {
  fromMs: number;
  toMs: number;
  /** True when the cursor is more than CATCH_UP_NOTICE_MS behind now, such as after downtime. */
  catchingUp: boolean;
  /** True when the start was moved forward to the 90 days that event history keeps, so older events are lost. */
  clamped: boolean;
  /** The start before clamping. */
  requestedFromMs: number;
}

/**
 * Computes the window of the next poll. It starts at the cursor minus the delivery lag, so events delivered
 * late are read by a later poll. With no cursor it starts threshold + lag before now, so a key deleted now
 * still finds its create. It always ends now, and never starts before the 90 days of event history.
 */
export function computePollWindow(
  cursor: string | null,
  nowMs: number,
  options: { thresholdMs: number; deliveryLagMs: number },
): PollWindow {
  const cursorMs = cursor === null ? null : Date.parse(cursor);
  const usableCursor = cursorMs !== null && Number.isFinite(cursorMs) ? Math.min(cursorMs, nowMs) : null;
  const requestedFromMs =
    usableCursor === null
      ? nowMs - options.thresholdMs - options.deliveryLagMs
      : usableCursor - options.deliveryLagMs;
  const earliestMs = nowMs - EVENT_HISTORY_MS;
  return {
    fromMs: Math.max(requestedFromMs, earliestMs),
    toMs: nowMs,
    catchingUp: usableCursor !== null && nowMs - usableCursor > CATCH_UP_NOTICE_MS,
    clamped: requestedFromMs < earliestMs,
    requestedFromMs,
  };
}

/**
 * Decides whether this poll warns that no key event was seen for `quietWarningMs` or more. The quiet period
 * counts from the newest key event seen, or from the first poll when none was. The warning is due when the
 * period first passes the limit and then once a day. The previous attempt time decides the repeat, so no
 * more state is stored.
 */
export function quietWarningDue(
  health: Readonly<PollHealth>,
  nowMs: number,
  quietWarningMs: number,
): { due: boolean; quietSinceMs: number | null } {
  const since = health.lastEventSeenAt ?? health.firstAttemptAt ?? null;
  const sinceMs = since === null ? NaN : Date.parse(since);
  if (!Number.isFinite(sinceMs)) return { due: false, quietSinceMs: null };
  if (nowMs - sinceMs < quietWarningMs) return { due: false, quietSinceMs: sinceMs };

  const previousMs = health.lastAttemptAt === null ? NaN : Date.parse(health.lastAttemptAt);
  if (!Number.isFinite(previousMs) || previousMs - sinceMs < quietWarningMs) {
    return { due: true, quietSinceMs: sinceMs };
  }
  const day = (ms: number): number => Math.floor((ms - sinceMs - quietWarningMs) / DAY_MS);
  return { due: day(nowMs) !== day(previousMs), quietSinceMs: sinceMs };
}
