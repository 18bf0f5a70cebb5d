/**
 * What every `keyhunt` subcommand receives from the CLI entry point: the output streams, the clock, the
 * environment and the logger, so commands build nothing global themselves and tests can run them in-process.
 */
import { KeyhuntError } from '../errors.js';
import type { Logger } from '../log.js';

export interface CommandContext {
  /** Data output, such as findings. Nothing else is written here. */
  stdout: NodeJS.WritableStream;
  /** Messages for people: errors, progress and logs. `isTTY` decides whether progress is drawn. */
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  now: () => Date;
  /**
   * The logger on stderr, created on first call at the level set by `--debug` or LOG_LEVEL. Commands whose
   * stdout carries data must log through this one.
   */
  logger: () => Logger;
}

/**
 * Waits until every line logged so far has been written. The pretty logger writes from a worker thread, so
 * without this a later direct write to stdout or stderr can appear before earlier log lines.
 */
export function flushLogger(logger: Logger): Promise<void> {
  // A failed flush leaves nothing more to wait for, and the failure itself cannot be logged.
  return new Promise((resolve) => logger.flush(() => resolve()));
}

/** Exit codes of the `keyhunt` process. */
export const EXIT_OK = 0;
/** The command ran but could not do its work, such as a scan that could read no file. */
export const EXIT_FAILURE = 1;
/** Invalid options, arguments or configuration: nothing was done, and the message names the fix. */
export const EXIT_USAGE = 2;

/**
 * An error the top-level handler prints as a plain message (no stack) and exits with `exitCode`. Throw it
 * for problems the user can fix, and put the value and the fix in the message.
 */
export class CliError extends KeyhuntError {
  readonly exitCode: number;

  constructor(code: string, message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(code, message, { cause: options.cause });
    this.exitCode = options.exitCode ?? EXIT_USAGE;
  }
}
