/**
 * The output of `keyhunt poll` for one poll: its new findings on stdout in the chosen format, less the ones a
 * suppression rule resolved, which one line on stderr counts instead.
 */
import { formatFindingsJson, formatFindingsNdjson } from '../format/json.js';
import { formatFindingsTable } from '../format/table.js';
import type { PollReport } from '../pipeline/poll.js';
import { isSuppressed } from '../pipeline/suppression.js';
import type { CommandContext } from './context.js';

export const POLL_OUTPUT_FORMATS = ['table', 'json', 'ndjson'] as const;
export type PollOutputFormat = (typeof POLL_OUTPUT_FORMATS)[number];

export const FORMAT_HELP =
  'output format of findings on stdout: table; json, one JSON array with --once and one finding a line on ' +
  'a schedule; or ndjson, one finding a line';

/** The help paragraph on suppressed findings, for `keyhunt poll --help`. */
export const SUPPRESSED_HELP = `Findings that a suppression rule of KEYHUNT_CONFIG resolves are left out of stdout in every format, and
one line on stderr counts them. Without --dry-run they are stored as resolved (expected) and never posted.`;

export interface PrintOptions {
  format: PollOutputFormat;
  /** True for `--once`, which prints the table's notice or `[]` when a complete poll found nothing. */
  once: boolean;
}

/**
 * Prints the unsuppressed new findings of `report` on stdout and counts the suppressed ones on stderr. Prints
 * nothing on stdout for an aborted poll, and for an incomplete poll without findings, because an empty result
 * would claim a window that was not read. On a schedule, a poll without findings prints nothing either.
 */
export function printPollFindings(
  report: PollReport,
  options: PrintOptions,
  context: Pick<CommandContext, 'stdout' | 'stderr'>,
): void {
  if (report.aborted) return;
  const unsuppressed = report.findings
    .filter((stored) => !isSuppressed(stored))
    .map((stored) => stored.finding);
  const suppressed = report.findings.length - unsuppressed.length;

  const printEmpty = options.once && report.outcome === 'complete';
  if (unsuppressed.length > 0 || printEmpty) {
    if (options.format === 'table') context.stdout.write(formatFindingsTable(unsuppressed));
    else if (options.format === 'json' && options.once)
      context.stdout.write(formatFindingsJson(unsuppressed));
    else context.stdout.write(formatFindingsNdjson(unsuppressed));
  }
  if (suppressed > 0) {
    const counted =
      suppressed === 1
        ? '1 new finding matched a suppression rule of KEYHUNT_CONFIG and is not shown'
        : `${suppressed} new findings matched suppression rules of KEYHUNT_CONFIG and are not shown`;
    context.stderr.write(`keyhunt: ${counted}.\n`);
  }
}
