/**
 * Finding ids reach the Teams notifier from chat clicks, so its lookups count own properties only: an id
 * such as `constructor` or `__proto__` finds nothing instead of a member of Object.prototype. The store is a
 * real file, and the channel records calls instead of sending them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TeamsNotifier } from '../../../src/chat/teams/notifier.js';
import type { ProactiveChannel } from '../../../src/chat/teams/delivery.js';
import { openStore, type FileStore } from '../../../src/store/index.js';
import { silentLogger } from '../../../src/log.js';
import { recordingLogger } from '../../support/slack-harness.js';

const NOW = new Date('2023-07-10T13:00:00.000Z');

let folder: string;
let store: FileStore;
let calls: string[];

const channel: ProactiveChannel = {
  sendCard: async () => {
    calls.push('sendCard');
    return 'activity-1';
  },
  updateCard: async () => {
    calls.push('updateCard');
  },
};

beforeEach(async () => {
  calls = [];
  folder = await mkdtemp(join(tmpdir(), 'keyhunt-teams-lookup-'));
  store = await openStore({ path: join(folder, 'keyhunt.json'), logger: silentLogger(), now: () => NOW });
});

afterEach(async () => {
  await store.close();
  await rm(folder, { recursive: true, force: true });
});

test.each(['constructor', '__proto__', 'toString'])('refresh of %s finds nothing', async (id) => {
  const { logger, lines } = recordingLogger();
  const notifier = new TeamsNotifier({ store, channel, logger, clock: () => NOW });

  await notifier.refresh(id);

  expect(lines.map((line) => [line.findingId, line.msg])).toEqual([
    [id, 'Cannot update the Teams cards of a finding that is not stored'],
  ]);
  expect(calls).toEqual([]);
});
