/**
 * The Teams notifier never sends a finding that a suppression rule resolved. The real bot (CloudAdapter with
 * authentication disabled for tests) runs behind keyhunt's HTTP server with a real store file, and sends to
 * the local Bot Connector fake.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTeamsBot, type TeamsBot } from '../../../src/chat/teams/index.js';
import { silentLogger } from '../../../src/log.js';
import type { Store } from '../../../src/pipeline/ports.js';
import { addFindings } from '../../../src/pipeline/records.js';
import { suppressFinding } from '../../../src/pipeline/suppression.js';
import { createHttpServer } from '../../../src/server.js';
import { openStore } from '../../../src/store/index.js';
import { type BotConnectorFake, startBotConnectorFake } from '../../support/bot-connector-fake.js';
import { CHANNEL_ID, botAdded } from './activities.js';
import { TENANT_ID, sampleFinding } from './fixtures.js';

const NOW = new Date('2023-07-10T13:00:00.000Z');
const RULE = { accessKeyId: null, userName: 'ci-*', creatorArn: null, reason: 'CI keys', until: null };

let fake: BotConnectorFake;
let folder: string;
let store: Store;
let bot: TeamsBot;
let server: Server;

beforeAll(async () => {
  fake = await startBotConnectorFake();
  folder = await mkdtemp(join(tmpdir(), 'keyhunt-teams-suppress-'));
  store = await openStore({ path: join(folder, 'keyhunt.json'), logger: silentLogger(), now: () => NOW });
  bot = createTeamsBot({
    config: { appId: '', appPassword: '', tenantId: TENANT_ID, appType: 'MultiTenant', triagers: [] },
    store,
    logger: silentLogger(),
    clock: () => NOW,
    authentication: 'disabled-for-tests',
  });
  server = createHttpServer(bot.routes, silentLogger());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await bot.idle();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await store.close();
  await fake.close();
  await rm(folder, { recursive: true, force: true });
});

test('suppressed finding is not sent to Teams', async () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
  const added = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(botAdded({ serviceUrl: fake.url })),
  });
  expect(added.status).toBe(200);
  fake.reset();
  // A minute after the conversation was added, so both findings count as new for it.
  const storedAt = new Date(NOW.getTime() + 60_000);
  await store.update((data) => {
    const [ci] = addFindings(
      data,
      [
        sampleFinding({ id: 'kh-ci', userName: 'ci-deploy' }),
        sampleFinding({ id: 'kh-alice', accessKeyId: 'AKIAEXAMPLEKEY000002' }),
      ],
      storedAt,
    );
    suppressFinding(ci!, RULE, storedAt);
  });

  await bot.notifier.postPending();

  expect(fake.sentTo(CHANNEL_ID).map((sent) => sent.activity['summary'])).toEqual([
    'High: short-lived access key AKIAEXAMPLEKEY000002 of alice',
  ]);
  expect(Object.keys(store.read().findings['kh-alice']!.teams)).toEqual([CHANNEL_ID]);
  expect(store.read().findings['kh-ci']!.teams).toEqual({});
});
