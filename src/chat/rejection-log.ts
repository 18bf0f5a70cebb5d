/**
 * Rate-limited warnings about rejected HTTP requests, shared by the Slack and Teams routes. A flood of
 * unsigned or malformed requests would otherwise write one line each and fill the log.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';

/**
 * Rejected requests of one HTTP status are logged at most once per interval. The next line after the
 * interval counts the ones left out in `omittedSinceLastLine`.
 */
export const REJECTION_LOG_INTERVAL_MS = 60_000;

/** Logs one rejected request, unless a request of the same status was logged less than an interval ago. */
export type RejectionLog = (
  status: number,
  req: IncomingMessage,
  message: string,
  fields?: Record<string, unknown>,
) => void;

/** Creates a rejection log that writes one warning per status per interval and counts the rest. */
export function createRejectionLog(
  logger: Logger,
  clock: () => Date,
  intervalMs = REJECTION_LOG_INTERVAL_MS,
): RejectionLog {
  const last = new Map<number, { atMs: number; omitted: number }>();
  return (status, req, message, fields = {}) => {
    const nowMs = clock().getTime();
    const previous = last.get(status);
    if (previous && nowMs - previous.atMs < intervalMs) {
      previous.omitted += 1;
      return;
    }
    const omitted = previous?.omitted ?? 0;
    logger.warn(
      { ...fields, status, remoteAddress: req.socket.remoteAddress, omittedSinceLastLine: omitted },
      message,
    );
    last.set(status, { atMs: nowMs, omitted: 0 });
  };
}
