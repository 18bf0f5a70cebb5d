/**
 * End to end over HTTP. Activities are POSTed to /api/messages on keyhunt's real HTTP server, and botbuilder's
 * real CloudAdapter runs each turn against the real lowdb file store in a temp folder. Everything the bot
 * sends goes to a local Bot Connector fake, which is the serviceUrl of the activities. Authentication is
 * disabled for these tests only, with an empty app id, so no token is requested from anywhere.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { mkdtemp, rm } from 'node:fs/promises';
import type { ClientRequest } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TeamsConfig } from '../../../src/config.js';
import { createTeamsBot, type TeamsBot, TeamsSetupError } from '../../../src/chat/teams/index.js';
import { silentLogger } from '../../../src/log.js';
import type { Store } from '../../../src/pipeline/ports.js';
import { createHttpServer } from '../../../src/server.js';
import { buildDailySummary } from '../../../src/pipeline/summary.js';
import { applyTriage } from '../../../src/pipeline/triage.js';
import { openStore } from '../../../src/store/index.js';
import { addFindings } from '../../../src/pipeline/records.js';
import { type BotConnectorFake, startBotConnectorFake } from '../../support/bot-connector-fake.js';
import { CHANNEL_ID, GROUP_CHAT_ID, botAdded, cardAction } from './activities.js';
import { OTHER_AAD_ID, TENANT_ID, TRIAGER_AAD_ID, sampleFinding } from './fixtures.js';
import { captureLogs } from './log-capture.js';

const TEST_CONFIG: TeamsConfig = {
  appId: '',
  appPassword: '',
  tenantId: TENANT_ID,
  appType: 'MultiTenant',
  triagers: [TRIAGER_AAD_ID],
};

interface Harness {
  bot: TeamsBot;
  store: Store;
  server: Server;
  url: string;
  triageChanges: string[];
  logs: ReturnType<typeof captureLogs>;
}

let fake: BotConnectorFake;
let folder: string;
const START_MS = Date.parse('2023-07-10T13:00:00.000Z');
let nowMs = START_MS;
const clock = (): Date => new Date(nowMs);
const running: Harness[] = [];
/** Host of every request made through node:http or node:https, which botbuilder's REST client uses. */
const outgoingHosts: string[] = [];
const recordOutgoing = (message: unknown): void => {
  outgoingHosts.push((message as { request: ClientRequest }).request.host);
};

beforeAll(async () => {
  fake = await startBotConnectorFake();
  diagnosticsChannel.subscribe('http.client.request.start', recordOutgoing);
});

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'keyhunt-teams-'));
  nowMs = START_MS;
  fake.reset();
});

afterEach(async () => {
  for (const harness of running.splice(0)) await stop(harness);
  await rm(folder, { recursive: true, force: true });
});

afterAll(async () => {
  diagnosticsChannel.unsubscribe('http.client.request.start', recordOutgoing);
  await fake.close();
});

test('bot makes no request outside 127.0.0.1', async () => {
  const harness = await start();
  outgoingHosts.length = 0;
  await post(harness, botAdded({ serviceUrl: fake.url }));
  await storeFinding(harness);
  await harness.bot.notifier.postPending();
  await post(
    harness,
    cardAction('finding.acknowledge', { findingId: 'kh-3f9a2c71d0' }, { serviceUrl: fake.url }),
  );
  await harness.bot.idle();

  expect(outgoingHosts.length).toBeGreaterThanOrEqual(3);
  expect(outgoingHosts.filter((host) => host !== '127.0.0.1')).toEqual([]);
});

async function start(storeFile = 'keyhunt.json'): Promise<Harness> {
  const logs = captureLogs();
  const store = await openStore({ path: join(folder, storeFile), logger: silentLogger(), now: clock });
  const triageChanges: string[] = [];
  const bot = createTeamsBot({
    config: TEST_CONFIG,
    store,
    logger: logs.logger,
    clock,
    authentication: 'disabled-for-tests',
    onTriageChanged: async (findingId) => {
      triageChanges.push(findingId);
    },
  });
  const server = createHttpServer(bot.routes, silentLogger());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const harness = { bot, store, server, url, triageChanges, logs };
  running.push(harness);
  return harness;
}

async function stop(harness: Harness): Promise<void> {
  const index = running.indexOf(harness);
  if (index >= 0) running.splice(index, 1);
  await harness.bot.idle();
  await new Promise<void>((resolve) => harness.server.close(() => resolve()));
  await harness.store.close();
}

async function post(
  harness: Harness,
  activity: Record<string, unknown>,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${harness.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(activity),
  });
  const text = await response.text();
  const isJson = response.headers.get('content-type')?.startsWith('application/json') ?? false;
  return { status: response.status, body: isJson ? (JSON.parse(text) as unknown) : text };
}

async function storeFinding(harness: Harness, id = 'kh-3f9a2c71d0'): Promise<void> {
  nowMs += 60_000;
  await harness.store.update((data) => addFindings(data, [sampleFinding({ id })], clock()));
}

function cardOf(activity: Record<string, unknown>): Record<string, unknown> {
  const attachments = activity['attachments'] as Array<{
    contentType: string;
    content: Record<string, unknown>;
  }>;
  expect(attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
  return attachments[0]!.content;
}

test('installation stores the conversation reference', async () => {
  const harness = await start();

  const response = await post(harness, botAdded({ serviceUrl: fake.url }));

  expect(response.status).toBe(200);
  const conversation = harness.store.read().teams.conversations[CHANNEL_ID];
  expect(conversation?.active).toBe(true);
  expect(conversation?.name).toBe('Security / General');
  expect(conversation?.reference['serviceUrl']).toBe(fake.url);
  expect((conversation?.reference['conversation'] as { id: string }).id).toBe(CHANNEL_ID);
  expect(fake.sentTo(CHANNEL_ID)).toHaveLength(1);
  expect(fake.sentTo(CHANNEL_ID)[0]!.activity['text']).toContain('keyhunt will post');
});

test('finding is sent proactively after a restart', async () => {
  const first = await start();
  await post(first, botAdded({ serviceUrl: fake.url }));
  await stop(first);
  fake.sent.length = 0;

  const second = await start();
  await storeFinding(second);
  await second.bot.notifier.postPending();

  const sent = fake.sentTo(CHANNEL_ID);
  expect(sent).toHaveLength(1);
  expect(JSON.stringify(cardOf(sent[0]!.activity))).toContain(
    'access key of alice created and deleted within 3m 55s',
  );
  const postRef = second.store.read().findings['kh-3f9a2c71d0']?.teams[CHANNEL_ID];
  expect(postRef?.activityId).toBe(sent[0]!.id);
  expect(fake.requests.every((request) => request.authorization === null)).toBe(true);
});

test('second postPending does not post again', async () => {
  const harness = await start();
  await post(harness, botAdded({ serviceUrl: fake.url }));
  await storeFinding(harness);
  fake.sent.length = 0;

  await Promise.all([harness.bot.notifier.postPending(), harness.bot.notifier.postPending()]);
  await harness.bot.notifier.postPending();

  expect(fake.sentTo(CHANNEL_ID)).toHaveLength(1);
});

test('acknowledge updates store and returns card', async () => {
  const harness = await start();
  await post(harness, botAdded({ serviceUrl: fake.url }));
  await storeFinding(harness);
  await harness.bot.notifier.postPending();
  const postedId = fake.sentTo(CHANNEL_ID).at(-1)!.id;

  const response = await post(
    harness,
    cardAction(
      'finding.acknowledge',
      { findingId: 'kh-3f9a2c71d0' },
      { serviceUrl: fake.url, replyToId: postedId },
    ),
  );

  expect(response.status).toBe(200);
  const body = response.body as { statusCode: number; type: string; value: Record<string, unknown> };
  expect(body.statusCode).toBe(200);
  expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
  const cardText = JSON.stringify(body.value);
  expect(cardText).toContain('Acknowledged by Dana Smith (Teams) at 2023-07-10 13:01:00 UTC.');
  expect(cardText).toContain('You acknowledged this finding.');

  const stored = harness.store.read().findings['kh-3f9a2c71d0'];
  expect(stored?.state).toBe('acknowledged');
  expect(stored?.history[0]?.actor).toEqual({ platform: 'teams', id: TRIAGER_AAD_ID, name: 'Dana Smith' });

  await harness.bot.idle();
  expect(fake.updates).toHaveLength(1);
  expect(fake.updates[0]!.activityId).toBe(postedId);
  expect(JSON.stringify(cardOf(fake.updates[0]!.activity))).toContain('Acknowledged by Dana Smith (Teams)');
  expect(harness.triageChanges).toEqual(['kh-3f9a2c71d0']);
});

test('unauthorized user changes nothing', async () => {
  const harness = await start();
  await post(harness, botAdded({ serviceUrl: fake.url }));
  await storeFinding(harness);
  await harness.bot.notifier.postPending();
  const updatesBefore = harness.store.read().findings['kh-3f9a2c71d0']?.updatedAt;

  const response = await post(
    harness,
    cardAction(
      'finding.escalate',
      { findingId: 'kh-3f9a2c71d0' },
      { serviceUrl: fake.url, aadObjectId: OTHER_AAD_ID },
    ),
  );

  const body = response.body as { statusCode: number; value: Record<string, unknown> };
  expect(body.statusCode).toBe(200);
  expect(JSON.stringify(body.value)).toContain(
    'You are not allowed to triage keyhunt findings, so nothing was changed.',
  );
  const stored = harness.store.read().findings['kh-3f9a2c71d0'];
  expect(stored?.state).toBe('open');
  expect(stored?.history).toEqual([]);
  expect(stored?.updatedAt).toBe(updatesBefore);
  await harness.bot.idle();
  expect(fake.updates).toEqual([]);
  expect(harness.triageChanges).toEqual([]);
});

test('403 conversation goes inactive, others still get it', async () => {
  const harness = await start();
  await post(harness, botAdded({ serviceUrl: fake.url }));
  await post(
    harness,
    botAdded({ serviceUrl: fake.url, conversationId: GROUP_CHAT_ID, conversationType: 'groupChat' }),
  );
  fake.failConversation(CHANNEL_ID, 403);
  await storeFinding(harness);

  await harness.bot.notifier.postPending();

  const data = harness.store.read();
  expect(data.teams.conversations[CHANNEL_ID]?.active).toBe(false);
  expect(data.teams.conversations[CHANNEL_ID]?.inactiveReason).toMatch(/^Teams returned HTTP 403 /);
  expect(data.teams.conversations[GROUP_CHAT_ID]?.active).toBe(true);
  expect(fake.sentTo(GROUP_CHAT_ID).filter((sent) => sent.activity['attachments'])).toHaveLength(1);
  expect(data.findings['kh-3f9a2c71d0']?.teams[GROUP_CHAT_ID]).toBeDefined();
  expect(data.findings['kh-3f9a2c71d0']?.teams[CHANNEL_ID]).toBeUndefined();
  const warning = harness.logs
    .lines()
    .find((line) => line['conversationId'] === CHANNEL_ID && line['level'] === 40);
  expect(warning?.['msg']).toBe('Posting a finding to Teams failed; the conversation is marked inactive');
});

test('inactive conversation gets no later findings', async () => {
  const harness = await start();
  await post(harness, botAdded({ serviceUrl: fake.url }));
  fake.failConversation(CHANNEL_ID, 404);
  await storeFinding(harness, 'kh-0000000001');
  await harness.bot.notifier.postPending();
  const requestsAfterFirst = fake.requests.length;

  await storeFinding(harness, 'kh-0000000002');
  await harness.bot.notifier.postPending();

  expect(harness.store.read().teams.conversations[CHANNEL_ID]?.inactiveReason).toMatch(
    /^Teams returned HTTP 404 /,
  );
  expect(fake.requests.length).toBe(requestsAfterFirst);
});

test('other failures keep the finding pending', async () => {
  const harness = await start();
  await post(harness, botAdded({ serviceUrl: fake.url }));
  fake.failConversation(CHANNEL_ID, 400);
  await storeFinding(harness);

  await harness.bot.notifier.postPending();

  expect(harness.store.read().teams.conversations[CHANNEL_ID]?.active).toBe(true);
  expect(harness.store.read().findings['kh-3f9a2c71d0']?.teams).toEqual({});
  const error = harness.logs.lines().find((line) => line['level'] === 50);
  expect(error?.['msg']).toBe('Posting a finding to Teams failed; it is tried again on the next run');
  expect(error?.['status']).toBe(400);

  fake.restoreConversation(CHANNEL_ID);
  await harness.bot.notifier.postPending();

  expect(harness.store.read().findings['kh-3f9a2c71d0']?.teams[CHANNEL_ID]).toBeDefined();
});

test('Slack change reaches the Teams cards', async () => {
  const harness = await start();
  await post(harness, botAdded({ serviceUrl: fake.url }));
  await storeFinding(harness);
  await harness.bot.notifier.postPending();
  const postedId = fake.sentTo(CHANNEL_ID).at(-1)!.id;
  await applyTriage(harness.store, {
    findingId: 'kh-3f9a2c71d0',
    action: 'acknowledge',
    actor: { platform: 'slack', id: 'U0123ABCD', name: 'Lee Chen' },
    now: clock(),
  });

  await harness.bot.notifier.refresh('kh-3f9a2c71d0');
  const refreshed = await post(
    harness,
    cardAction(
      'finding.refresh',
      { findingId: 'kh-3f9a2c71d0' },
      { serviceUrl: fake.url, trigger: 'automatic' },
    ),
  );

  expect(fake.updates.map((update) => update.activityId)).toEqual([postedId]);
  expect(JSON.stringify(cardOf(fake.updates[0]!.activity))).toContain('Acknowledged by Lee Chen (Slack)');
  expect(JSON.stringify(refreshed.body)).toContain(
    'Acknowledged by Lee Chen (Slack) at 2023-07-10 13:01:00 UTC.',
  );
  expect(harness.triageChanges).toEqual([]);
});

test('daily summary goes to every active conversation', async () => {
  const harness = await start();
  await post(harness, botAdded({ serviceUrl: fake.url }));
  await post(
    harness,
    botAdded({ serviceUrl: fake.url, conversationId: GROUP_CHAT_ID, conversationType: 'groupChat' }),
  );
  await storeFinding(harness);
  const summary = buildDailySummary(harness.store.read(), { now: clock(), timezone: 'UTC' });
  fake.failConversation(GROUP_CHAT_ID, 400);

  await expect(harness.bot.sendSummary(summary)).rejects.toThrow(
    `The daily summary could not be sent to 1 Teams conversation(s): ${GROUP_CHAT_ID}.`,
  );
  fake.restoreConversation(GROUP_CHAT_ID);
  await harness.bot.sendSummary(summary, { resend: true });

  const summaries = (conversationId: string) =>
    fake
      .sentTo(conversationId)
      .filter((sent) => JSON.stringify(sent.activity).includes('keyhunt daily summary'));
  expect(summaries(CHANNEL_ID)).toHaveLength(1);
  expect(summaries(GROUP_CHAT_ID)).toHaveLength(1);
  expect(JSON.stringify(summaries(GROUP_CHAT_ID)[0]!.activity)).toContain('may appear twice');
});

test('daily summary skips a removed conversation', async () => {
  const harness = await start();
  await post(harness, botAdded({ serviceUrl: fake.url }));
  fake.failConversation(CHANNEL_ID, 403);
  const summary = buildDailySummary(harness.store.read(), { now: clock(), timezone: 'UTC' });

  await harness.bot.summarySender.send(summary, { resend: false });

  expect(harness.store.read().teams.conversations[CHANNEL_ID]?.active).toBe(false);
});

test('request without a body object is rejected', async () => {
  const harness = await start();

  const response = await fetch(`${harness.url}/api/messages`, { method: 'POST', body: '[1, 2]' });

  expect(response.status).toBe(400);
});

test('oversized request is rejected', async () => {
  const harness = await start();
  const activity = { ...botAdded({ serviceUrl: fake.url }), text: 'x'.repeat(1024 * 1024) };

  const response = await post(harness, activity);

  expect(response.status).toBe(413);
  expect(response.body).toBe('Request body larger than 1048576 bytes\n');
  expect(harness.store.read().teams.conversations).toEqual({});
});

test('authentication on rejects a request without a token', async () => {
  const logs = captureLogs();
  const store = await openStore({ path: join(folder, 'auth.json'), logger: silentLogger(), now: clock });
  const bot = createTeamsBot({
    config: {
      ...TEST_CONFIG,
      appId: '3b1e4f9a-0000-4000-8000-000000000abc',
      appPassword: 'not-a-real-secret',
    },
    store,
    logger: logs.logger,
    clock,
  });
  const server = createHttpServer(bot.routes, silentLogger());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
  const postUnauthenticated = () =>
    fetch(url, { method: 'POST', body: JSON.stringify(botAdded({ serviceUrl: fake.url })) });
  try {
    const statuses = [];
    for (let attempt = 0; attempt < 3; attempt++) statuses.push((await postUnauthenticated()).status);
    nowMs += 61_000;
    statuses.push((await postUnauthenticated()).status);

    expect(statuses).toEqual([401, 401, 401, 401]);
    expect(store.read().teams.conversations).toEqual({});
    expect(fake.requests).toEqual([]);
    const rejections = logs.lines().filter((line) => line['status'] === 401);
    expect(rejections.map((line) => line['omittedSinceLastLine'])).toEqual([0, 2]);
    expect(logs.text()).not.toContain('not-a-real-secret');
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.close();
  }
});

test('empty app id without the test flag is rejected', async () => {
  const store = await openStore({ path: join(folder, 'empty-id.json'), logger: silentLogger(), now: clock });
  try {
    expect(() => createTeamsBot({ config: TEST_CONFIG, store, logger: silentLogger(), clock })).toThrow(
      TeamsSetupError,
    );
  } finally {
    await store.close();
  }
});
