/**
 * Measures `keyhunt scan` on a synthetic S3-layout archive: records, files, megabytes on disk, wall time,
 * CPU time, records/s, MB/s and peak RSS, and checks the findings against the archive's expected.json.
 *
 *   npx tsc -p tsconfig.bench.json && node build/bench/bench/scan-bench.js [--archive DIR] [--records N] [--runs N]
 *
 * Without --archive it uses `keyhunt-scan-bench-<N>` under the OS temp dir. When the folder has no
 * expected.json, the archive generator (MAKE_ARCHIVE, run with python3) writes it first: N records, by default
 * 1,000,000, which come to about 200 MB of gzip files. The archive is kept for later runs.
 *
 * Each run is a child process that scans the archive's AWSLogs/ folder in-process with `--format json` and a
 * 24h threshold (the threshold expected.json is written for), so its peak RSS is the scan's alone. Wall time
 * covers the whole child, Node startup included. The output sha256 covers the findings JSON and the summary
 * line, so two builds that print the same thing show the same hash.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { CommandContext } from '../src/commands/context.js';
import { runScan } from '../src/commands/scan-run.js';
import { DEFAULT_THRESHOLD_MS } from '../src/detect/index.js';
import type { Finding } from '../src/detect/index.js';
import type { ScanSummary } from '../src/format/table.js';
import { listInputFiles } from '../src/sources/files.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const MAKE_ARCHIVE = join(REPO_ROOT, '..', 'shared', 'tools', 'make-archive.py');
const DEFAULT_RECORDS = 1_000_000;
const CHILD_FLAG = '--child';

/** The result of one child run, sent to the parent as one JSON document on the child's stdout. */
interface ChildResult {
  output: string;
  summaryLine: string;
  summary: ScanSummary;
  /** Messages logged at warn level or above, such as skipped records. */
  problems: number;
  maxRssKb: number;
  /** User plus system CPU time of the child, which moves less than wall time on a shared machine. */
  cpuSeconds: number;
}

/** The fields of a finding that make-archive.py writes to expected.json. */
interface ExpectedFinding {
  accessKeyId: string;
  userName: string | null;
  accountId: string | null;
  createdAt: string;
  deletedAt: string;
  lifetimeSeconds: number;
  creatorPrincipalId: string | null;
  deleterPrincipalId: string | null;
}

interface BenchOptions {
  archive: string;
  records: number;
  runs: number;
}

function parseOptions(args: string[]): BenchOptions {
  let archive: string | undefined;
  let records = DEFAULT_RECORDS;
  let runs = 1;
  for (let index = 0; index < args.length; index += 2) {
    const flag = args[index];
    const value = args[index + 1];
    if (value === undefined)
      throw new Error(`missing value after ${flag}; see the usage in bench/scan-bench.ts`);
    if (flag === '--archive') archive = resolve(value);
    else if (flag === '--records') records = parseCount(flag, value);
    else if (flag === '--runs') runs = parseCount(flag, value);
    else throw new Error(`unknown option ${flag}; expected --archive DIR, --records N or --runs N`);
  }
  return { archive: archive ?? join(tmpdir(), `keyhunt-scan-bench-${records}`), records, runs };
}

function parseCount(flag: string, value: string): number {
  const count = Number(value.replaceAll('_', ''));
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new Error(`invalid ${flag} ${value}; expected a whole number of at least 1`);
  }
  return count;
}

/** Runs in the child: one scan of the archive, with stdout and the log collected in memory. */
async function runChild(archive: string): Promise<void> {
  let output = '';
  const logLines: string[] = [];
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output += chunk.toString();
      done();
    },
  });
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
  const logger = pino({ level: 'info' }, logStream);
  const context: CommandContext = {
    stdout,
    stderr: Object.assign(logStream, { isTTY: false }),
    env: process.env,
    now: () => new Date(),
    logger: () => logger,
  };

  await runScan(
    { paths: [join(archive, 'AWSLogs')], thresholdMs: DEFAULT_THRESHOLD_MS, format: 'json' },
    context,
  );

  const entries = logLines.map(
    (line) => JSON.parse(line) as { level: number; msg: string; summary?: ScanSummary },
  );
  const summaryEntry = entries.find((entry) => entry.summary !== undefined);
  if (!summaryEntry?.summary) throw new Error('the scan logged no summary line');
  const usage = process.resourceUsage();
  const result: ChildResult = {
    output,
    summaryLine: summaryEntry.msg,
    summary: summaryEntry.summary,
    problems: entries.filter((entry) => entry.level >= pino.levels.values.warn!).length,
    maxRssKb: usage.maxRSS,
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
  };
  process.stdout.write(JSON.stringify(result));
}

function ensureArchive(options: BenchOptions): void {
  if (existsSync(join(options.archive, 'expected.json'))) return;
  process.stdout.write(`Generating ${options.records} records in ${options.archive} ...\n`);
  const made = spawnSync('python3', [MAKE_ARCHIVE, options.archive, '--records', String(options.records)], {
    stdio: 'inherit',
  });
  if (made.status !== 0) {
    throw new Error(`make-archive.py failed (exit ${made.status ?? made.signal}); is ${MAKE_ARCHIVE} there?`);
  }
}

/** Spawns one child scan and returns its result with the wall time of the whole child process. */
function runOnce(archive: string): Promise<{ result: ChildResult; wallMs: number }> {
  const script = fileURLToPath(import.meta.url);
  const start = performance.now();
  const child = spawn(process.execPath, [script, CHILD_FLAG, archive], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => {
      const wallMs = performance.now() - start;
      if (code !== 0) {
        fail(new Error(`the scan child exited with code ${code}`));
        return;
      }
      done({ result: JSON.parse(Buffer.concat(chunks).toString()) as ChildResult, wallMs });
    });
  });
}

function toExpectedShape(finding: Finding): ExpectedFinding {
  return {
    accessKeyId: finding.accessKeyId,
    userName: finding.userName,
    accountId: finding.accountId,
    createdAt: finding.createdAt,
    deletedAt: finding.deletedAt,
    lifetimeSeconds: finding.lifetimeSeconds,
    creatorPrincipalId: finding.creator.principalId,
    deleterPrincipalId: finding.deleter.principalId,
  };
}

/** Returns how many findings match expected.json field for field and in order, and the first mismatch. */
function compareFindings(
  actual: Finding[],
  expected: ExpectedFinding[],
): { matched: number; mismatch: string } {
  let matched = 0;
  let mismatch = '';
  const length = Math.max(actual.length, expected.length);
  for (let index = 0; index < length; index += 1) {
    const finding = actual[index];
    const got = finding ? JSON.stringify(toExpectedShape(finding)) : 'nothing';
    const want = JSON.stringify(expected[index] ?? 'nothing');
    if (got === want) matched += 1;
    else if (mismatch === '') mismatch = `finding ${index}: expected ${want}, got ${got}`;
  }
  return { matched, mismatch };
}

async function runParent(options: BenchOptions): Promise<boolean> {
  ensureArchive(options);
  const expected = JSON.parse(
    await readFile(join(options.archive, 'expected.json'), 'utf8'),
  ) as ExpectedFinding[];
  const files = await listInputFiles([join(options.archive, 'AWSLogs')], (problem) => {
    throw new Error(`${problem.path}: ${problem.message}`);
  });
  const megabytes = files.reduce((total, file) => total + file.size, 0) / 1e6;
  const [load1, load5] = loadavg();
  process.stdout.write(
    `Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown model'}), ` +
      `load average ${load1!.toFixed(2)} / ${load5!.toFixed(2)}\n${options.archive}\n\n` +
      '| run | records | files | MB | wall s | CPU s | records/s | MB/s | peak RSS MB | findings as expected | output sha256 |\n' +
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n',
  );

  let allMatched = true;
  for (let run = 1; run <= options.runs; run += 1) {
    const { result, wallMs } = await runOnce(options.archive);
    const seconds = wallMs / 1000;
    const records = result.summary.recordsRead;
    const findings = JSON.parse(result.output) as Finding[];
    const { matched, mismatch } = compareFindings(findings, expected);
    const hash = createHash('sha256').update(result.output).update(result.summaryLine).digest('hex');
    const row = [
      String(run),
      records.toLocaleString('en-US'),
      files.length.toLocaleString('en-US'),
      megabytes.toFixed(0),
      seconds.toFixed(1),
      result.cpuSeconds.toFixed(1),
      Math.round(records / seconds).toLocaleString('en-US'),
      (megabytes / seconds).toFixed(1),
      (result.maxRssKb / 1024).toFixed(0),
      `${matched}/${expected.length}`,
      hash.slice(0, 12),
    ];
    process.stdout.write(`| ${row.join(' | ')} |\n`);
    if (mismatch !== '') process.stdout.write(`  ${mismatch}\n`);
    if (matched !== expected.length || findings.length !== expected.length) allMatched = false;
    if (run === options.runs) {
      process.stdout.write(`\nsummary: ${result.summaryLine}\nproblems logged: ${result.problems}\n`);
    }
  }
  return allMatched;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === CHILD_FLAG && args[1] !== undefined) {
    await runChild(args[1]);
    return;
  }
  if (!(await runParent(parseOptions(args)))) {
    process.stdout.write('findings differ from expected.json\n');
    process.exitCode = 1;
  }
}

await main();
