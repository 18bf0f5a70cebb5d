/**
 * Shutdown of the service in-process: a poll that is still reading when shutdown starts is abandoned and
 * cannot move the cursor, a poll that ends within the grace period is kept, a poll waiting in a retry backoff
 * is aborted at once, and a failed start releases the store lock. The CloudTrail source is an in-memory
 * KeyEventSource whose read can be held open, or the real LookupEvents source against the emulator.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startService, type RunningService } from '../../src/main.js';
import type { EventRead, KeyEventSource, KeyUseRead, StoreData } from '../../src/pipeline/ports.js';
import { gatedStore, ShutdownGate } from '../../src/serve/lifecycle.js';
import { createCloudTrailClient } from '../../src/sources/lookup-client.js';
import { LookupEventsSource } from '../../src/sources/lookup-events.js';
import { RateLimiter } from '../../src/sources/rate-limiter.js';
import { openStore } from '../../src/store/index.js';
import { CloudTrailEmulator } from '../support/cloudtrail-emulator.js';
import { createKeyRecord, deleteKeyRecord, iamUser } from '../support/records.js';

const MINUTE = 60_000;

/** A source that returns one create/delete pair, after `release()` when it was built held. */
class HeldSource implements KeyEventSource {
  reads = 0;
  #release: () => void = () => undefined;
  readonly #released: Promise<void>;

  constructor(held: boolean) {
    this.#released = held ? new Promise((resolve) => (this.#release = resolve)) : Promise.resolve();
  }

  release(): void {
    this.#release();
  }

  async readKeyEvents(): Promise<EventRead> {
    this.reads += 1;
    await this.#released;
    const alice = iamUser('alice');
    const created = new Date(Date.now() - 30 * MINUTE).toISOString();
    const deleted = new Date(Date.now() - 20 * MINUTE).toISOString();
    const events = [
      createKeyRecord({
        eventId: 'held-c',
        time: created,
        identity: alice,
        accessKeyId: 'AKIAHELDSOURCE000001',
      }),
      deleteKeyRecord({
        eventId: 'held-d',
        time: deleted,
        identity: alice,
        accessKeyId: 'AKIAHELDSOURCE000001',
      }),
    ].map((record) => ({
      eventId: String(record.eventID),
      eventName: String(record.eventName),
      eventTime: Date.parse(String(record.eventTime)),
      cloudTrailEvent: JSON.stringify(record),
    }));
    return { events, complete: true, failure: null, requests: 2, pages: 2, throttles: 0, retries: 0 };
  }

  async lookupKeyUses(): Promise<KeyUseRead> {
    return { uses: [], skipped: 0, failure: null, requests: 1, pages: 1, throttles: 0, retries: 0 };
  }
}

function readStoreFile(path: string): StoreData {
  return JSON.parse(readFileSync(path, 'utf8')) as StoreData;
}

async function waitUntil(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('service shutdown', () => {
  let folder: string;
  let storePath: string;
  let service: RunningService | null = null;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'keyhunt-shutdown-'));
    storePath = join(folder, 'keyhunt.json');
  });

  afterEach(async () => {
    await service?.stop('test cleanup');
    service = null;
    rmSync(folder, { recursive: true, force: true });
  });

  function start(
    source: KeyEventSource,
    env: Record<string, string> = {},
    pollGraceMs = 100,
  ): Promise<RunningService> {
    // A yearly schedule, so only the poll run at start happens during the test.
    const config = loadConfig({
      KEYHUNT_DB_PATH: storePath,
      PORT: '0',
      KEYHUNT_POLL_CRON: '0 0 1 1 *',
      ...env,
    });
    return startService({
      config,
      logger: silentLogger(),
      stdout: new PassThrough(),
      clock: () => new Date(),
      dryRun: true,
      host: '127.0.0.1',
      source,
      pollGraceMs,
      drainGraceMs: 100,
    });
  }

  test('abandoned poll leaves the cursor unset', async () => {
    const source = new HeldSource(true);
    service = await start(source);
    await waitUntil(() => source.reads === 1);

    await service.stop('test');
    source.release();
    // Let the abandoned poll reach its store update, which must be rejected.
    await new Promise((resolve) => setTimeout(resolve, 100));

    const data = readStoreFile(storePath);
    expect(data.poll.cursor).toBeNull();
    expect(data.findings).toEqual({});
    expect(existsSync(`${storePath}.lock`)).toBe(false);
  });

  test('poll ending within the grace period is kept', async () => {
    const source = new HeldSource(true);
    service = await start(source);
    await waitUntil(() => source.reads === 1);

    setTimeout(() => source.release(), 20);
    const stopping = service.stop('test');
    await stopping;

    const data = readStoreFile(storePath);
    expect(data.poll.cursor).not.toBeNull();
    expect(Object.keys(data.findings)).toHaveLength(1);
  });

  test('shutdown during a retry backoff is fast', async () => {
    const cursor = new Date(Date.now() - 10 * MINUTE).toISOString();
    const seeded = await openStore({ path: storePath, logger: silentLogger() });
    await seeded.update((data) => {
      data.poll.cursor = cursor;
    });
    await seeded.close();
    const emulator = await CloudTrailEmulator.start();
    const client = createCloudTrailClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: { accessKeyId: 'AKIDSHUTDOWNTEST', secretAccessKey: 'shutdown-test-secret' },
    });
    try {
      emulator.failNext(1, 'throttling');
      // About 30 s of backoff with the real timer, and the default 5 s grace, so only the abort ends it fast.
      const source = new LookupEventsSource({
        client,
        rateLimiter: new RateLimiter({ requestsPerSecond: 1000 }),
        logger: silentLogger(),
        retry: { baseDelayMs: 30_000, maxDelayMs: 30_000 },
        random: () => 0.99,
      });
      service = await start(source, {}, 5_000);
      await waitUntil(() => emulator.calls.length === 1);

      const stopStartedAt = performance.now();
      await service.stop('test');
      const stopMs = performance.now() - stopStartedAt;

      expect(stopMs).toBeLessThan(2_000);
      expect(emulator.calls).toHaveLength(1);
      const data = readStoreFile(storePath);
      expect(data.poll.cursor).toBe(cursor);
      expect(data.poll.seenEventIds).toEqual({});
      expect(data.poll.health.lastAttemptAt).toBeNull();
      expect(existsSync(`${storePath}.lock`)).toBe(false);
    } finally {
      client.destroy();
      await emulator.close();
    }
  });

  test('metrics follow the poll report', async () => {
    const source = new HeldSource(false);
    service = await start(source);
    await service.pollNow();
    const text = await service.metrics.render();
    expect(text).toMatch(/^keyhunt_lookup_events_requests_total [1-9]\d*$/m);
    expect(text).toContain('keyhunt_store_findings{state="open"} 1');
  });

  test('failed start releases the store lock', async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      await expect(start(new HeldSource(false), { PORT: String(port) })).rejects.toMatchObject({
        code: 'PORT_IN_USE',
      });
      expect(existsSync(`${storePath}.lock`)).toBe(false);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  test('second service on the same store is rejected', async () => {
    service = await start(new HeldSource(false));
    await expect(start(new HeldSource(false))).rejects.toMatchObject({ code: 'STORE_LOCKED' });
  });
});

describe('gatedStore', () => {
  test('rejects a queued update once the gate closes', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'keyhunt-gate-'));
    const store = await openStore({ path: join(folder, 'keyhunt.json'), logger: silentLogger() });
    try {
      const gate = new ShutdownGate();
      const gated = gatedStore(store, gate);
      const update = gated.update((data) => {
        data.poll.cursor = '2025-01-01T00:00:00.000Z';
      });
      gate.close();
      await expect(update).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
      expect(store.read().poll.cursor).toBeNull();
      await expect(store.update(() => 'ungated')).resolves.toBe('ungated');
    } finally {
      await store.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
