import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import {
  chatCheck,
  createHealthRoutes,
  pollMaxAgeMs,
  pollRecencyCheck,
  runChecks,
  storeOpenCheck,
  type ReadinessCheck,
} from '../../src/health.js';
import { emptyStoreData, type PollHealth } from '../../src/pipeline/ports.js';
import { createHttpServer } from '../../src/server.js';
import { silentLogger } from '../../src/log.js';
import type { PostStatus } from '../../src/metrics.js';

const MINUTE = 60_000;
const NOW = new Date('2025-03-01T12:00:00Z');

function health(overrides: Partial<PollHealth> = {}): PollHealth {
  return { ...emptyStoreData().poll.health, ...overrides };
}

function minutesAgo(minutes: number): Date {
  return new Date(NOW.getTime() - minutes * MINUTE);
}

describe('pollRecencyCheck', () => {
  const check = (pollHealth: PollHealth, startedAt: Date) =>
    pollRecencyCheck({
      readHealth: () => pollHealth,
      startedAt,
      maxAgeMs: 15 * MINUTE,
      now: () => NOW,
    }).run();

  test('recent complete poll passes', async () => {
    const result = await check(health({ lastSuccessAt: minutesAgo(5).toISOString() }), minutesAgo(60));
    expect(result).toEqual({ ok: true, detail: 'the last complete poll was at 2025-03-01T11:55:00.000Z' });
  });

  test('old poll fails with the last error', async () => {
    const pollHealth = health({
      lastSuccessAt: minutesAgo(16).toISOString(),
      lastError: 'ThrottlingException: Rate exceeded',
    });
    const result = await check(pollHealth, minutesAgo(60));
    expect(result.ok).toBe(false);
    expect(result.detail).toBe(
      'the last complete poll was at 2025-03-01T11:44:00.000Z, more than 15m ago. The last error: ThrottlingException: Rate exceeded',
    );
  });

  test('no poll yet shortly after start passes', async () => {
    const result = await check(health(), minutesAgo(2));
    expect(result.ok).toBe(true);
  });

  test('no poll long after start fails', async () => {
    const result = await check(health(), minutesAgo(20));
    expect(result).toEqual({ ok: false, detail: 'no poll has completed, more than 15m ago.' });
  });
});

describe('chatCheck', () => {
  test('last post failed', async () => {
    const lastPost: PostStatus = { ok: false, at: minutesAgo(1) };
    const result = await chatCheck({ platform: 'slack', lastPost: () => lastPost, now: () => NOW }).run();
    expect(result).toEqual({
      ok: false,
      detail: 'the last post to slack failed at 2025-03-01T11:59:00.000Z',
    });
  });

  test('nothing posted and no probe', async () => {
    const result = await chatCheck({ platform: 'teams', lastPost: () => null, now: () => NOW }).run();
    expect(result).toEqual({ ok: true, detail: 'nothing posted since start' });
  });

  test('failing probe', async () => {
    const probe = async () => {
      throw new Error('invalid_auth');
    };
    const result = await chatCheck({ platform: 'slack', lastPost: () => null, probe, now: () => NOW }).run();
    expect(result).toEqual({ ok: false, detail: 'slack is not reachable: invalid_auth' });
  });

  test('probe result is cached', async () => {
    let calls = 0;
    let now = NOW;
    const probe = async () => {
      calls += 1;
    };
    const check = chatCheck({
      platform: 'slack',
      lastPost: () => null,
      probe,
      probeCacheMs: MINUTE,
      now: () => now,
    });
    await check.run();
    await check.run();
    expect(calls).toBe(1);
    now = new Date(NOW.getTime() + MINUTE);
    await check.run();
    expect(calls).toBe(2);
  });
});

describe('runChecks', () => {
  test('lists failing checks', async () => {
    const report = await runChecks([storeOpenCheck(() => false), storeOpenCheck(() => true)]);
    expect(report.ready).toBe(false);
    expect(report.failing).toEqual(['store']);
  });

  test('throwing check fails', async () => {
    const throwing: ReadinessCheck = {
      name: 'broken',
      run: () => {
        throw new Error('boom');
      },
    };
    const report = await runChecks([throwing]);
    expect(report.checks).toEqual([{ name: 'broken', ok: false, detail: 'the check failed: boom' }]);
  });

  test('hung check times out', async () => {
    const hung: ReadinessCheck = { name: 'hung', run: () => new Promise(() => undefined) };
    const report = await runChecks([hung], 20);
    expect(report.checks).toEqual([{ name: 'hung', ok: false, detail: 'the check timed out after 20 ms' }]);
  });
});

describe('pollMaxAgeMs', () => {
  test.each([
    ['*/5 * * * *', 15 * MINUTE],
    ['* * * * * *', 15 * MINUTE],
    ['*/10 * * * *', 30 * MINUTE],
    ['0 * * * *', 180 * MINUTE],
  ])('%s allows %d ms', (cron, expected) => {
    expect(pollMaxAgeMs(cron, 'UTC')).toBe(expected);
  });
});

describe('health routes', () => {
  let server: Server;
  let base: string;
  let storeOpen = true;

  beforeAll(async () => {
    const checks = [
      storeOpenCheck(() => storeOpen),
      chatCheck({ platform: 'slack', lastPost: () => null, now: () => NOW }),
    ];
    server = createHttpServer(createHealthRoutes(checks), silentLogger());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  });

  test('healthz returns 200', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  test('readyz returns 200 when every check passes', async () => {
    storeOpen = true;
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { failing: string[] }).failing).toEqual([]);
  });

  test('readyz returns 503 listing failing checks', async () => {
    storeOpen = false;
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      ready: false,
      failing: ['store'],
      checks: [
        { name: 'store', ok: false, detail: 'the store is closed' },
        { name: 'slack', ok: true, detail: 'nothing posted since start' },
      ],
    });
  });
});
