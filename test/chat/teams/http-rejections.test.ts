/**
 * Requests that POST /api/messages rejects with authentication on: malformed activities get 400 and bad
 * tokens get 401, each with a rate-limited warning and nothing at error level. botbuilder itself writes a
 * failed token check to console.error, so the route must not let it see one.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, jest, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTeamsBot } from '../../../src/chat/teams/index.js';
import type { TeamsConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/log.js';
import type { Store } from '../../../src/pipeline/ports.js';
import { createHttpServer } from '../../../src/server.js';
import { openStore } from '../../../src/store/index.js';
import { botAdded } from './activities.js';
import { TENANT_ID, TRIAGER_AAD_ID } from './fixtures.js';
import { captureLogs } from './log-capture.js';

const CONFIG: TeamsConfig = {
  appId: '3b1e4f9a-0000-4000-8000-000000000abc',
  appPassword: 'not-a-real-secret',
  tenantId: TENANT_ID,
  appType: 'MultiTenant',
  triagers: [TRIAGER_AAD_ID],
};
/** A service URL nobody listens on: no request may get far enough to call it. */
const SERVICE_URL = 'http://127.0.0.1:9';
const WARN = 40;
const ERROR = 50;

let folder: string;
let store: Store;
let server: Server;
let url: string;
let botLogs: ReturnType<typeof captureLogs>;
let serverLogs: ReturnType<typeof captureLogs>;
let nowMs = Date.parse('2023-07-10T13:00:00.000Z');
const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'keyhunt-teams-auth-'));
  store = await openStore({ path: join(folder, 'keyhunt.json'), logger: silentLogger() });
  botLogs = captureLogs();
  serverLogs = captureLogs();
  const bot = createTeamsBot({ config: CONFIG, store, logger: botLogs.logger, clock: () => new Date(nowMs) });
  server = createHttpServer(bot.routes, serverLogs.logger);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
});

beforeEach(() => {
  // Each test starts a new interval of the rejection log, so its first rejection is written.
  nowMs += 120_000;
  consoleError.mockClear();
});

afterEach(() => {
  expect(consoleError).not.toHaveBeenCalled();
});

afterAll(async () => {
  consoleError.mockRestore();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await store.close();
  await rm(folder, { recursive: true, force: true });
});

async function post(body: string, authorization = 'Bearer garbage'): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body,
  });
  await response.text();
  return response.status;
}

function linesAtLeast(level: number): Array<Record<string, unknown>> {
  return [...botLogs.lines(), ...serverLogs.lines()].filter((line) => (line['level'] as number) >= level);
}

test('activity without type gets 400', async () => {
  const errorsBefore = linesAtLeast(ERROR).length;
  const warningsBefore = linesAtLeast(WARN).length;

  const status = await post('{}');

  expect(status).toBe(400);
  expect(linesAtLeast(ERROR).length).toBe(errorsBefore);
  expect(
    linesAtLeast(WARN)
      .slice(warningsBefore)
      .map((line) => line['msg']),
  ).toEqual(['Rejected a Teams request whose activity has no type']);
});

test('activity with numeric type gets 400', async () => {
  const errorsBefore = linesAtLeast(ERROR).length;

  const status = await post('{"type":5}');

  expect(status).toBe(400);
  expect(linesAtLeast(ERROR).length).toBe(errorsBefore);
});

test('activity with empty type gets 400', async () => {
  expect(await post('{"type":""}')).toBe(400);
});

test('garbage token gets 401 and one warning', async () => {
  const errorsBefore = linesAtLeast(ERROR).length;
  const warningsBefore = linesAtLeast(WARN).length;
  const activity = JSON.stringify(botAdded({ serviceUrl: SERVICE_URL }));

  const statuses = [await post(activity), await post(activity), await post(activity, 'garbage')];

  expect(statuses).toEqual([401, 401, 401]);
  expect(linesAtLeast(ERROR).length).toBe(errorsBefore);
  const warnings = linesAtLeast(WARN).slice(warningsBefore);
  expect(warnings.map((line) => line['msg'])).toEqual([
    'Rejected a Teams request whose token is invalid: Unauthorized. No valid identity.',
  ]);
  expect(warnings[0]!['status']).toBe(401);
  expect(store.read().teams.conversations).toEqual({});
});

test('token is never logged', async () => {
  await post(JSON.stringify(botAdded({ serviceUrl: SERVICE_URL })), 'Bearer secret-looking-token');

  expect(botLogs.text() + serverLogs.text()).not.toContain('secret-looking-token');
});
