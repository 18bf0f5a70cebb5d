/**
 * Hostile and odd requests to POST /slack/events on our HTTP server, with the real Bolt app behind it. Each
 * must get a quick 4xx response and leave the process serving, and none may log at error level.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { REJECTION_LOG_INTERVAL_MS } from '../../../src/chat/rejection-log.js';
import { MAX_SLACK_BODY_BYTES } from '../../../src/chat/slack/events-route.js';
import { startSlackHarness, waitFor, type LogLine, type SlackHarness } from '../../support/slack-harness.js';
import { postSigned, slashCommandBody } from '../../support/slack-signing.js';

const WARN = 40;
const ERROR = 50;
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
/** Well under Bolt's 3 s wait for an acknowledgement, after which it would respond with 404. */
const QUICK_MS = 1000;

const form = (payload: string): string => new URLSearchParams({ payload }).toString();

const clickWithNullChannel = JSON.stringify({
  type: 'block_actions',
  user: { id: 'UALICE' },
  channel: null,
  actions: [{ type: 'button', action_id: 'finding.acknowledge', value: 'kh-3f9a2c71d0' }],
});

describe('POST /slack/events with odd bodies', () => {
  let harness: SlackHarness;

  beforeAll(async () => {
    harness = await startSlackHarness();
  });

  afterAll(async () => {
    await harness.close();
  });

  function linesSince(before: number, level: number): LogLine[] {
    return harness.logs.slice(before).filter((line) => line.level >= level);
  }

  it('answers payload=null with 400 and one warning', async () => {
    const before = harness.logs.length;

    const result = await postSigned(harness.eventsUrl, 'payload=null');

    expect(result.status).toBe(400);
    expect(linesSince(before, WARN).map((line) => line.msg)).toEqual([
      'Rejected a signed Slack request that keyhunt does not handle: the body is null, not an object',
    ]);
  });

  it.each<[string, string, string]>([
    ['JSON null', JSON_TYPE, 'null'],
    ['JSON number', JSON_TYPE, '1'],
    ['JSON string', JSON_TYPE, '"text"'],
    ['JSON array', JSON_TYPE, '[]'],
    ['JSON object without type', JSON_TYPE, '{}'],
    ['JSON unknown type', JSON_TYPE, '{"type":"shortcut"}'],
    ['JSON event', JSON_TYPE, '{"event":5}'],
    ['invalid JSON', JSON_TYPE, '{'],
    ['empty JSON body', JSON_TYPE, ''],
    ['click with channel null', JSON_TYPE, clickWithNullChannel],
    ['form payload number', FORM, form('1')],
    ['form payload string', FORM, form('"text"')],
    ['form payload array', FORM, form('[]')],
    ['form payload without type', FORM, form('{}')],
    ['form payload invalid JSON', FORM, form('{')],
    ['empty form', FORM, ''],
    ['form command of another app', FORM, 'command=%2Fother&text=x'],
    [
      'form click on another button',
      FORM,
      form('{"type":"block_actions","user":{"id":"U1"},"actions":[{"type":"button","action_id":"other"}]}'),
    ],
  ])('answers %s with a quick 400 and no error log', async (_name, contentType, body) => {
    const before = harness.logs.length;

    const result = await postSigned(harness.eventsUrl, body, { contentType, timeoutMs: 5000 });

    expect(result.status).toBe(400);
    expect(result.elapsedMs).toBeLessThan(QUICK_MS);
    expect(linesSince(before, ERROR)).toEqual([]);
  });

  it('ignores an overflow click without an option', async () => {
    const before = harness.logs.length;
    const payload = {
      type: 'block_actions',
      user: { id: 'UALICE' },
      channel: { id: 'CFINDINGS' },
      actions: [{ type: 'overflow', action_id: 'finding.acknowledge' }],
    };

    const result = await postSigned(harness.eventsUrl, form(JSON.stringify(payload)));
    await waitFor(() => linesSince(before, WARN).length > 0, 2000, 'the warning about the click');

    expect(result.status).toBe(200);
    expect(linesSince(before, WARN).map((line) => line.msg)).toEqual([
      'Ignored a click whose value is not a keyhunt finding id',
    ]);
  });

  it('answers an oversized body with 413', async () => {
    const body = `text=${'x'.repeat(MAX_SLACK_BODY_BYTES)}`;

    const result = await postSigned(harness.eventsUrl, body);

    expect(result.status).toBe(413);
  });

  it('passes an unsigned ssl_check to Bolt', async () => {
    const result = await postSigned(harness.eventsUrl, 'ssl_check=1&token=legacy', { secret: null });

    expect(result.status).toBe(200);
  });

  it('passes a signed url_verification to Bolt', async () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'challenge-123' });

    const result = await postSigned(harness.eventsUrl, body, { contentType: JSON_TYPE });

    expect(result.status).toBe(200);
    expect(JSON.parse(result.text)).toEqual({ challenge: 'challenge-123' });
  });

  it('still answers /keyhunt after the odd bodies', async () => {
    const body = slashCommandBody({ text: 'help', responseUrl: harness.fake.responseUrl('after-odd') });

    const result = await postSigned(harness.eventsUrl, body);

    expect(result.status).toBe(200);
    expect(result.text).toContain('/keyhunt');
  });
});

describe('rejected Slack requests in the log', () => {
  let harness: SlackHarness;
  let nowMs = Date.parse('2025-03-01T12:00:00Z');

  beforeAll(async () => {
    harness = await startSlackHarness({ app: { clock: () => new Date(nowMs) } });
  });

  afterAll(async () => {
    await harness.close();
  });

  function rejectionLines(before: number): LogLine[] {
    return harness.logs.slice(before).filter((line) => line.level === WARN && line['status'] === 401);
  }

  it('writes one line per minute for 300 unsigned requests', async () => {
    const before = harness.logs.length;
    const body = slashCommandBody({ text: 'status', responseUrl: harness.fake.responseUrl('flood') });

    const statuses = new Set<number>();
    for (let request = 0; request < 300; request++) {
      statuses.add((await postSigned(harness.eventsUrl, body, { secret: null })).status);
    }
    const linesInFirstMinute = rejectionLines(before).length;
    nowMs += REJECTION_LOG_INTERVAL_MS;
    statuses.add((await postSigned(harness.eventsUrl, body, { secret: 'not-the-secret' })).status);

    expect([...statuses]).toEqual([401]);
    expect(linesInFirstMinute).toBe(1);
    const lines = rejectionLines(before);
    expect(lines.map((line) => line['omittedSinceLastLine'])).toEqual([0, 299]);
    expect(lines[0]!.msg).toBe(
      'Rejected a Slack request with a missing, invalid or expired signature (Failed to verify ' +
        'authenticity: header x-slack-signature did not have the expected type (received undefined, ' +
        'expected string)). If requests from Slack get this, check SLACK_SIGNING_SECRET.',
    );
    expect(lines[1]!.msg).toBe(
      'Rejected a Slack request with a missing, invalid or expired signature (Failed to verify ' +
        'authenticity: signature mismatch). If requests from Slack get this, check SLACK_SIGNING_SECRET.',
    );
  });

  it('writes no line from Bolt for a rejected request', async () => {
    const before = harness.logs.length;
    nowMs += REJECTION_LOG_INTERVAL_MS;

    await postSigned(harness.eventsUrl, 'payload=%7B%7D', { secret: null });

    expect(harness.logs.slice(before).map((line) => line.msg)).toEqual([
      expect.stringMatching(/^Rejected a Slack request with a missing, invalid or expired signature/),
    ]);
  });
});
