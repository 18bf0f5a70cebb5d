/**
 * Errors inside Bolt are logged with the error and the ids of the request: a listener that throws, and the
 * HTTPReceiver's handlers for a failed or unacknowledged request.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AuthorizationError,
  HTTPModuleFunctions,
  type ReceiverProcessEventErrorHandlerArgs,
} from '@slack/bolt';
import { createBoltLogger } from '../../../src/chat/slack/bolt-logger.js';
import { createReceiverHandlers } from '../../../src/chat/slack/receiver.js';
import {
  CHANNEL_ID,
  recordingLogger,
  sampleFinding,
  startSlackHarness,
  storedFinding,
  waitFor,
  type LogLine,
  type SlackHarness,
} from '../../support/slack-harness.js';
import { blockActionsBody, postSigned, slashCommandBody } from '../../support/slack-signing.js';

const ERROR = 50;
const WARN = 40;

describe('listener errors', () => {
  let harness: SlackHarness;

  beforeAll(async () => {
    harness = await startSlackHarness({ findings: [storedFinding(sampleFinding())] });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('logs the error with team, user and action', async () => {
    // A closed store rejects every update, so applying the click throws inside the listener.
    await harness.store.close();
    const body = blockActionsBody({
      userId: 'UALICE',
      userName: 'alice',
      channelId: CHANNEL_ID,
      messageTs: '1700000000.000100',
      actionId: 'finding.acknowledge',
      value: 'kh-3f9a2c71d0',
      responseUrl: harness.fake.responseUrl('closed-store'),
    });

    const result = await postSigned(harness.eventsUrl, body);
    await waitFor(() => harness.logs.some((line) => line.level === ERROR), 2000, 'the error line');

    expect(result.status).toBe(200);
    const errors = harness.logs.filter((line) => line.level === ERROR);
    expect(errors).toHaveLength(1);
    const line = errors[0]!;
    expect(line.msg).toBe('A Slack listener failed');
    expect((line['err'] as { message: string }).message).toMatch(/ is closed; open it again to change it\.$/);
    expect(line['teamId']).toBe('T0KEYHUNT');
    expect(line['userId']).toBe('UALICE');
    expect(line['channelId']).toBe(CHANNEL_ID);
    expect(line['actionId']).toBe('finding.acknowledge');
  });
});

describe('createReceiverHandlers', () => {
  const { logger, lines } = recordingLogger();
  const handlers = createReceiverHandlers(logger);
  const commandBody = slashCommandBody({ text: 'status', responseUrl: 'http://127.0.0.1:9/response' });
  let server: http.Server;
  let url: string;
  /** What the next request's handler call receives in place of Bolt's processing. */
  let handle: (request: http.IncomingMessage, response: http.ServerResponse) => Promise<void> | void;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      void HTTPModuleFunctions.bufferIncomingMessage(request).then(() => handle(request, response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function args(
    error: Error,
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): ReceiverProcessEventErrorHandlerArgs {
    return { error, logger: createBoltLogger(logger), request, response, storedResponse: undefined };
  }

  async function postCommand(): Promise<number> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: commandBody,
    });
    await response.text();
    return response.status;
  }

  function linesSince(before: number): LogLine[] {
    return lines.slice(before);
  }

  it('logs a processing error with its ids and responds 500', async () => {
    const before = lines.length;
    let acknowledged: boolean | null = null;
    handle = async (request, response) => {
      acknowledged = await handlers.processEventError(args(new Error('boom'), request, response));
    };

    const status = await postCommand();

    expect(status).toBe(500);
    expect(acknowledged).toBe(false);
    const logged = linesSince(before);
    expect(logged.map((line) => [line.level, line.msg])).toEqual([
      [ERROR, 'Processing a Slack request failed'],
    ]);
    expect((logged[0]!['err'] as { message: string }).message).toBe('boom');
    expect(logged[0]!['teamId']).toBe('T0KEYHUNT');
    expect(logged[0]!['userId']).toBe('UALICE');
    expect(logged[0]!['channelId']).toBe(CHANNEL_ID);
    expect(logged[0]!['command']).toBe('/keyhunt');
  });

  it('responds 401 to an authorization error', async () => {
    const before = lines.length;
    handle = async (request, response) => {
      const error = new AuthorizationError('no installation', new Error('missing token'));
      await handlers.processEventError(args(error, request, response));
    };

    const status = await postCommand();

    expect(status).toBe(401);
    expect(linesSince(before).map((line) => [line.level, line.msg])).toEqual([
      [WARN, 'Rejected a Slack request that Bolt could not authorize'],
    ]);
  });

  it('leaves an acknowledged response alone', async () => {
    const before = lines.length;
    handle = async (request, response) => {
      response.writeHead(200).end('acknowledged');
      await handlers.processEventError(args(new Error('late'), request, response));
    };

    const status = await postCommand();

    expect(status).toBe(200);
    expect(linesSince(before).map((line) => line.msg)).toEqual([
      'Processing a Slack request failed after it was acknowledged',
    ]);
  });

  it('logs an unacknowledged request with its ids', async () => {
    const before = lines.length;
    handle = (request, response) => {
      handlers.unhandledRequest({ logger: createBoltLogger(logger), request, response });
    };

    const status = await postCommand();

    expect(status).toBe(404);
    const logged = linesSince(before);
    expect(logged.map((line) => line.msg)).toEqual([
      'No listener acknowledged a Slack request within 3 seconds, so it got 404',
    ]);
    expect(logged[0]!['command']).toBe('/keyhunt');
  });
});
