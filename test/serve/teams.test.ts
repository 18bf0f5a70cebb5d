/**
 * `startService` with Teams settings: the Teams route is mounted on the shared server and rejects requests
 * without a Bot Framework token, and /readyz lists the Teams check. Nothing is sent to Microsoft.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startService, type RunningService } from '../../src/main.js';
import type { EventRead, KeyEventSource, KeyUseRead } from '../../src/pipeline/ports.js';

/** A CloudTrail source with no events. */
const emptySource: KeyEventSource = {
  readKeyEvents: async (): Promise<EventRead> => ({
    events: [],
    complete: true,
    failure: null,
    requests: 2,
    pages: 2,
    throttles: 0,
    retries: 0,
  }),
  lookupKeyUses: async (): Promise<KeyUseRead> => ({
    uses: [],
    skipped: 0,
    failure: null,
    requests: 1,
    pages: 1,
    throttles: 0,
    retries: 0,
  }),
};

describe('serve with Teams', () => {
  let folder: string;
  let service: RunningService;
  let base: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'keyhunt-serve-teams-'));
    const config = loadConfig({
      KEYHUNT_DB_PATH: join(folder, 'keyhunt.json'),
      PORT: '0',
      KEYHUNT_POLL_CRON: '0 0 1 1 *',
      MicrosoftAppId: '11111111-2222-3333-4444-555555555555',
      MicrosoftAppPassword: 'teams-client-secret',
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: '66666666-7777-8888-9999-000000000000',
    });
    service = await startService({
      config,
      logger: silentLogger(),
      stdout: new PassThrough(),
      clock: () => new Date(),
      dryRun: false,
      host: '127.0.0.1',
      source: emptySource,
    });
    base = `http://127.0.0.1:${service.port}`;
  });

  afterAll(async () => {
    await service.stop('test end');
    rmSync(folder, { recursive: true, force: true });
  });

  test('messages route rejects a request without a token', async () => {
    const response = await fetch(`${base}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'hello' }),
    });
    expect(response.status).toBe(401);
  });

  test('Slack route is not mounted', async () => {
    const response = await fetch(`${base}/slack/events`, { method: 'POST', body: '' });
    expect(response.status).toBe(404);
  });

  test('readyz lists the Teams check', async () => {
    await service.pollNow();
    const response = await fetch(`${base}/readyz`);
    const body = (await response.json()) as { checks: Array<{ name: string; ok: boolean; detail: string }> };
    expect(response.status).toBe(200);
    expect(body.checks.map((check) => check.name)).toEqual(['store', 'poll', 'teams']);
    expect(body.checks[2]).toEqual({ name: 'teams', ok: true, detail: 'nothing posted since start' });
  });
});
