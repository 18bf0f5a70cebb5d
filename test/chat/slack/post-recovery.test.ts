/**
 * Exactly-once finding posts across a crash: a post attempt stored before chat.postMessage, message metadata
 * naming the finding, and a conversations.history search on restart, all against the Slack API fake and a
 * real store file.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { ChannelQueue } from '../../../src/chat/slack/channel-queue.js';
import { SlackNotifier } from '../../../src/chat/slack/notifier.js';
import { findFindingMessage, findingMetadata } from '../../../src/chat/slack/post-recovery.js';
import type { SlackPostAttempt, Store, StoredFinding } from '../../../src/pipeline/ports.js';
import { FAKE_BOT_ID, SlackApiFake } from '../../support/slack-api-fake.js';
import {
  CHANNEL_ID,
  makeTempDir,
  recordingLogger,
  sampleFinding,
  startSlackHarness,
  storedFinding,
  testSlackConfig,
  type LogLine,
  type SlackHarness,
} from '../../support/slack-harness.js';

const NOW = new Date('2025-03-01T12:00:00Z');
const WARN = 40;
const ERROR = 50;
const FINDING_ID = 'kh-first';
/** One second before NOW, so the search starts at 11:58:59. */
const ATTEMPT: SlackPostAttempt = {
  channel: CHANNEL_ID,
  startedAt: '2025-03-01T11:59:59.000Z',
  historyPosted: 0,
};
const SEARCH_OLDEST = '1740830339.000000';
const EARLIER_TS = '1740830399.000100';

const finding = sampleFinding({ id: FINDING_ID });

function withAttempt(stored: StoredFinding, attempt: SlackPostAttempt = ATTEMPT): StoredFinding {
  return { ...stored, slackAttempt: attempt };
}

/** Wraps a store so that every update after the first chat.postMessage fails, as a crash would leave it. */
function crashAfterPost(store: Store, fake: SlackApiFake): Store {
  return {
    read: () => store.read(),
    update: (mutate) =>
      fake.callsTo('chat.postMessage').length > 0
        ? Promise.reject(new Error('simulated crash before the store write'))
        : store.update(mutate),
    close: () => store.close(),
  };
}

function topLevelPosts(fake: SlackApiFake) {
  return fake.callsTo('chat.postMessage').filter((call) => call.args.thread_ts === undefined);
}

describe('Slack post recovery', () => {
  const harnesses: SlackHarness[] = [];
  let fake: SlackApiFake;
  let temp: { dir: string; remove: () => Promise<void> };

  async function start(findings: StoredFinding[]): Promise<SlackHarness> {
    const harness = await startSlackHarness({
      fake,
      storeDir: temp.dir,
      findings,
      app: { clock: () => NOW },
    });
    harnesses.push(harness);
    return harness;
  }

  async function begin(): Promise<void> {
    fake = new SlackApiFake({ clock: () => NOW });
    await fake.start();
    temp = await makeTempDir();
  }

  afterEach(async () => {
    for (const harness of harnesses.splice(0)) await harness.close({ keepFake: true });
    await fake.close();
    await temp.remove();
  });

  it('posts once across a crash after the post', async () => {
    await begin();
    const first = await start([storedFinding(finding)]);
    const { logger, lines } = recordingLogger();
    const crashing = new SlackNotifier({
      client: first.slack.client,
      store: crashAfterPost(first.store, fake),
      config: testSlackConfig(fake.apiUrl),
      logger,
      clock: () => NOW,
      queue: new ChannelQueue(0),
      retry: { attempts: 1 },
    });
    await crashing.postPending();

    const posts = fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.args.metadata).toEqual({
      event_type: 'keyhunt_finding',
      event_payload: { finding_id: FINDING_ID },
    });
    expect(fake.callsTo('conversations.history')).toEqual([]);
    const afterCrash = first.store.read().findings[FINDING_ID]!;
    expect(afterCrash.slack).toBeNull();
    expect(afterCrash.slackAttempt).toEqual({
      channel: CHANNEL_ID,
      startedAt: '2025-03-01T12:00:00.000Z',
      historyPosted: 0,
    });
    expect(lines.some((line) => line.findingId === FINDING_ID && line.level === ERROR)).toBe(true);
    await first.close({ keepFake: true });
    harnesses.splice(0);

    const restarted = await start([]);
    await restarted.slack.notifier.postPending();

    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    const searches = fake.callsTo('conversations.history');
    expect(searches).toHaveLength(1);
    expect(searches[0]!.args).toEqual({
      channel: CHANNEL_ID,
      oldest: '1740830340.000000',
      limit: '200',
      include_all_metadata: 'true',
    });
    const recovered = restarted.store.read().findings[FINDING_ID]!;
    expect(recovered.slack).toEqual({
      channel: CHANNEL_ID,
      ts: '1740830400.000001',
      postedAt: '2025-03-01T12:00:00.000Z',
      historyPosted: 0,
    });
    expect(recovered.slackAttempt).toBeUndefined();
  });

  it('finds a seeded message on a later page', async () => {
    await begin();
    fake.addMessage(CHANNEL_ID, {
      ts: EARLIER_TS,
      bot_id: FAKE_BOT_ID,
      text: 'the interrupted post',
      metadata: findingMetadata(FINDING_ID),
    });
    for (let index = 0; index < 250; index += 1) fake.addMessage(CHANNEL_ID, { text: `chatter ${index}` });
    fake.addMessage(CHANNEL_ID, { bot_id: FAKE_BOT_ID, metadata: findingMetadata('kh-other') });
    const harness = await start([withAttempt(storedFinding(finding))]);

    await harness.slack.notifier.postPending();

    expect(fake.callsTo('chat.postMessage')).toEqual([]);
    const searches = fake.callsTo('conversations.history');
    expect(searches.map((call) => call.args.oldest)).toEqual([SEARCH_OLDEST, SEARCH_OLDEST]);
    expect(searches.map((call) => call.args.cursor)).toEqual([undefined, '200']);
    expect(harness.store.read().findings[FINDING_ID]!.slack).toEqual({
      channel: CHANNEL_ID,
      ts: EARLIER_TS,
      postedAt: '2025-03-01T11:59:59.000Z',
      historyPosted: 0,
    });
    const found = harness.logs.find((line) => line.findingId === FINDING_ID && line.ts === EARLIER_TS);
    expect(found?.msg).toBe(
      'Found the message of an interrupted Slack post; recorded it without posting again',
    );
  });

  it('posts once when the attempt left no message', async () => {
    await begin();
    fake.addMessage(CHANNEL_ID, { bot_id: FAKE_BOT_ID, metadata: findingMetadata('kh-other') });
    const harness = await start([withAttempt(storedFinding(finding))]);

    await harness.slack.notifier.postPending();
    await harness.slack.notifier.postPending();

    expect(fake.callsTo('conversations.history')).toHaveLength(1);
    const posts = fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.args.metadata).toEqual(findingMetadata(FINDING_ID));
    const stored = harness.store.read().findings[FINDING_ID]!;
    expect(stored.slack?.ts).toBe('1740830400.000002');
    expect(stored.slackAttempt).toBeUndefined();
  });

  it('posts once and warns on missing_scope', async () => {
    await begin();
    fake.failNext('conversations.history', {
      body: { ok: false, error: 'missing_scope', needed: 'channels:history', provided: 'chat:write' },
    });
    const harness = await start([withAttempt(storedFinding(finding))]);

    await harness.slack.notifier.postPending();

    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    expect(harness.store.read().findings[FINDING_ID]!.slack?.ts).toBe('1740830400.000001');
    const warning = harness.logs.find(
      (line: LogLine) => line.level === WARN && line.neededScope === 'channels:history',
    );
    expect(warning?.msg).toBe(
      'The Slack app lacks the channels:history scope, so the message of an interrupted post cannot be ' +
        'looked up and the finding is posted again (it may show twice). Add the scope from ' +
        'manifests/slack-app.yaml and reinstall the app.',
    );
  });

  it('posts once when the search fails otherwise', async () => {
    await begin();
    fake.failNext('conversations.history', { body: { ok: false, error: 'not_in_channel' } });
    const harness = await start([withAttempt(storedFinding(finding))]);

    await harness.slack.notifier.postPending();

    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    const warning = harness.logs.find((line) => line.level === WARN && line.findingId === FINDING_ID);
    expect(warning?.msg).toBe(
      'Searching the channel history for an interrupted Slack post failed; posting the finding, which may show it twice',
    );
  });

  it('replies to changes made after the interrupted post', async () => {
    await begin();
    fake.addMessage(CHANNEL_ID, {
      ts: EARLIER_TS,
      bot_id: FAKE_BOT_ID,
      metadata: findingMetadata(FINDING_ID),
    });
    const acknowledged: StoredFinding = {
      ...storedFinding(finding),
      state: 'acknowledged',
      history: [
        {
          action: 'acknowledge',
          from: 'open',
          to: 'acknowledged',
          resolution: null,
          actor: { platform: 'teams', id: 'entra-bob', name: 'Bob' },
          at: '2025-03-01T11:59:59.500Z',
        },
      ],
    };
    const harness = await start([withAttempt(acknowledged)]);

    await harness.slack.notifier.postPending();

    expect(topLevelPosts(fake)).toEqual([]);
    const updates = fake.callsTo('chat.update');
    expect(updates).toHaveLength(1);
    expect(updates[0]!.args.ts).toBe(EARLIER_TS);
    const replies = fake.callsTo('chat.postMessage');
    expect(replies).toHaveLength(1);
    expect(replies[0]!.args.thread_ts).toBe(EARLIER_TS);
    expect(harness.store.read().findings[FINDING_ID]!.slack?.historyPosted).toBe(1);
  });

  it('stops the search at the page limit', async () => {
    await begin();
    fake.addMessage(CHANNEL_ID, { ts: EARLIER_TS, metadata: findingMetadata(FINDING_ID) });
    for (let index = 0; index < 250; index += 1) fake.addMessage(CHANNEL_ID, { text: `chatter ${index}` });
    const harness = await start([]);

    const limited = await findFindingMessage(
      harness.slack.client,
      ATTEMPT,
      FINDING_ID,
      { logger: recordingLogger().logger },
      1,
    );
    const unlimited = await findFindingMessage(harness.slack.client, ATTEMPT, FINDING_ID, {
      logger: recordingLogger().logger,
    });

    expect(limited).toEqual({ ts: null, pagesRead: 1, complete: false });
    expect(unlimited).toEqual({ ts: EARLIER_TS, pagesRead: 2, complete: true });
  });
});
