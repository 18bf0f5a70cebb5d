/**
 * Routing rules and suppressed findings in the Slack notifier, through the real WebClient against the Slack
 * API fake and a real store file. Each finding goes to the channel of the first matching rule. Every later
 * call about its message (update, thread reply, history search) uses the channel it was posted to.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { findingMetadata } from '../../../src/chat/slack/post-recovery.js';
import type { StoredFinding } from '../../../src/pipeline/ports.js';
import type { RoutingRule } from '../../../src/pipeline/rules.js';
import { suppressFinding } from '../../../src/pipeline/suppression.js';
import { applyTriage } from '../../../src/pipeline/triage.js';
import { FAKE_BOT_ID, SlackApiFake } from '../../support/slack-api-fake.js';
import {
  CHANNEL_ID,
  sampleFinding,
  startSlackHarness,
  storedFinding,
  type SlackHarness,
} from '../../support/slack-harness.js';

const NOW = new Date('2025-03-01T12:00:00Z');
const ROUTED_CHANNEL = 'C0CRITICAL1';
const ROUTING: RoutingRule[] = [
  { severities: ['critical'], accountId: '111122223333', slackChannel: ROUTED_CHANNEL },
];

const critical = storedFinding(
  sampleFinding({ id: 'kh-critical', severity: 'critical', deletedAt: '2025-03-01T10:04:00Z' }),
);
const high = storedFinding(
  sampleFinding({ id: 'kh-high', accessKeyId: 'AKIAEXAMPLE000000002', deletedAt: '2025-03-01T10:09:00Z' }),
);

describe('SlackNotifier routing', () => {
  let harness: SlackHarness;
  let fake: SlackApiFake | undefined;

  async function start(findings: StoredFinding[]): Promise<void> {
    harness = await startSlackHarness({
      findings,
      ...(fake ? { fake } : {}),
      app: { clock: () => NOW, routing: ROUTING },
    });
  }

  afterEach(async () => {
    await harness.close();
    await fake?.close();
    fake = undefined;
  });

  it('posts a matching finding to the rule channel', async () => {
    await start([critical, high]);
    await harness.slack.notifier.postPending();

    const posts = harness.fake.callsTo('chat.postMessage');
    expect(posts.map((call) => call.args.channel)).toEqual([ROUTED_CHANNEL, CHANNEL_ID]);
    expect(harness.store.read().findings['kh-critical']!.slack?.channel).toBe(ROUTED_CHANNEL);
    expect(harness.store.read().findings['kh-high']!.slack?.channel).toBe(CHANNEL_ID);
  });

  it('keeps posting to other channels after a channel error', async () => {
    const laterCritical = storedFinding(
      sampleFinding({
        id: 'kh-critical-2',
        severity: 'critical',
        accessKeyId: 'AKIAEXAMPLE000000003',
        deletedAt: '2025-03-01T10:05:00Z',
      }),
    );
    await start([critical, laterCritical, high]);
    harness.fake.failNext('chat.postMessage', { body: { ok: false, error: 'not_in_channel' } });

    await harness.slack.notifier.postPending();

    const posts = harness.fake.callsTo('chat.postMessage');
    expect(posts.map((call) => call.args.channel)).toEqual([ROUTED_CHANNEL, CHANNEL_ID]);
    const findings = harness.store.read().findings;
    expect(findings['kh-critical']!.slack).toBeNull();
    expect(findings['kh-critical-2']!.slack).toBeNull();
    expect(findings['kh-high']!.slack?.channel).toBe(CHANNEL_ID);
  });

  it('updates and replies in the rule channel', async () => {
    await start([critical]);
    await harness.slack.notifier.postPending();
    const actor = { platform: 'teams' as const, id: 'entra-bob', name: 'Bob' };
    await applyTriage(harness.store, { findingId: 'kh-critical', action: 'acknowledge', actor, now: NOW });

    await harness.slack.notifier.refresh('kh-critical');

    const updates = harness.fake.callsTo('chat.update');
    expect(updates.map((call) => call.args.channel)).toEqual([ROUTED_CHANNEL]);
    const replies = harness.fake
      .callsTo('chat.postMessage')
      .filter((call) => call.args.thread_ts !== undefined);
    expect(replies.map((call) => call.args.channel)).toEqual([ROUTED_CHANNEL]);
  });

  it('finds an interrupted post in the rule channel', async () => {
    fake = new SlackApiFake({ clock: () => NOW });
    await fake.start();
    const message = fake.addMessage(ROUTED_CHANNEL, {
      bot_id: FAKE_BOT_ID,
      metadata: findingMetadata('kh-critical'),
    });
    const attempt = { channel: ROUTED_CHANNEL, startedAt: '2025-03-01T11:59:59.000Z', historyPosted: 0 };
    await start([{ ...critical, slackAttempt: attempt }]);

    await harness.slack.notifier.postPending();

    expect(harness.fake.callsTo('chat.postMessage')).toEqual([]);
    const searches = harness.fake.callsTo('conversations.history');
    expect(searches.map((call) => call.args.channel)).toEqual([ROUTED_CHANNEL]);
    expect(harness.store.read().findings['kh-critical']!.slack).toMatchObject({
      channel: ROUTED_CHANNEL,
      ts: message.ts,
    });
  });

  it('never posts a suppressed finding', async () => {
    const suppressed = structuredClone(high);
    const rule = { accessKeyId: null, userName: 'alice', creatorArn: null, reason: 'Drill', until: null };
    suppressFinding(suppressed, rule, NOW);
    await start([suppressed]);

    await harness.slack.notifier.postPending();

    expect(harness.fake.callsTo('chat.postMessage')).toEqual([]);
    expect(harness.store.read().findings['kh-high']!.slack).toBeNull();
  });
});
