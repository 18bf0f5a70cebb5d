/**
 * The Teams turn logic on botbuilder's TestAdapter: installation, removal, commands and card actions, with
 * the in-memory store. The HTTP path and proactive delivery are covered by http.test.ts.
 */
import { type Activity, TestAdapter } from 'botbuilder';
import { KeyhuntTeamsBot, PERSONAL_CHAT_REJECTION, WELCOME_TEXT } from '../../../src/chat/teams/bot.js';
import { silentLogger } from '../../../src/log.js';
import { emptyStoreData } from '../../../src/pipeline/ports.js';
import { type MemoryStore, createMemoryStore } from '../../support/teams-memory-store.js';
import {
  CHANNEL_ID,
  GROUP_CHAT_ID,
  PERSONAL_CHAT_ID,
  botAdded,
  botRemoved,
  cardAction,
  channelDeleted,
  installationUpdate,
  message,
} from './activities.js';
import { OTHER_AAD_ID, TENANT_ID, TRIAGER_AAD_ID, historyEntry, storedFinding } from './fixtures.js';

const SERVICE_URL = 'http://127.0.0.1:9/';
const FINDING_ID = 'kh-3f9a2c71d0';
const NOW = new Date('2023-07-10T13:00:00.000Z');

interface Harness {
  adapter: TestAdapter;
  store: MemoryStore;
  changed: string[];
}

function setUp(
  options: {
    triagers?: string[];
    tenantId?: string | null;
    withFinding?: boolean;
    lastSuccessAt?: string;
    pollStaleAfterMs?: number;
  } = {},
): Harness {
  const data = emptyStoreData();
  if (options.withFinding ?? true) data.findings[FINDING_ID] = storedFinding();
  if (options.lastSuccessAt) data.poll.health.lastSuccessAt = options.lastSuccessAt;
  const store = createMemoryStore(data);
  const changed: string[] = [];
  const bot = new KeyhuntTeamsBot({
    store,
    logger: silentLogger(),
    clock: () => NOW,
    triagers: options.triagers ?? [TRIAGER_AAD_ID],
    tenantId: options.tenantId === undefined ? TENANT_ID : options.tenantId,
    onFindingChanged: (findingId) => changed.push(findingId),
    pollStaleAfterMs: options.pollStaleAfterMs,
  });
  const adapter = new TestAdapter((context) => bot.run(context));
  return { adapter, store, changed };
}

async function send(harness: Harness, activity: Record<string, unknown>): Promise<Partial<Activity>[]> {
  harness.adapter.activeQueue.splice(0);
  await harness.adapter.processActivity(activity as Partial<Activity>);
  return harness.adapter.activeQueue.splice(0);
}

function cardText(reply: Partial<Activity> | undefined): string {
  const attachment = reply?.attachments?.[0];
  expect(attachment?.contentType).toBe('application/vnd.microsoft.card.adaptive');
  return JSON.stringify(attachment?.content);
}

interface InvokeBody {
  statusCode: number;
  type: string;
  value: unknown;
}

async function invoke(
  harness: Harness,
  activity: Record<string, unknown>,
): Promise<{ status: number; body: InvokeBody }> {
  const replies = await send(harness, activity);
  const response = replies.find((reply) => reply.type === 'invokeResponse');
  const value = response?.value as { status: number; body: InvokeBody };
  return value;
}

const channel = { serviceUrl: SERVICE_URL };

describe('installation', () => {
  test('bot added records the conversation and greets once', async () => {
    const harness = setUp();

    const first = await send(harness, botAdded(channel));
    const second = await send(harness, installationUpdate('add', channel));

    const conversation = harness.store.read().teams.conversations[CHANNEL_ID];
    expect(conversation).toMatchObject({
      id: CHANNEL_ID,
      name: 'Security / General',
      active: true,
      inactiveReason: null,
    });
    expect(conversation?.addedAt).toBe(NOW.toISOString());
    expect(first.map((reply) => reply.text)).toEqual([WELCOME_TEXT]);
    expect(second).toEqual([]);
  });

  test('reference addresses the conversation, not the thread', async () => {
    const harness = setUp();

    await send(
      harness,
      message('status', { ...channel, conversationId: `${CHANNEL_ID};messageid=1689000000000` }),
    );

    const conversation = harness.store.read().teams.conversations[CHANNEL_ID];
    expect(conversation?.reference).toEqual({
      channelId: 'msteams',
      serviceUrl: SERVICE_URL,
      bot: { id: '28:keyhunt-test-bot', name: 'keyhunt' },
      conversation: { id: CHANNEL_ID, conversationType: 'channel', tenantId: TENANT_ID, isGroup: true },
    });
  });

  test('bot removed marks the conversation inactive', async () => {
    const harness = setUp();
    await send(harness, botAdded(channel));

    await send(harness, botRemoved(channel));

    const conversation = harness.store.read().teams.conversations[CHANNEL_ID];
    expect(conversation?.active).toBe(false);
    expect(conversation?.inactiveReason).toBe('The bot was removed from the conversation.');
  });

  test('app uninstalled marks the conversation inactive', async () => {
    const harness = setUp();
    const options = { ...channel, conversationId: GROUP_CHAT_ID, conversationType: 'groupChat' as const };
    await send(harness, installationUpdate('add', options));

    await send(harness, installationUpdate('remove', options));

    expect(harness.store.read().teams.conversations[GROUP_CHAT_ID]?.active).toBe(false);
  });

  test('deleted channel is marked inactive', async () => {
    const harness = setUp();
    const otherChannel = '19:old-channel@thread.tacv2';
    await send(harness, message('help', { ...channel, conversationId: otherChannel }));

    await send(harness, channelDeleted(otherChannel, channel));

    expect(harness.store.read().teams.conversations[otherChannel]?.inactiveReason).toBe(
      'The channel was deleted.',
    );
  });

  test('reinstall reactivates and restarts addedAt', async () => {
    const harness = setUp();
    await harness.store.update((data) => {
      data.teams.conversations[CHANNEL_ID] = {
        id: CHANNEL_ID,
        reference: {},
        name: null,
        active: false,
        inactiveReason: 'Teams returned HTTP 403',
        addedAt: '2023-01-01T00:00:00.000Z',
        updatedAt: '2023-01-01T00:00:00.000Z',
      };
    });

    const replies = await send(harness, botAdded(channel));

    const conversation = harness.store.read().teams.conversations[CHANNEL_ID];
    expect(conversation).toMatchObject({ active: true, inactiveReason: null, addedAt: NOW.toISOString() });
    expect(replies.map((reply) => reply.text)).toEqual([WELCOME_TEXT]);
  });

  test('personal chat of a non-triager is not recorded', async () => {
    const harness = setUp();
    const personal = { ...channel, conversationId: PERSONAL_CHAT_ID, conversationType: 'personal' as const };

    const replies = await send(harness, botAdded({ ...personal, aadObjectId: OTHER_AAD_ID }));
    const commandReplies = await send(
      harness,
      message('last 24h', { ...personal, aadObjectId: OTHER_AAD_ID }),
    );

    expect(harness.store.read().teams.conversations).toEqual({});
    expect(replies.map((reply) => reply.text)).toEqual([PERSONAL_CHAT_REJECTION]);
    expect(commandReplies.map((reply) => reply.text)).toEqual([PERSONAL_CHAT_REJECTION]);
  });

  test('personal chat of a triager is recorded', async () => {
    const harness = setUp();

    await send(
      harness,
      botAdded({ ...channel, conversationId: PERSONAL_CHAT_ID, conversationType: 'personal' }),
    );

    expect(harness.store.read().teams.conversations[PERSONAL_CHAT_ID]?.name).toBe(
      'Personal chat with Dana Smith',
    );
  });

  test('activity from another tenant is ignored', async () => {
    const harness = setUp();

    const replies = await send(
      harness,
      botAdded({ ...channel, tenantId: '99999999-9999-4999-8999-999999999999' }),
    );

    expect(replies).toEqual([]);
    expect(harness.store.read().teams.conversations).toEqual({});
  });
});

describe('commands', () => {
  test('status replies with poller health', async () => {
    const harness = setUp();

    const replies = await send(harness, message('status', channel));

    const text = cardText(replies[0]);
    expect(text).toContain('"text":"keyhunt status"');
    expect(text).toContain('"text":"Open 1 · Escalated 0 · Acknowledged 0 · Resolved 0"');
    expect(text).toContain('No poll has succeeded yet');
  });

  test('status uses the given stale limit', async () => {
    const lastSuccessAt = new Date(NOW.getTime() - 45 * 60_000).toISOString();
    const hourly = setUp({ lastSuccessAt, pollStaleAfterMs: 3 * 60 * 60_000 });
    const standard = setUp({ lastSuccessAt });

    const hourlyText = cardText((await send(hourly, message('status', channel)))[0]);
    const standardText = cardText((await send(standard, message('status', channel)))[0]);

    expect(hourlyText).not.toContain('The last successful poll was 45m ago');
    expect(standardText).toContain('The last successful poll was 45m ago, longer than the expected 30m');
  });

  test('last 24h lists findings deleted in the period', async () => {
    const harness = setUp();

    const replies = await send(harness, message('last 24h', channel));

    const text = cardText(replies[0]);
    expect(text).toContain('Findings whose key was deleted in the last 24h');
    expect(text).toContain(
      'kh-3f9a2c71d0 · High · alice · key AKIAEXAMPLEKEY000001 · deleted 2023-07-10 12:24:29 UTC · Open',
    );
  });

  test('show ID replies with history', async () => {
    const harness = setUp();
    await harness.store.update((data) => {
      const stored = data.findings[FINDING_ID]!;
      stored.state = 'acknowledged';
      stored.history.push(historyEntry());
    });

    const replies = await send(harness, message(`show ${FINDING_ID}`, channel));

    const text = cardText(replies[0]);
    expect(text).toContain('"text":"Triage history"');
    expect(text).toContain('2023-07-10 12:40:00 UTC: Dana Smith (Slack) acknowledged');
  });

  test('show of an unknown id', async () => {
    const harness = setUp();

    const replies = await send(harness, message('show kh-unknown', channel));

    expect(cardText(replies[0])).toContain('No finding with id kh-unknown is stored.');
  });

  test('help without mention in a personal chat', async () => {
    const harness = setUp();

    const replies = await send(
      harness,
      message('help', { ...channel, conversationId: PERSONAL_CHAT_ID, conversationType: 'personal' }),
    );

    const text = cardText(replies[0]);
    expect(text).toContain('"text":"keyhunt commands"');
    expect(text).toContain('"text":"last 24h: "');
    expect(text).not.toContain('... share');
  });

  test('unknown command shows the problem and help', async () => {
    const harness = setUp();

    const replies = await send(harness, message('delete everything', channel));

    const text = cardText(replies[0]);
    expect(text).toContain('Unknown command \\"delete\\".');
    expect(text).toContain('"text":"keyhunt commands"');
  });
});

describe('card actions', () => {
  test('acknowledge by a triager changes the finding', async () => {
    const harness = setUp();

    const response = await invoke(
      harness,
      cardAction('finding.acknowledge', { findingId: FINDING_ID }, channel),
    );

    expect(response.status).toBe(200);
    expect(response.body.statusCode).toBe(200);
    expect(response.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(response.body.value)).toContain(
      'Acknowledged by Dana Smith (Teams) at 2023-07-10 13:00:00 UTC.',
    );
    const stored = harness.store.read().findings[FINDING_ID];
    expect(stored?.state).toBe('acknowledged');
    expect(stored?.history[0]).toEqual({
      action: 'acknowledge',
      from: 'open',
      to: 'acknowledged',
      resolution: null,
      actor: { platform: 'teams', id: TRIAGER_AAD_ID, name: 'Dana Smith' },
      at: NOW.toISOString(),
    });
    expect(harness.changed).toEqual([FINDING_ID]);
  });

  test('non-triager gets a rejection and nothing changes', async () => {
    const harness = setUp();
    const before = harness.store.snapshot();

    const response = await invoke(
      harness,
      cardAction(
        'finding.resolve',
        { findingId: FINDING_ID, resolution: 'false-positive' },
        { ...channel, aadObjectId: OTHER_AAD_ID },
      ),
    );

    expect(response.body.statusCode).toBe(200);
    expect(JSON.stringify(response.body.value)).toContain(
      `Ask a keyhunt administrator to add your Microsoft Entra object ID ${OTHER_AAD_ID} to KEYHUNT_TEAMS_TRIAGERS.`,
    );
    expect(harness.store.snapshot()).toEqual(before);
    expect(harness.changed).toEqual([]);
  });

  test('missing Entra object id is rejected even without triagers', async () => {
    const harness = setUp({ triagers: [] });

    const response = await invoke(
      harness,
      cardAction('finding.acknowledge', { findingId: FINDING_ID }, { ...channel, aadObjectId: null }),
    );

    expect(JSON.stringify(response.body.value)).toContain(
      'Teams did not send your Microsoft Entra object ID',
    );
    expect(harness.store.read().findings[FINDING_ID]?.state).toBe('open');
  });

  test('anyone may triage when no triagers are set', async () => {
    const harness = setUp({ triagers: [] });

    await invoke(
      harness,
      cardAction('finding.escalate', { findingId: FINDING_ID }, { ...channel, aadObjectId: OTHER_AAD_ID }),
    );

    expect(harness.store.read().findings[FINDING_ID]?.state).toBe('escalated');
  });

  test('resolve records the chosen reason', async () => {
    const harness = setUp();

    const response = await invoke(
      harness,
      cardAction('finding.resolve', { findingId: FINDING_ID, resolution: 'false-positive' }, channel),
    );

    expect(JSON.stringify(response.body.value)).toContain('Resolved as false positive by Dana Smith (Teams)');
    expect(harness.store.read().findings[FINDING_ID]?.resolution).toBe('false-positive');
  });

  test('resolve without a reason is invalid', async () => {
    const harness = setUp();

    const response = await invoke(harness, cardAction('finding.resolve', { findingId: FINDING_ID }, channel));

    expect(JSON.stringify(response.body.value)).toContain(
      'Resolve needs a reason: one of true-positive, false-positive, expected.',
    );
    expect(harness.store.read().findings[FINDING_ID]?.state).toBe('open');
    expect(harness.changed).toEqual([]);
  });

  test('second acknowledge reports the earlier change', async () => {
    const harness = setUp();
    await invoke(harness, cardAction('finding.acknowledge', { findingId: FINDING_ID }, channel));

    const response = await invoke(
      harness,
      cardAction('finding.acknowledge', { findingId: FINDING_ID }, { ...channel, userName: 'Lee Chen' }),
    );

    expect(JSON.stringify(response.body.value)).toContain(
      'Dana Smith already set it to acknowledged at 2023-07-10T13:00:00.000Z.',
    );
    expect(harness.store.read().findings[FINDING_ID]?.history).toHaveLength(1);
    expect(harness.changed).toEqual([FINDING_ID]);
  });

  test('refresh shows a change made in Slack', async () => {
    const harness = setUp();
    await harness.store.update((data) => {
      const stored = data.findings[FINDING_ID]!;
      stored.state = 'acknowledged';
      stored.history.push(historyEntry());
    });

    const response = await invoke(
      harness,
      cardAction(
        'finding.refresh',
        { findingId: FINDING_ID },
        { ...channel, aadObjectId: OTHER_AAD_ID, trigger: 'automatic' },
      ),
    );

    const text = JSON.stringify(response.body.value);
    expect(text).toContain('Acknowledged by Dana Smith (Slack) at 2023-07-10 12:40:00 UTC.');
    expect(text).toContain('"verb":"finding.escalate"');
    expect(text).not.toContain('"verb":"finding.acknowledge"');
    expect(harness.changed).toEqual([]);
  });

  test('refresh of a pruned finding returns a short card', async () => {
    const harness = setUp({ withFinding: false });

    const response = await invoke(harness, cardAction('finding.refresh', { findingId: FINDING_ID }, channel));

    expect(response.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(response.body.value)).toContain(
      `Finding ${FINDING_ID} is no longer stored by keyhunt.`,
    );
  });

  test('unknown verb is a bad request', async () => {
    const harness = setUp();

    const response = await invoke(harness, cardAction('finding.delete', { findingId: FINDING_ID }, channel));

    expect(response.body).toEqual({
      statusCode: 400,
      type: 'application/vnd.microsoft.error',
      value: { code: 'NotSupported', message: 'keyhunt has no card action "finding.delete".' },
    });
  });

  test('missing finding id is a bad request', async () => {
    const harness = setUp();

    const response = await invoke(harness, cardAction('finding.acknowledge', {}, channel));

    expect(response.body.statusCode).toBe(400);
    expect(harness.store.read().findings[FINDING_ID]?.state).toBe('open');
  });
});
