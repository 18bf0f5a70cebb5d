/**
 * The scan itself: list the files, stream their records through the detector one file at a time, report
 * broken input on stderr, and print the findings on stdout in the requested format.
 */
import { fileURLToPath } from 'node:url';
import { Detector } from '../detect/index.js';
import type { DetectionResult, Finding } from '../detect/index.js';
import { formatFindingsJson, formatFindingsNdjson } from '../format/json.js';
import { ProgressIndicator } from '../format/progress.js';
import { formatFindingsTable, formatScanSummary } from '../format/table.js';
import type { ScanSummary } from '../format/table.js';
import type { Logger } from '../log.js';
import { CloudTrailFileReader, InputPathError, listInputFiles } from '../sources/files.js';
import type { FileReadStats, InputFile } from '../sources/files.js';
import { CliError, EXIT_FAILURE, flushLogger } from './context.js';
import type { CommandContext } from './context.js';
import { ScanProblemReporter } from './scan-problems.js';

export const OUTPUT_FORMATS = ['table', 'json', 'ndjson'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface ScanOptions {
  /** Files and folders to read; empty for the bundled samples. */
  paths: string[];
  thresholdMs: number;
  /** Epoch ms; records before it are skipped. */
  fromMs?: number;
  /** Epoch ms; records after it are skipped. */
  toMs?: number;
  format: OutputFormat;
}

/** Returns the bundled samples folder. The same relative path works from src/commands/ and dist/commands/. */
export function defaultSamplesPath(): string {
  return fileURLToPath(new URL('../../samples/', import.meta.url));
}

/**
 * Runs a scan and writes its output. Broken files and records are reported on stderr and skipped. Throws
 * CliError with exit code 2 for a path that does not exist, and with exit code 1 when nothing could be read.
 */
export async function runScan(options: ScanOptions, context: CommandContext): Promise<void> {
  const logger = context.logger();
  const problems = new ScanProblemReporter(logger);
  const paths = options.paths.length > 0 ? options.paths : [defaultSamplesPath()];
  const files = await listFiles(paths, problems);
  if (files.length === 0) {
    const where = paths.join(', ');
    throw new CliError(
      'SCAN_NO_INPUT_FILES',
      `no CloudTrail log files (.json, .jsonl or .ndjson, optionally .gz) found in ${where}; pass a log file or a folder that contains some`,
      { exitCode: EXIT_FAILURE },
    );
  }
  logger.debug({ files: files.length, paths }, 'scan started');

  const { result, stats } = await detectInFiles(files, options, problems, context);
  if (stats.filesRead === 0 && stats.records === 0) {
    const skipped = stats.filesSkipped > 0 ? ` and ${stats.filesSkipped} held no records` : '';
    throw new CliError(
      'SCAN_NOTHING_READ',
      `nothing could be read: ${stats.filesFailed} of ${files.length} files failed${skipped}; see the messages above`,
      { exitCode: EXIT_FAILURE },
    );
  }

  const summary = summarize(result, stats, problems.foldersFailed, options.thresholdMs);
  await flushLogger(logger);
  writeOutput(context.stdout, options.format, result.findings, summary, logger);
}

async function listFiles(paths: string[], problems: ScanProblemReporter): Promise<InputFile[]> {
  try {
    return await listInputFiles(paths, (problem) => problems.reportFolder(problem));
  } catch (error) {
    if (error instanceof InputPathError) throw new CliError(error.code, error.message, { cause: error });
    throw error;
  }
}

async function detectInFiles(
  files: InputFile[],
  options: ScanOptions,
  problems: ScanProblemReporter,
  context: CommandContext,
): Promise<{ result: DetectionResult; stats: FileReadStats }> {
  const detectorOptions = { thresholdMs: options.thresholdMs, fromMs: options.fromMs, toMs: options.toMs };
  const detector = new Detector(detectorOptions);
  const progress = new ProgressIndicator({
    stream: context.stderr,
    totalFiles: files.length,
    totalBytes: files.reduce((total, file) => total + file.size, 0),
    now: () => context.now().getTime(),
  });
  let filesDone = 0;
  const reader = new CloudTrailFileReader({
    onProblem: (problem) => problems.reportFile(problem),
    onRecordSkipped: (location, reason) => problems.checkRecord(location, reason),
    onWorkerError: (error) =>
      context
        .logger()
        .warn(
          { err: error },
          `scan worker thread failed, so the main thread reads its files: ${error.message}`,
        ),
    onFileDone: (file, stats) => {
      filesDone += 1;
      problems.finishFile(file.path);
      progress.update(filesDone, stats.records);
    },
  });

  try {
    for await (const batch of reader.summaries(files, detectorOptions)) {
      detector.addBatch(batch);
      progress.update(filesDone, reader.stats.records);
    }
  } finally {
    progress.clear();
  }
  return { result: detector.finish(), stats: reader.stats };
}

function summarize(
  result: DetectionResult,
  stats: FileReadStats,
  foldersFailed: number,
  thresholdMs: number,
): ScanSummary {
  const recordsSkipped: Record<string, number> = { ...result.stats.skipped };
  if (stats.invalidLines > 0) recordsSkipped['invalid-json-line'] = stats.invalidLines;
  if (stats.invalidEmbeddedEvents > 0)
    recordsSkipped['invalid-cloudtrail-event'] = stats.invalidEmbeddedEvents;
  return {
    findings: result.findings.length,
    recordsRead: result.stats.recordsRead,
    recordsSkipped,
    filesRead: stats.filesRead,
    filesFailed: stats.filesFailed + foldersFailed,
    filesSkipped: stats.filesSkipped,
    pairsOutsideWindow: result.stats.pairsOutsideWindow,
    thresholdMs,
  };
}

/** Table output carries its own summary line; JSON and NDJSON keep stdout to findings and log the summary. */
function writeOutput(
  stdout: NodeJS.WritableStream,
  format: OutputFormat,
  findings: Finding[],
  summary: ScanSummary,
  logger: Logger,
): void {
  const line = formatScanSummary(summary);
  switch (format) {
    case 'table':
      stdout.write(`${formatFindingsTable(findings)}\n${line}\n`);
      return;
    case 'json':
      stdout.write(formatFindingsJson(findings));
      break;
    case 'ndjson':
      stdout.write(formatFindingsNdjson(findings));
      break;
  }
  logger.info({ summary }, line);
}
