/**
 * `keyhunt serve [--dry-run]`: runs the service until SIGTERM or SIGINT. It reads the configuration once
 * (environment, `.env`, KEYHUNT_CONFIG), starts everything through main.ts and stops it in order on a signal,
 * exiting with code 1 when the shutdown takes longer than 10 seconds.
 */
import type { Command } from 'commander';
import { loadConfig, withDotenv } from '../config.js';
import { formatVariablesHelp } from '../config-reference.js';
import type { Logger } from '../log.js';
import { startService } from '../main.js';
import { CliError, EXIT_FAILURE, EXIT_OK } from './context.js';
import type { CommandContext } from './context.js';

/** After a stop signal, the process exits with code 1 if shutdown has not finished within this time. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;
/** Once shutdown finished, timers left by an abandoned poll may keep Node running; exit after this time. */
const EXIT_AFTER_STOP_MS = 1_000;

const HELP_AFTER = `
Configuration comes from environment variables, then from .env in the working folder for variables that are
not set. Slack or Teams settings are required unless --dry-run is given.

A dry run still stores new findings in KEYHUNT_DB_PATH and moves the poll cursor, so a later keyhunt serve
without --dry-run posts every finding the dry run stored. To try keyhunt without that, point KEYHUNT_DB_PATH
at a scratch file for the dry run.

Environment variables:
${formatVariablesHelp()}

Durations are a whole number and one unit: 90s, 20m, 24h or 7d.
HTTP endpoints: POST /slack/events (Slack), POST /api/messages (Teams), GET /healthz, GET /readyz, GET /metrics.

Examples:
  keyhunt serve                       poll, post to chat and serve HTTP on PORT
  keyhunt serve --dry-run             print findings as JSON lines instead of posting
  KEYHUNT_DB_PATH=/tmp/keyhunt-trial.json keyhunt serve --dry-run
                                      a trial run whose findings the real store never sees
  KEYHUNT_POLL_CRON='*/30 * * * * *' keyhunt serve --dry-run
`;

/** The process-level effects of serve, which tests of the command replace. */
export interface ServeProcess {
  onSignal(signal: NodeJS.Signals, listener: () => void): void;
  offSignal(signal: NodeJS.Signals, listener: () => void): void;
  exit(code: number): void;
  cwd(): string;
}

const realProcess: ServeProcess = {
  onSignal: (signal, listener) => process.on(signal, listener),
  offSignal: (signal, listener) => process.off(signal, listener),
  exit: (code) => process.exit(code),
  cwd: () => process.cwd(),
};

/** Adds the `serve` subcommand to the program. */
export function registerServeCommand(
  program: Command,
  context: CommandContext,
  serveProcess: ServeProcess = realProcess,
): void {
  program
    .command('serve')
    .description(
      'Run the service: poll CloudTrail on a schedule, post findings to Slack and/or Teams for triage, send the ' +
        'daily summary, and serve HTTP on PORT',
    )
    .option(
      '--dry-run',
      'print findings on stdout as JSON lines (one finding a line) instead of posting them; chat settings ' +
        'are not required and nothing is sent to chat, but findings are stored and the cursor moves as in a ' +
        'real run (default: off)',
    )
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: { dryRun?: boolean }) => {
      await runServe({ dryRun: flags.dryRun ?? false }, context, serveProcess);
    });
}

/** Runs the service until a stop signal and resolves when it stopped. Throws ConfigError (exit code 2). */
export async function runServe(
  options: { dryRun: boolean },
  context: CommandContext,
  serveProcess: ServeProcess = realProcess,
): Promise<void> {
  // The AWS SDK reads credentials and AWS_ENDPOINT_URL_* from the process environment, so the variables of
  // .env are added there too, without replacing any that are set.
  const { env } = withDotenv(context.env, serveProcess.cwd());
  for (const [name, value] of Object.entries(env)) {
    if (context.env[name] === undefined && value !== undefined) context.env[name] = value;
  }
  const config = loadConfig(context.env, { requireChat: !options.dryRun, cwd: serveProcess.cwd() });

  const logger = context.logger();
  if (logger.level !== 'debug') logger.level = config.logLevel;
  const service = await startService({
    config,
    logger,
    stdout: context.stdout,
    clock: context.now,
    dryRun: options.dryRun,
  });

  const failed = await stopOnSignal(service.stop, logger, serveProcess);
  // Timers of an abandoned poll (such as a retry backoff) may keep Node running after a clean stop.
  setTimeout(() => serveProcess.exit(failed ? EXIT_FAILURE : EXIT_OK), EXIT_AFTER_STOP_MS).unref();
  if (failed)
    throw new CliError('SHUTDOWN_FAILED', 'the shutdown failed; see the log above', {
      exitCode: EXIT_FAILURE,
    });
}

/**
 * Waits for SIGTERM or SIGINT, then runs `stop` and resolves with true when it failed. Exits with code 1 when
 * the stop takes longer than SHUTDOWN_TIMEOUT_MS, or at once on a second SIGINT (a second Ctrl-C).
 */
function stopOnSignal(
  stop: (reason: string) => Promise<void>,
  logger: Logger,
  serveProcess: ServeProcess,
): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let stopping = false;
    const listeners = (['SIGTERM', 'SIGINT'] as const).map((signal) => {
      const listener = () => {
        if (stopping) {
          if (signal === 'SIGINT') {
            logger.fatal('Second SIGINT: exiting at once without finishing the shutdown');
            serveProcess.exit(EXIT_FAILURE);
          }
          return;
        }
        stopping = true;
        const timer = setTimeout(() => {
          logger.fatal(
            { timeoutMs: SHUTDOWN_TIMEOUT_MS },
            'Shutdown did not finish in time; exiting with code 1',
          );
          serveProcess.exit(EXIT_FAILURE);
        }, SHUTDOWN_TIMEOUT_MS);
        timer.unref();
        stop(signal).then(
          () => finish(timer, false),
          (error: unknown) => {
            logger.error({ err: error }, 'Shutdown failed');
            finish(timer, true);
          },
        );
      };
      serveProcess.onSignal(signal, listener);
      return [signal, listener] as const;
    });
    const finish = (timer: NodeJS.Timeout, failed: boolean) => {
      clearTimeout(timer);
      for (const [signal, listener] of listeners) serveProcess.offSignal(signal, listener);
      resolve(failed);
    };
  });
}
