/**
 * `keyhunt scan [PATH...]`: reads CloudTrail log files and prints the access keys created and deleted within
 * the threshold. The options are parsed and checked here; src/commands/scan-run.ts does the scan.
 */
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { DEFAULT_THRESHOLD_MS } from '../detect/index.js';
import { DURATION_EXAMPLE, parseDuration } from '../duration.js';
import { CliError } from './context.js';
import type { CommandContext } from './context.js';
import { OUTPUT_FORMATS, runScan } from './scan-run.js';
import type { OutputFormat, ScanOptions } from './scan-run.js';

export { OUTPUT_FORMATS, runScan, defaultSamplesPath } from './scan-run.js';
export type { OutputFormat, ScanOptions } from './scan-run.js';

const TIME_EXAMPLE = '2023-07-10T12:00:00Z or 2023-07-10';
/** A UTC date, or a date-time with `Z` or an offset: a time without a zone would depend on the machine. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/i;

const EXAMPLES = `
Examples:
  keyhunt scan                                  scan the bundled samples/ folder
  keyhunt scan AWSLogs/ --since 7d              S3-layout logs from the last 7 days
  keyhunt scan events.jsonl --threshold 1h      keys that lived 1 hour or less
  keyhunt scan logs/ --from 2023-07-10 --to 2023-07-11T00:00:00Z --format json
`;

/** The raw option values as commander parsed them. */
interface ScanFlags {
  threshold: number;
  since?: number;
  from?: number;
  to?: number;
  format: OutputFormat;
}

/** Adds the `scan` subcommand to the program. */
export function registerScanCommand(program: Command, context: CommandContext): void {
  program
    .command('scan')
    .description('Scan CloudTrail log files for access keys created and then deleted within the threshold')
    .argument(
      '[path...]',
      'CloudTrail log files or folders (searched recursively for .json, .jsonl and .ndjson, gzipped or not); ' +
        'default: the bundled samples/ folder',
    )
    .addOption(
      new Option(
        '--threshold <duration>',
        `report keys deleted within this time of creation (${DURATION_EXAMPLE})`,
      )
        .argParser(parseThreshold)
        .default(DEFAULT_THRESHOLD_MS, '24h'),
    )
    .addOption(
      new Option(
        '--since <duration>',
        `only use records from this time before now until now (${DURATION_EXAMPLE}); default: all records`,
      )
        .argParser(parseDurationArgument)
        .conflicts(['from', 'to']),
    )
    .addOption(
      new Option(
        '--from <time>',
        `only use records at or after this time (ISO 8601, such as ${TIME_EXAMPLE}); default: no limit`,
      ).argParser(parseTimeArgument),
    )
    .addOption(
      new Option(
        '--to <time>',
        'only use records at or before this time (ISO 8601, as --from); default: no limit',
      ).argParser(parseTimeArgument),
    )
    .addOption(
      new Option('--format <format>', 'output format on stdout').choices(OUTPUT_FORMATS).default('table'),
    )
    .addHelpText('after', EXAMPLES)
    .action(async (paths: string[], flags: ScanFlags) => {
      await runScan(toScanOptions(paths, flags, context.now()), context);
    });
}

/** Turns the parsed flags into scan options, checking what commander cannot: that --from is not after --to. */
export function toScanOptions(paths: string[], flags: ScanFlags, now: Date): ScanOptions {
  const range =
    flags.since !== undefined
      ? { fromMs: now.getTime() - flags.since, toMs: now.getTime() }
      : { fromMs: flags.from, toMs: flags.to };
  if (range.fromMs !== undefined && range.toMs !== undefined && range.fromMs > range.toMs) {
    const from = new Date(range.fromMs).toISOString();
    const to = new Date(range.toMs).toISOString();
    throw new CliError('CLI_USAGE', `--from ${from} is after --to ${to}; swap the two values`);
  }
  return { paths, thresholdMs: flags.threshold, format: flags.format, ...range };
}

function parseDurationArgument(value: string): number {
  const ms = parseDuration(value);
  if (ms !== null) return ms;
  // parseDuration rejects a well-formed value only when it does not fit in a safe integer of milliseconds.
  if (/^\s*\d+\s*[smhd]\s*$/i.test(value)) {
    throw new InvalidArgumentError(`The duration is too large. Use a value such as ${DURATION_EXAMPLE}.`);
  }
  throw new InvalidArgumentError(`Expected a whole number and a unit: ${DURATION_EXAMPLE}.`);
}

function parseThreshold(value: string): number {
  const ms = parseDurationArgument(value);
  if (ms === 0) throw new InvalidArgumentError(`The threshold must be greater than 0, such as 24h.`);
  return ms;
}

function parseTimeArgument(value: string): number {
  const text = value.trim();
  const ms = ISO_TIME.test(text) && isCalendarDate(text.slice(0, 10)) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms))
    throw new InvalidArgumentError(`Expected an ISO 8601 time such as ${TIME_EXAMPLE}.`);
  return ms;
}

/** Rejects dates such as 2024-02-31, which Date.parse rolls over into the next month. */
function isCalendarDate(date: string): boolean {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const parsed = new Date(Date.UTC(year, month - 1, day));
  return parsed.getUTCMonth() === month - 1 && parsed.getUTCDate() === day;
}
