/**
 * The human-readable scan output: one line per finding in aligned columns, then a summary line.
 */
import type { Finding } from '../detect/types.js';
import { formatDuration } from '../duration.js';

/** Counts of what a scan read and skipped, for the summary line. */
export interface ScanSummary {
  findings: number;
  /** Records handed to the detector. */
  recordsRead: number;
  /** Records left out, by reason: the detector's skip reasons plus lines and events that were not JSON. */
  recordsSkipped: Readonly<Record<string, number>>;
  filesRead: number;
  filesFailed: number;
  /** Files with nothing to read, such as CloudTrail digest files. */
  filesSkipped: number;
  /** Create/delete pairs whose delete came after the threshold or before the create. */
  pairsOutsideWindow: number;
  thresholdMs: number;
}

const COLUMNS = [
  'ID',
  'SEVERITY',
  'USER',
  'ACCESS KEY ID',
  'CREATED (UTC)',
  'LIFETIME',
  'USES',
  'CREATED BY',
];

/** Formats findings as an aligned table with a header, or a one-line notice when there are none. */
export function formatFindingsTable(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'No short-lived access keys found.\n';

  const rows = [COLUMNS, ...findings.map(findingRow)];
  const widths = COLUMNS.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n`;
}

function findingRow(finding: Finding): string[] {
  const creator = finding.creator.arn ?? finding.creator.principalId ?? '-';
  return [
    finding.id,
    finding.severity,
    finding.userName ?? '-',
    finding.accessKeyId,
    formatTimestamp(finding.createdAt),
    formatDuration(finding.lifetimeSeconds * 1000),
    formatUses(finding),
    creator,
  ].map(printable);
}

/** `2023-07-10T12:24:29.000Z` -> `2023-07-10 12:24:29`; other text is shown as it is. */
function formatTimestamp(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]}` : iso;
}

function formatUses(finding: Finding): string {
  const { usage } = finding;
  if (!usage.available) return 'unknown';
  if (usage.count === 0) return 'none';
  const addresses = usage.sourceIPAddresses.length;
  return `${usage.count} from ${addresses} IP${addresses === 1 ? '' : 's'}`;
}

/**
 * Replaces control and bidirectional-formatting characters, which log files can carry in any string field,
 * so a crafted record cannot move the cursor, recolour the terminal or reverse the text shown after it.
 */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '?');
}

/**
 * Formats the one-line scan summary, such as
 * `2 findings; 2900 records read (skipped: none); 55 files read, 0 failed, 0 skipped; 0 pairs outside the 1d window`.
 */
export function formatScanSummary(summary: ScanSummary): string {
  const skipped = Object.entries(summary.recordsSkipped)
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([reason, count]) => `${count} ${reason}`);
  return [
    plural(summary.findings, 'finding'),
    `${plural(summary.recordsRead, 'record')} read (skipped: ${skipped.length ? skipped.join(', ') : 'none'})`,
    `${plural(summary.filesRead, 'file')} read, ${summary.filesFailed} failed, ${summary.filesSkipped} skipped`,
    `${plural(summary.pairsOutsideWindow, 'pair')} outside the ${formatDuration(summary.thresholdMs)} window`,
  ].join('; ');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
