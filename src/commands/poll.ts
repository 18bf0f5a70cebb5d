/**
 * `keyhunt poll`: polls CloudTrail LookupEvents for access keys created and then deleted within the threshold.
 * With --once it runs one poll and prints the new findings; without it, it polls on KEYHUNT_POLL_CRON until
 * SIGINT or SIGTERM. --dry-run polls over an in-memory copy of the store, so nothing is written or posted.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { Option } from 'commander';
import type { Command } from 'commander';
import { loadConfig, withDotenv } from '../config.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { emptyStoreData } from '../pipeline/ports.js';
import type { FindingNotifier, Store } from '../pipeline/ports.js';
import { MemoryStore } from '../pipeline/poll-dry-run.js';
import { runPoll } from '../pipeline/poll.js';
import type { PollDeps } from '../pipeline/poll.js';
import { scheduleJob } from '../schedule/scheduler.js';
import { createCloudTrailClient } from '../sources/lookup-client.js';
import { LookupEventsSource } from '../sources/lookup-events.js';
import type { LookupEventsSourceOptions } from '../sources/lookup-events.js';
import { createLookupRateLimiter } from '../sources/rate-limiter.js';
import { openStore } from '../store/index.js';
import { normalizeStoreData } from '../store/shape.js';
import { CliError, EXIT_FAILURE, flushLogger } from './context.js';
import type { CommandContext } from './context.js';
import { FORMAT_HELP, POLL_OUTPUT_FORMATS, printPollFindings, SUPPRESSED_HELP } from './poll-output.js';
import type { PollOutputFormat } from './poll-output.js';

export { POLL_OUTPUT_FORMATS, type PollOutputFormat } from './poll-output.js';

export interface PollFlags {
  once: boolean;
  dryRun: boolean;
  format: PollOutputFormat;
}

/** Replaceable parts of the command, for main.ts and tests. */
export interface PollCommandDeps {
  /** Builds the CloudTrail client; createCloudTrailClient in the configured Region by default. */
  createClient?: (config: Config) => CloudTrailClient;
  /** Builds the notifiers that post after each poll. Without it, `keyhunt serve` posts stored findings later. */
  createNotifiers?: (args: { config: Config; store: Store; logger: Logger }) => Promise<FindingNotifier[]>;
  /** Resolves when scheduled polling should stop, which aborts a running poll; on SIGINT or SIGTERM by default. */
  waitForStop?: () => Promise<void>;
  /** Retry and jitter settings of the LookupEvents source, for tests. */
  sourceOptions?: Pick<LookupEventsSourceOptions, 'sleep' | 'random' | 'retry'>;
  cwd?: () => string;
}

const HELP_AFTER = `
Examples:
  keyhunt poll --once                 poll once, store and print new findings
  keyhunt poll --once --dry-run       poll once over a copy of the store; nothing is written or posted
  keyhunt poll                        poll on KEYHUNT_POLL_CRON (default */5 * * * *) until Ctrl-C
  keyhunt poll --format ndjson        poll on the schedule and print one finding a line, for other tools

With --once, a poll that could not read its whole window (such as AccessDenied or constant throttling)
prints only the findings it stored, none of the "no keys found" output, and exits with code 1.
On a schedule, SIGINT or SIGTERM aborts a running poll, which then stores nothing; the next run reads its
window again.

${SUPPRESSED_HELP}
`;

/** Adds the `poll` subcommand to the program. */
export function registerPollCommand(
  program: Command,
  context: CommandContext,
  deps: PollCommandDeps = {},
): void {
  program
    .command('poll')
    .description('Poll CloudTrail LookupEvents for access keys created and then deleted within the threshold')
    .option('--once', 'run one poll, print its new findings and exit (default: poll on KEYHUNT_POLL_CRON)')
    .option(
      '--dry-run',
      'poll over an in-memory copy of the store: no store write, no chat post (default: off)',
    )
    .addOption(new Option('--format <format>', FORMAT_HELP).choices(POLL_OUTPUT_FORMATS).default('table'))
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: Partial<PollFlags>) => {
      const options = {
        once: flags.once ?? false,
        dryRun: flags.dryRun ?? false,
        format: flags.format ?? 'table',
      };
      await runPollCommand(options, context, deps);
    });
}

/** Runs the command. Throws ConfigError for invalid settings and CliError when a --once poll is incomplete. */
export async function runPollCommand(
  flags: PollFlags,
  context: CommandContext,
  deps: PollCommandDeps = {},
): Promise<void> {
  const cwd = deps.cwd?.() ?? process.cwd();
  // The AWS SDK reads credentials and AWS_ENDPOINT_URL_CLOUDTRAIL from the environment, so .env goes there too.
  const { env } = withDotenv(context.env, cwd);
  for (const [name, value] of Object.entries(env)) {
    if (context.env[name] === undefined && value !== undefined) context.env[name] = value;
  }
  const config = loadConfig(context.env, { requireChat: false, cwd });
  const logger = context.logger();

  const storePath = resolve(cwd, config.dbPath);
  const store = flags.dryRun
    ? await openDryRunStore(storePath, logger)
    : await openStore({ path: storePath, logger, retentionMs: config.retentionMs, now: context.now });
  const client = (
    deps.createClient ?? ((settings) => createCloudTrailClient({ region: settings.cloudTrailRegion }))
  )(config);
  try {
    const pollDeps: PollDeps = {
      store,
      source: new LookupEventsSource({
        client,
        rateLimiter: createLookupRateLimiter(config.maxRequestsPerSecond),
        logger,
        ...deps.sourceOptions,
      }),
      logger,
      notifiers: await createNotifiers(flags, config, store, logger, deps),
      options: {
        thresholdMs: config.thresholdMs,
        deliveryLagMs: config.deliveryLagMs,
        region: config.cloudTrailRegion,
        quietWarningMs: config.quietWarningMs,
        suppress: config.rules.suppress,
        dryRun: flags.dryRun,
      },
    };
    if (flags.once) await pollOnce(pollDeps, flags, context);
    else await pollOnSchedule(pollDeps, config, flags, context, deps);
  } finally {
    client.destroy();
    await store.close();
  }
}

/**
 * Reads the store file without taking its lock, so a dry run works next to a running `keyhunt serve`. A missing
 * file gives an empty store. An invalid file is reported, not recovered, because a dry run changes no file.
 */
export async function openDryRunStore(path: string, logger: Logger): Promise<MemoryStore> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new CliError(
        'STORE_UNREADABLE',
        `Reading the store ${path} failed: ${String(error)}. Check KEYHUNT_DB_PATH and permissions.`,
        { exitCode: EXIT_FAILURE, cause: error },
      );
    }
    logger.info({ path }, 'Dry run: no store file yet, so the poll starts from an empty store');
    return new MemoryStore(emptyStoreData());
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw invalidStoreError(path, `not JSON: ${error.message}`);
  }
  const checked = normalizeStoreData(parsed);
  if (!checked.ok) throw invalidStoreError(path, checked.problem);
  logger.info({ path }, 'Dry run: polling over an in-memory copy of the store; nothing is written or posted');
  return new MemoryStore(checked.data);
}

function invalidStoreError(path: string, problem: string): CliError {
  return new CliError(
    'STORE_INVALID',
    `The store ${path} is invalid (${problem}). A dry run does not repair it: run keyhunt poll --once or ` +
      'keyhunt serve, which keep the file aside and recover, or set KEYHUNT_DB_PATH to another file.',
    { exitCode: EXIT_FAILURE },
  );
}

async function createNotifiers(
  flags: PollFlags,
  config: Config,
  store: Store,
  logger: Logger,
  deps: PollCommandDeps,
): Promise<FindingNotifier[]> {
  if (flags.dryRun) return [];
  const notifiers = deps.createNotifiers ? await deps.createNotifiers({ config, store, logger }) : [];
  if (notifiers.length === 0) {
    logger.info(
      'This command posts nothing to chat; keyhunt serve posts the stored findings on its next poll',
    );
  }
  return notifiers;
}

/** Runs one poll and prints its new findings. Throws CliError when the poll read its window only partly. */
async function pollOnce(pollDeps: PollDeps, flags: PollFlags, context: CommandContext): Promise<void> {
  const report = await runPoll(pollDeps, context.now());
  await flushLogger(pollDeps.logger);
  printPollFindings(report, { format: flags.format, once: true }, context);
  if (report.outcome === 'incomplete') {
    throw new CliError(
      'POLL_INCOMPLETE',
      `The poll read its window only partly, so the cursor did not move: ${report.failure?.message ?? 'unknown failure'}`,
      { exitCode: EXIT_FAILURE },
    );
  }
}

/**
 * Polls on the configured schedule, the first poll at once, until `waitForStop` resolves. Then it aborts the
 * running poll, which stores nothing, so stopping does not wait out the retries of a failing poll.
 */
async function pollOnSchedule(
  pollDeps: PollDeps,
  config: Config,
  flags: PollFlags,
  context: CommandContext,
  deps: PollCommandDeps,
): Promise<void> {
  const aborting = new AbortController();
  const job = scheduleJob({
    name: 'poll',
    cron: config.pollCron,
    timezone: config.timezone,
    setting: 'KEYHUNT_POLL_CRON',
    logger: pollDeps.logger,
    clock: context.now,
    run: async (now) => {
      const report = await runPoll(pollDeps, now, aborting.signal);
      printPollFindings(report, { format: flags.format, once: false }, context);
    },
  });
  void job.trigger();
  await (deps.waitForStop ?? waitForSignal)();
  if (job.isRunning()) pollDeps.logger.info('Stopping: aborting the running poll, which stores nothing');
  aborting.abort();
  await job.stop();
}

function waitForSignal(): Promise<void> {
  return new Promise((resolveStop) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolveStop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
