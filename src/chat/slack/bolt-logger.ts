/**
 * Bolt and the Slack WebClient log through @slack/logger's interface. This adapter sends those lines to our
 * pino logger, so they get the same format and secret redaction as the rest of keyhunt.
 */
import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from 'pino';

const PINO_TO_SLACK_LEVEL: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

/**
 * Wraps a pino logger for Bolt. The level stays pino's: `setLevel` is ignored, because Bolt and the WebClient
 * set levels on a logger they share with us. `setName` is ignored too, because the WebClient renames the
 * shared logger for each client it creates.
 */
export function createBoltLogger(logger: Logger): SlackLogger {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...messages: unknown[]): void => {
      const error = messages.find((message): message is Error => message instanceof Error);
      const text = redactSlackSecrets(
        messages
          .filter((message) => message !== error)
          .map((message) => (typeof message === 'string' ? message : safeStringify(message)))
          .join(' '),
      );
      if (error) logger[level]({ err: error }, text || error.message);
      else logger[level](text);
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel: () => undefined,
    getLevel: () => PINO_TO_SLACK_LEVEL[logger.level] ?? LogLevel.INFO,
    setName: () => undefined,
  };
}

/**
 * Masks Slack tokens (xoxb-, xoxp-, xapp-, ...) and `token` fields in text that Bolt already turned into a
 * string, where pino's path-based redaction cannot reach. Slash command bodies carry a legacy `token` field.
 */
export function redactSlackSecrets(text: string): string {
  return text
    .replace(/\bx(?:ox[abeoprs]|app)-[A-Za-z0-9-]+/g, '[redacted]')
    .replace(/("?token"?\s*[:=]\s*"?)[^"&,\s}]+/gi, '$1[redacted]');
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch (error) {
    return `[unserializable ${typeof value}: ${error instanceof Error ? error.message : String(error)}]`;
  }
}
