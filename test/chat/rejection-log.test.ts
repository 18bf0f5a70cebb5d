/**
 * The rate-limited warning about rejected requests that the Slack and Teams routes share.
 */
import { describe, expect, it } from '@jest/globals';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { REJECTION_LOG_INTERVAL_MS, createRejectionLog } from '../../src/chat/rejection-log.js';
import { recordingLogger } from '../support/slack-harness.js';

describe('createRejectionLog', () => {
  const request = new IncomingMessage(new Socket());

  it('counts each status on its own', () => {
    const { logger, lines } = recordingLogger();
    let nowMs = 0;
    const log = createRejectionLog(logger, () => new Date(nowMs));

    log(401, request, 'unsigned');
    log(401, request, 'unsigned');
    log(400, request, 'malformed', { reason: 'null body' });
    log(400, request, 'malformed');
    log(400, request, 'malformed');
    nowMs = REJECTION_LOG_INTERVAL_MS;
    log(400, request, 'malformed again');

    expect(lines.map((line) => [line.msg, line['status'], line['omittedSinceLastLine']])).toEqual([
      ['unsigned', 401, 0],
      ['malformed', 400, 0],
      ['malformed again', 400, 2],
    ]);
    expect(lines[1]!['reason']).toBe('null body');
    expect(lines.every((line) => line.level === 40)).toBe(true);
  });

  it('logs again only after the full interval', () => {
    const { logger, lines } = recordingLogger();
    let nowMs = 0;
    const log = createRejectionLog(logger, () => new Date(nowMs), 1000);

    log(401, request, 'first');
    nowMs = 999;
    log(401, request, 'suppressed');
    nowMs = 1000;
    log(401, request, 'second');

    expect(lines.map((line) => line.msg)).toEqual(['first', 'second']);
  });
});
