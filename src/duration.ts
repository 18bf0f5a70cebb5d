/**
 * Durations as people type them: a whole number and one unit, `90s`, `20m`, `24h` or `7d`.
 */
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const DURATION_EXAMPLE = '90s, 20m, 24h or 7d';

/** Parses `90s`, `20m`, `24h` or `7d` into milliseconds, or returns null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d+)\s*([smhd])\s*$/i.exec(text);
  if (!match) return null;
  const amount = Number(match[1]);
  const unit = UNIT_MS[match[2]!.toLowerCase()]!;
  return Number.isSafeInteger(amount * unit) ? amount * unit : null;
}

/** Formats milliseconds as the largest whole units, such as `3m 55s` or `1d 6h`, for people to read. */
export function formatDuration(ms: number): string {
  const totalSeconds = Math.max(0, Math.round(ms / 1000));
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  const seconds = totalSeconds % 60;
  const parts: string[] = [];
  if (days) parts.push(`${days}d`);
  if (hours) parts.push(`${hours}h`);
  if (minutes && !days) parts.push(`${minutes}m`);
  if (seconds && !days && !hours) parts.push(`${seconds}s`);
  return parts.length ? parts.join(' ') : '0s';
}
