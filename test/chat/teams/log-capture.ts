/**
 * A pino logger that keeps its lines in memory, so tests can check what was logged and that no secret was.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from 'pino';
import { REDACTED_PATHS } from '../../../src/log.js';

export interface CapturedLogger {
  logger: Logger;
  /** Every line logged so far, parsed. */
  lines(): Array<Record<string, unknown>>;
  /** The raw text logged so far. */
  text(): string;
}

export function captureLogs(): CapturedLogger {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = pino({ level: 'debug', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, stream);
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
