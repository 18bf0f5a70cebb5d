/**
 * The one structured logger. JSON lines by default, readable text when the destination is a terminal, and
 * secret-bearing fields redacted wherever they appear.
 */
import pino from 'pino';
import type { Logger } from 'pino';

export type { Logger };

const SECRET_FIELDS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'appPassword',
  'password',
  'secretAccessKey',
  'SecretAccessKey',
  'sessionToken',
  'authorization',
];

/**
 * Field paths whose values are replaced by "[redacted]" in every log line: each secret field at the top level
 * and up to two objects deep, such as `config.slack.botToken` or `req.headers.authorization`. pino's
 * wildcards match one level each, so deeper nesting is not covered.
 */
export const REDACTED_PATHS = [
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
  'headers["x-slack-signature"]',
  '*.headers["x-slack-signature"]',
];

export interface LoggerOptions {
  level?: string;
  /** Readable output; defaults to whether the destination (stderr or stdout) is a terminal. */
  pretty?: boolean;
  /** 1 for stdout, 2 for stderr. Commands whose stdout carries data log to stderr. */
  fd?: 1 | 2;
}

/** Creates the process logger. Library code takes a Logger as a parameter instead of calling this. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const fd = options.fd ?? 1;
  const isTerminal = fd === 2 ? process.stderr.isTTY : process.stdout.isTTY;
  const pretty = options.pretty ?? Boolean(isTerminal);
  const base = {
    level: options.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (pretty) {
    return pino(
      base,
      pino.transport({ target: 'pino-pretty', options: { destination: fd, colorize: true } }),
    );
  }
  return pino(base, pino.destination({ fd, sync: true }));
}

/** Creates a logger that discards everything, for tests and library defaults. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
