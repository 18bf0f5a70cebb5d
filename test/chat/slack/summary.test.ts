/**
 * The daily summary in Slack: its blocks, and one post per local day across two app instances that share a
 * store file, as after a restart.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { buildSummaryMessage } from '../../../src/chat/slack/summary.js';
import { silentLogger } from '../../../src/log.js';
import { emptyStoreData, type StoredFinding } from '../../../src/pipeline/ports.js';
import { buildDailySummary, createDailySummaryJob } from '../../../src/pipeline/summary.js';
import { SlackApiFake } from '../../support/slack-api-fake.js';
import {
  CHANNEL_ID,
  makeTempDir,
  sampleFinding,
  startSlackHarness,
  storedFinding,
  type SlackHarness,
} from '../../support/slack-harness.js';

type Section = { type: string; text?: { text: string }; elements?: Array<{ text: string }> };

describe('buildSummaryMessage', () => {
  const now = new Date('2025-03-01T12:00:00Z');

  function summaryWith(findings: StoredFinding[]) {
    const data = emptyStoreData();
    for (const stored of findings) data.findings[stored.finding.id] = stored;
    data.poll.cursor = '2025-03-01T11:40:00.000Z';
    data.poll.health.lastSuccessAt = '2025-03-01T11:55:00.000Z';
    data.poll.health.lastAttemptAt = '2025-03-01T11:55:00.000Z';
    data.poll.health.lastOutcome = 'complete';
    return buildDailySummary(data, { now, timezone: 'UTC' });
  }

  it('lists counts, unacknowledged findings, top users and health', () => {
    const message = buildSummaryMessage(summaryWith([storedFinding(sampleFinding())]), false);
    const blocks = message.blocks as Section[];
    expect(message.text).toBe(
      'keyhunt daily summary for 2025-03-01: 1 finding in the last 24 hours, 1 unacknowledged, no coverage gaps.',
    );
    expect(blocks.map((block) => block.type)).toEqual([
      'header',
      'section',
      'section',
      'section',
      'section',
      'section',
    ]);
    expect(blocks[1]!.text!.text).toBe(
      '*Last 24 hours* (<!date^1740744000^{date_num} {time_secs}|2025-02-28T12:00:00.000Z> to ' +
        '<!date^1740830400^{date_num} {time_secs}|2025-03-01T12:00:00.000Z>): 1 finding\n' +
        'By severity: Critical 0 · High 1 · Medium 0 · Low 0\n' +
        'By state: Open 1 · Escalated 0 · Acknowledged 0 · Resolved 0',
    );
    expect(blocks[2]!.text!.text).toBe(
      '*Still unacknowledged* (1)\n• :large_orange_circle: High `kh-3f9a2c71d0` alice, key `AKIAEXAMPLE000000001`, ' +
        'deleted <!date^1740823440^{date_num} {time_secs}|2025-03-01T10:04:00Z>, waiting 1h 40m',
    );
    expect(blocks[3]!.text!.text).toBe('*Top key owners*\n• `alice`: 1');
    expect(blocks[4]!.text!.text).toBe('*Escalations*\nNone in the last 24 hours.');
    expect(blocks[5]!.text!.text).toContain(':white_check_mark: No coverage gaps.');
  });

  it('marks a resend and states coverage gaps', () => {
    const data = emptyStoreData();
    data.poll.health.lastSuccessAt = '2025-03-01T06:00:00.000Z';
    const summary = buildDailySummary(data, { now, timezone: 'UTC' });
    const message = buildSummaryMessage(summary, true);
    const blocks = message.blocks as Section[];
    expect(blocks[1]!.elements![0]!.text).toBe(
      ':repeat: Sent again because an earlier send was interrupted; an earlier copy may exist.',
    );
    expect(message.text).toBe(
      'keyhunt daily summary for 2025-03-01: 0 findings in the last 24 hours, 0 unacknowledged, 1 coverage gap.',
    );
    expect(blocks[blocks.length - 1]!.text!.text).toContain(
      ':warning: The last successful poll was 6h ago, longer than the expected 30m.',
    );
  });
});

describe('daily summary in Slack', () => {
  const harnesses: SlackHarness[] = [];
  let fake: SlackApiFake;
  let temp: { dir: string; remove: () => Promise<void> };

  afterEach(async () => {
    for (const harness of harnesses.splice(0)) await harness.close({ keepFake: true });
    await fake.close();
    await temp.remove();
  });

  async function runApp(now: Date): Promise<string> {
    const harness = await startSlackHarness({ fake, storeDir: temp.dir, app: { clock: () => now } });
    harnesses.push(harness);
    const job = createDailySummaryJob({
      store: harness.store,
      senders: [harness.slack.summarySender],
      cron: '0 9 * * *',
      timezone: 'America/New_York',
      clock: () => now,
      logger: silentLogger(),
      scheduleJob: () => ({ stop: () => undefined }),
    });
    const outcome = await job.start();
    await job.stop();
    await harness.close({ keepFake: true });
    harnesses.pop();
    return outcome;
  }

  it('posts once across two app instances on one store file', async () => {
    fake = new SlackApiFake();
    await fake.start();
    temp = await makeTempDir();

    expect(await runApp(new Date('2025-03-01T15:00:00Z'))).toBe('sent');
    expect(await runApp(new Date('2025-03-01T20:00:00Z'))).toBe('already-sent');

    const posts = fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.args.channel).toBe(CHANNEL_ID);
    expect(posts[0]!.args.text).toBe(
      'keyhunt daily summary for 2025-03-01: 0 findings in the last 24 hours, 0 unacknowledged, 1 coverage gap.',
    );
  });
});
