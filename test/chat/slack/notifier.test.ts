/**
 * Posting findings and refreshing their messages through the real WebClient against the Slack API fake,
 * including rate limits, temporary errors and failures that leave a finding for the next poll.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { applyTriage } from '../../../src/pipeline/triage.js';
import {
  CHANNEL_ID,
  sampleFinding,
  startSlackHarness,
  storedFinding,
  type HarnessOptions,
  type SlackHarness,
} from '../../support/slack-harness.js';

const NOW = new Date('2025-03-01T12:00:00Z');
const ERROR = 50;

const first = storedFinding(sampleFinding({ id: 'kh-first', deletedAt: '2025-03-01T10:04:00Z' }));
const second = storedFinding(
  sampleFinding({ id: 'kh-second', accessKeyId: 'AKIAEXAMPLE000000002', deletedAt: '2025-03-01T10:09:00Z' }),
);

describe('SlackNotifier', () => {
  let harness: SlackHarness;

  async function start(options: HarnessOptions = {}): Promise<void> {
    harness = await startSlackHarness({ findings: [second, first], app: { clock: () => NOW }, ...options });
  }

  afterEach(async () => {
    await harness.close();
  });

  it('posts unposted findings oldest first and records where', async () => {
    await start();
    await harness.slack.notifier.postPending();

    const posts = harness.fake.callsTo('chat.postMessage');
    expect(posts.map((call) => call.args.channel)).toEqual([CHANNEL_ID, CHANNEL_ID]);
    expect(posts.map((call) => call.args.text)).toEqual([
      'High: access key AKIAEXAMPLE000000001 of alice was created and deleted within 3m 55s in account 111122223333. State: Open.',
      'High: access key AKIAEXAMPLE000000002 of alice was created and deleted within 3m 55s in account 111122223333. State: Open.',
    ]);
    expect(harness.store.read().findings['kh-first']!.slack).toEqual({
      channel: CHANNEL_ID,
      ts: '1700000000.000001',
      postedAt: '2025-03-01T12:00:00.000Z',
      historyPosted: 0,
    });
    expect(harness.store.read().findings['kh-second']!.slack?.ts).toBe('1700000000.000002');
  });

  it('posts each finding once when runs overlap', async () => {
    await start();
    await Promise.all([harness.slack.notifier.postPending(), harness.slack.notifier.postPending()]);
    expect(harness.fake.callsTo('chat.postMessage')).toHaveLength(2);
  });

  it('waits out a 429 with Retry-After and then posts', async () => {
    await start({ findings: [first] });
    harness.fake.failNext('chat.postMessage', {
      status: 429,
      headers: { 'retry-after': '1' },
      body: { ok: false, error: 'ratelimited' },
    });
    const started = Date.now();
    await harness.slack.notifier.postPending();
    const elapsedMs = Date.now() - started;

    const posts = harness.fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(2);
    expect(posts[1]!.atMs - posts[0]!.atMs).toBeGreaterThanOrEqual(1000);
    expect(elapsedMs).toBeGreaterThanOrEqual(1000);
    expect(harness.store.read().findings['kh-first']!.slack?.ts).toBe('1700000000.000001');
  });

  it('retries a temporary Slack error and an HTTP 503', async () => {
    await start({ findings: [first] });
    harness.fake.failNext('chat.postMessage', { body: { ok: false, error: 'internal_error' } });
    harness.fake.failNext('chat.postMessage', { status: 503, body: { ok: false } });
    await harness.slack.notifier.postPending();
    expect(harness.fake.callsTo('chat.postMessage')).toHaveLength(3);
    expect(harness.store.read().findings['kh-first']!.slack).not.toBeNull();
  });

  it('leaves a finding unposted after a lasting error and posts it next time', async () => {
    await start();
    harness.fake.failNext('chat.postMessage', { body: { ok: false, error: 'not_in_channel' } });
    await harness.slack.notifier.postPending();

    expect(harness.fake.callsTo('chat.postMessage')).toHaveLength(1);
    expect(harness.store.read().findings['kh-first']!.slack).toBeNull();
    expect(harness.store.read().findings['kh-second']!.slack).toBeNull();
    const failure = harness.logs.find((line) => line.level === ERROR && line.findingId === 'kh-first');
    expect(failure?.msg).toBe(
      'Posting a finding to Slack failed; it stays unposted and is tried on the next poll',
    );
    expect((failure?.err as { message: string }).message).toBe(
      // pino's error serializer appends the cause's message.
      'Slack chat.postMessage failed with not_in_channel. Invite the app to the channel with /invite @keyhunt.' +
        ': An API error occurred: not_in_channel',
    );

    await harness.slack.notifier.postPending();
    expect(harness.store.read().findings['kh-first']!.slack).not.toBeNull();
    expect(harness.store.read().findings['kh-second']!.slack).not.toBeNull();
  });

  it('skips a finding Slack rejects for its content and posts the rest', async () => {
    await start();
    harness.fake.failNext('chat.postMessage', { body: { ok: false, error: 'invalid_blocks' } });
    await harness.slack.notifier.postPending();
    expect(harness.store.read().findings['kh-first']!.slack).toBeNull();
    expect(harness.store.read().findings['kh-second']!.slack).not.toBeNull();
  });

  it('refreshes after a Teams change and replies once', async () => {
    await start({ findings: [first] });
    await harness.slack.notifier.postPending();
    const teamsActor = { platform: 'teams' as const, id: 'entra-bob', name: 'Bob' };
    await applyTriage(harness.store, {
      findingId: 'kh-first',
      action: 'acknowledge',
      actor: teamsActor,
      now: NOW,
    });

    await harness.slack.notifier.refresh('kh-first');
    await harness.slack.notifier.refresh('kh-first');

    expect(harness.fake.callsTo('chat.update')).toHaveLength(2);
    const replies = harness.fake
      .callsTo('chat.postMessage')
      .filter((call) => call.args.thread_ts !== undefined);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.args.text).toBe(
      'Bob (Teams) acknowledged this finding at <!date^1740830400^{date_num} {time_secs}|2025-03-01T12:00:00.000Z>.',
    );
    expect(replies[0]!.args.thread_ts).toBe('1700000000.000001');
  });

  it('does nothing on refresh of an unposted finding', async () => {
    await start({ findings: [first] });
    await harness.slack.notifier.refresh('kh-first');
    expect(harness.fake.calls.filter((call) => call.method !== 'auth.test')).toEqual([]);
  });
});
