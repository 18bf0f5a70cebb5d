/**
 * The real Bolt app behind our HTTP server, receiving signed slash commands and signature failures.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { acknowledgeInTime } from '../../../src/chat/slack/command.js';
import { silentLogger } from '../../../src/log.js';
import { postSigned, slashCommandBody } from '../../support/slack-signing.js';
import {
  sampleFinding,
  startSlackHarness,
  storedFinding,
  type SlackHarness,
} from '../../support/slack-harness.js';

const NOW = new Date('2025-03-01T12:00:00Z');
const WARN = 40;

describe('/keyhunt over HTTP', () => {
  let harness: SlackHarness;

  beforeAll(async () => {
    harness = await startSlackHarness({
      findings: [storedFinding(sampleFinding())],
      app: { clock: () => NOW },
    });
  });

  afterAll(async () => {
    await harness.close();
  });

  function command(text: string): string {
    return slashCommandBody({ text, responseUrl: harness.fake.responseUrl('command') });
  }

  it('responds to last 24h within 3 s', async () => {
    const result = await postSigned(harness.eventsUrl, command('last 24h'));
    expect(result.status).toBe(200);
    expect(result.elapsedMs).toBeLessThan(3000);
    expect(JSON.parse(result.text)).toEqual({
      response_type: 'ephemeral',
      text: '1 finding whose key was deleted in the last 24h: Open 1',
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text:
              '*1 finding whose key was deleted in the last 24h* ' +
              '(<!date^1740744000^{date_num} {time_secs}|2025-02-28T12:00:00.000Z> to ' +
              '<!date^1740830400^{date_num} {time_secs}|2025-03-01T12:00:00.000Z>)\nOpen 1',
          },
        },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text:
              '*Open (1)*\n• :large_orange_circle: High `kh-3f9a2c71d0` alice, key `AKIAEXAMPLE000000001`, ' +
              'deleted <!date^1740823440^{date_num} {time_secs}|2025-03-01T10:04:00Z>',
          },
        },
      ],
    });
  });

  it('posts to the channel with share', async () => {
    const result = await postSigned(harness.eventsUrl, command('last 2h share'));
    expect(result.elapsedMs).toBeLessThan(3000);
    const body = JSON.parse(result.text) as { response_type: string; text: string };
    expect(body.response_type).toBe('in_channel');
    expect(body.text).toBe('1 finding whose key was deleted in the last 2h: Open 1');
  });

  it('responds to status with counts', async () => {
    const result = await postSigned(harness.eventsUrl, command('status'));
    const body = JSON.parse(result.text) as { text: string; blocks: Array<{ text: { text: string } }> };
    expect(body.text).toBe('keyhunt status: poller has coverage gaps; 1 finding stored.');
    expect(body.blocks[1]!.text.text).toBe(
      '*Findings by state* (1 stored)\nOpen 1 · Escalated 0 · Acknowledged 0 · Resolved 0',
    );
    expect(body.blocks[0]!.text.text).toContain(
      ':warning: No poll has succeeded yet, so no CloudTrail events have been read.',
    );
  });

  it('shows one finding with its history and no buttons', async () => {
    const result = await postSigned(harness.eventsUrl, command('show kh-3f9a2c71d0'));
    const body = JSON.parse(result.text) as { blocks: Array<{ type: string; text?: { text: string } }> };
    expect(body.blocks.some((block) => block.type === 'actions')).toBe(false);
    expect(body.blocks[body.blocks.length - 1]!.text!.text).toBe('*History*\nNo triage changes yet.');
  });

  it('responds to user NAME', async () => {
    const result = await postSigned(harness.eventsUrl, command('user ALICE'));
    const body = JSON.parse(result.text) as { text: string };
    expect(body.text).toBe('1 finding for ALICE');
  });

  it('responds to invalid text with usage', async () => {
    const result = await postSigned(harness.eventsUrl, command('last 100d'));
    const body = JSON.parse(result.text) as { response_type: string; text: string };
    expect(body.response_type).toBe('ephemeral');
    expect(
      body.text.startsWith(
        'The period "100d" is longer than the maximum of 90d.\n\n*Usage*\n`/keyhunt last 24h` ',
      ),
    ).toBe(true);
  });

  it('rejects an unsigned request with 401', async () => {
    const before = harness.logs.length;
    const result = await postSigned(harness.eventsUrl, command('status'), { secret: null });
    expect(result.status).toBe(401);
    const rejected = harness.logs
      .slice(before)
      .filter((line) => line.level === WARN && line.msg.startsWith('Rejected a Slack request'));
    expect(rejected).toHaveLength(1);
  });

  it('rejects a wrong signature with 401', async () => {
    const result = await postSigned(harness.eventsUrl, command('status'), { secret: 'not-the-secret' });
    expect(result.status).toBe(401);
  });

  it('rejects a request signed more than 5 minutes ago with 401', async () => {
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    const result = await postSigned(harness.eventsUrl, command('status'), {
      timestampSeconds: sixMinutesAgo,
    });
    expect(result.status).toBe(401);
  });

  it('accepts a request signed 4 minutes ago', async () => {
    const fourMinutesAgo = Math.floor(Date.now() / 1000) - 4 * 60;
    const result = await postSigned(harness.eventsUrl, command('help'), { timestampSeconds: fourMinutesAgo });
    expect(result.status).toBe(200);
  });
});

describe('acknowledgeInTime', () => {
  const response = { response_type: 'ephemeral' as const, text: 'late response', blocks: [] };

  it('sends a slow response through respond()', async () => {
    const acks: unknown[] = [];
    const responses: unknown[] = [];
    const slow = new Promise<typeof response>((resolve) => setTimeout(() => resolve(response), 50));
    await acknowledgeInTime(slow, {
      ack: async (response) => void acks.push(response),
      respond: async (response) => void responses.push(response),
      logger: silentLogger(),
      deadlineMs: 5,
    });
    expect(acks).toEqual([{ response_type: 'ephemeral', text: 'Working on it…' }]);
    expect(responses).toEqual([
      { response_type: 'ephemeral', text: 'late response', replace_original: false },
    ]);
  });

  it('acknowledges with a quick response', async () => {
    const acks: unknown[] = [];
    const responses: unknown[] = [];
    await acknowledgeInTime(Promise.resolve(response), {
      ack: async (response) => void acks.push(response),
      respond: async (response) => void responses.push(response),
      logger: silentLogger(),
      deadlineMs: 1000,
    });
    expect(acks).toEqual([{ response_type: 'ephemeral', text: 'late response' }]);
    expect(responses).toEqual([]);
  });
});
