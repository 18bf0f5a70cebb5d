import { Writable } from 'node:stream';
import pino from 'pino';
import { REDACTED_PATHS } from '../src/log.js';

function captureLine(object: Record<string, unknown>): Record<string, unknown> {
  let output = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      output += String(chunk);
      done();
    },
  });
  pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink).info(object, 'message');
  return JSON.parse(output) as Record<string, unknown>;
}

describe('log redaction', () => {
  test('secrets two objects deep', () => {
    const line = captureLine({
      config: { slack: { botToken: 'xoxb-1', channelId: 'C1' }, teams: { appPassword: 'p' } },
    });
    expect(line.config).toEqual({
      slack: { botToken: '[redacted]', channelId: 'C1' },
      teams: { appPassword: '[redacted]' },
    });
  });

  test('request headers', () => {
    const line = captureLine({
      req: { headers: { authorization: 'Bearer abc', 'x-slack-signature': 'v0=1', host: 'h' } },
    });
    expect(line.req).toEqual({
      headers: { authorization: '[redacted]', 'x-slack-signature': '[redacted]', host: 'h' },
    });
  });

  test('top-level token', () => {
    expect(captureLine({ token: 'xapp-1' }).token).toBe('[redacted]');
  });

  test('access key ids stay visible', () => {
    expect(captureLine({ accessKeyId: 'AKIAEXAMPLE' }).accessKeyId).toBe('AKIAEXAMPLE');
  });
});
