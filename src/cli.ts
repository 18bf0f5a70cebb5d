#!/usr/bin/env node
/**
 * The `keyhunt` command line. Each subcommand registers itself from its module in src/commands/; this file
 * builds the program, the logger and the top-level error handler, and runs only when executed directly.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, flushLogger } from './commands/context.js';
import type { CommandContext } from './commands/context.js';
import { registerPollCommand } from './commands/poll.js';
import { registerScanCommand } from './commands/scan.js';
import { registerServeCommand } from './commands/serve.js';
import { createLogger } from './log.js';
import type { Logger } from './log.js';

/** The process resources a run of the CLI uses; tests pass their own. */
export type CliIo = Omit<CommandContext, 'logger'>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Builds the `keyhunt` program with every subcommand registered. */
export function createProgram(context: CommandContext): Command {
  const program = new Command('keyhunt')
    .description('Find IAM access keys created and then deleted within a short window in AWS CloudTrail.')
    .version(readVersion(), '-V, --version', 'print the keyhunt version')
    .option('--debug', 'log at debug level and print stack traces of errors (same as LOG_LEVEL=debug)')
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();

  registerScanCommand(program, context);
  registerServeCommand(program, context);
  registerPollCommand(program, context);
  return program;
}

/**
 * Runs the CLI on `argv` (as in process.argv) and returns the exit code; it never throws. The logger is
 * created on first use, after parsing, so that `--debug` sets its level.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let logger: Logger | undefined;
  const program = createProgram({
    ...io,
    logger: () => (logger ??= createLogger({ fd: 2, level: logLevel(program, io.env) })),
  });
  try {
    await program.parseAsync([...argv]);
    return EXIT_OK;
  } catch (error) {
    // Messages about single files come first, so "see the messages above" holds on a terminal too.
    if (logger) await flushLogger(logger);
    return handleError(error, io, isDebug(program, argv, io.env));
  }
}

/**
 * Prints the error as one plain line (with the stack and causes only in debug mode) and picks the exit code:
 * the error's own `exitCode` when it has one (CliError does), 2 for commander's usage errors, else 1.
 */
function handleError(error: unknown, io: CliIo, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message, or the help when that was requested.
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  const message = error instanceof Error ? error.message : String(error);
  const exitCode = (error as { exitCode?: unknown } | null)?.exitCode;
  const known = typeof exitCode === 'number';
  io.stderr.write(`keyhunt: error: ${message}\n`);
  if (debug) io.stderr.write(`${describeStack(error)}\n`);
  else if (!known) io.stderr.write('keyhunt: run again with --debug for the stack trace\n');
  return known ? exitCode : EXIT_FAILURE;
}

function describeStack(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth += 1) {
    lines.push(
      depth === 0 ? '' : 'Caused by:',
      current instanceof Error ? (current.stack ?? current.message) : String(current),
    );
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines.filter(Boolean).join('\n');
}

function logLevel(program: Command, env: NodeJS.ProcessEnv): string {
  if (program.opts<{ debug?: boolean }>().debug) return 'debug';
  const level = env.LOG_LEVEL?.trim().toLowerCase() || 'info';
  if (!LOG_LEVELS.includes(level)) {
    throw new CliError(
      'CLI_USAGE',
      `invalid LOG_LEVEL "${env.LOG_LEVEL}": use one of ${LOG_LEVELS.join(', ')}`,
    );
  }
  return level;
}

function isDebug(program: Command, argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  return (
    Boolean(program.opts<{ debug?: boolean }>().debug) ||
    argv.includes('--debug') ||
    env.LOG_LEVEL === 'debug'
  );
}

/** Reads the version from package.json, one folder above both src/ and dist/. */
function readVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  const version = (JSON.parse(text) as { version?: unknown }).version;
  return typeof version === 'string' ? version : '0.0.0';
}

/** True when this file is the process entry point, also when started through a symlink such as an npm bin. */
function isExecutedDirectly(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === fileURLToPath(import.meta.url);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return false;
    throw error;
  }
}

if (isExecutedDirectly()) {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // A closed pipe (`keyhunt scan --format ndjson | head -1`) is a normal way to stop reading the output.
    if (error.code === 'EPIPE') process.exit(EXIT_OK);
    throw error;
  });
  process.exitCode = await runCli(process.argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    now: () => new Date(),
  });
}
