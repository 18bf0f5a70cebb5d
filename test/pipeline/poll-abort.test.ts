/**
 * Aborting runPoll: the real LookupEvents source with real timers against the CloudTrail emulator, and a real
 * store file. A poll whose reads the abort cut short must end at once and leave the store as it was, so the
 * next poll finds every pair exactly once.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';

import { DAY_MS, MINUTE_MS } from '../../src/detect/types.js';
import { silentLogger } from '../../src/log.js';
import { runPoll } from '../../src/pipeline/poll.js';
import type { FindingNotifier, KeyEventSource, Store } from '../../src/pipeline/ports.js';
import { createCloudTrailClient } from '../../src/sources/lookup-client.js';
import { LookupEventsSource } from '../../src/sources/lookup-events.js';
import { RateLimiter } from '../../src/sources/rate-limiter.js';
import { openStore } from '../../src/store/index.js';
import { CloudTrailEmulator } from '../support/cloudtrail-emulator.js';
import { createKeyRecord, deleteKeyRecord, iamUser } from '../support/records.js';

const T0 = Date.parse('2024-03-01T12:00:00Z');
const PROMPT_MS = 1_000;
const KEY = 'AKIAABORTPOLL0000001';

let emulator: CloudTrailEmulator;
let client: CloudTrailClient;
let dir: string;
let storePath: string;
let store: Store;
let notified: number;

const countingNotifier: FindingNotifier = {
  platform: 'slack',
  postPending: async () => {
    notified += 1;
  },
  refresh: async () => undefined,
};

function createSource(): LookupEventsSource {
  return new LookupEventsSource({
    client,
    rateLimiter: new RateLimiter({ requestsPerSecond: 1000 }),
    logger: silentLogger(),
    // Backoff of about 30 s with the real timer, so only the abort can end it quickly.
    retry: { baseDelayMs: 30_000, maxDelayMs: 30_000, maxAttempts: 3 },
    random: () => 0.99,
  });
}

function poll(nowMs: number, signal?: AbortSignal, source: KeyEventSource = createSource()) {
  const options = { thresholdMs: DAY_MS, deliveryLagMs: 20 * MINUTE_MS, region: 'us-east-1' };
  const deps = { store, source, logger: silentLogger(), options, notifiers: [countingNotifier] };
  return runPoll(deps, new Date(nowMs), signal);
}

async function waitUntil(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeEach(async () => {
  notified = 0;
  const identity = iamUser('admin');
  emulator = await CloudTrailEmulator.start({ clock: () => T0 }, [
    createKeyRecord({
      accessKeyId: KEY,
      time: new Date(T0 - 9 * MINUTE_MS).toISOString(),
      eventId: 'c-1',
      identity,
    }),
    deleteKeyRecord({
      accessKeyId: KEY,
      time: new Date(T0 - 7 * MINUTE_MS).toISOString(),
      eventId: 'd-1',
      identity,
    }),
  ]);
  client = createCloudTrailClient({
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: 'AKIDPOLLABORT', secretAccessKey: 'poll-abort-secret' },
  });
  dir = await mkdtemp(path.join(tmpdir(), 'keyhunt-poll-abort-'));
  storePath = path.join(dir, 'keyhunt.json');
  store = await openStore({ path: storePath, logger: silentLogger() });
});

afterEach(async () => {
  await store.close();
  client.destroy();
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

describe('runPoll with an AbortSignal', () => {
  it('ends at once during a read backoff', async () => {
    emulator.failNext(1, 'throttling');
    const fileBefore = readFileSync(storePath, 'utf8');
    const controller = new AbortController();
    const polling = poll(T0, controller.signal);
    await waitUntil(() => emulator.calls.length === 1);

    const abortedAt = performance.now();
    controller.abort();
    const report = await polling;

    expect(performance.now() - abortedAt).toBeLessThan(PROMPT_MS);
    expect(report.aborted).toBe(true);
    expect(report.outcome).toBe('incomplete');
    expect(report.failure?.code).toBe('POLL_ABORTED');
    expect(report.findings).toEqual([]);
    expect(readFileSync(storePath, 'utf8')).toBe(fileBefore);
    expect(notified).toBe(0);
  });

  it('stores nothing when enrichment is cut short', async () => {
    // The two event name queries succeed; the key use lookup fails and waits in its backoff.
    emulator.failNext(1, 'internal-error', 2);
    const controller = new AbortController();
    const polling = poll(T0, controller.signal);
    await waitUntil(() => emulator.calls.length === 3);

    controller.abort();
    const report = await polling;

    expect(report.aborted).toBe(true);
    expect(report.newKeyEvents).toBe(2);
    const data = store.read();
    expect(data.findings).toEqual({});
    expect(data.poll.cursor).toBeNull();
    expect(data.poll.seenEventIds).toEqual({});
    expect(data.poll.health.lastAttemptAt).toBeNull();
  });

  it('next poll finds the pair once', async () => {
    emulator.failNext(1, 'internal-error', 2);
    const controller = new AbortController();
    const polling = poll(T0, controller.signal);
    await waitUntil(() => emulator.calls.length === 3);
    controller.abort();
    await polling;

    const report = await poll(T0 + MINUTE_MS);

    expect(report.aborted).toBe(false);
    expect(report.findings.map((stored) => stored.finding.accessKeyId)).toEqual([KEY]);
    expect(report.findings[0]?.finding.usage.available).toBe(true);
    expect(Object.keys(store.read().findings)).toHaveLength(1);
    expect(notified).toBe(1);
  });

  it('keeps a poll whose reads finished', async () => {
    const controller = new AbortController();
    const inner = createSource();
    // Aborts after the last read, as a shutdown that starts while the poll writes its results.
    const source: KeyEventSource = {
      readKeyEvents: (fromMs, toMs, signal) => inner.readKeyEvents(fromMs, toMs, signal),
      lookupKeyUses: async (accessKeyId, fromMs, toMs, signal) => {
        const read = await inner.lookupKeyUses(accessKeyId, fromMs, toMs, signal);
        controller.abort();
        return read;
      },
    };

    const report = await poll(T0, controller.signal, source);

    expect(report.aborted).toBe(false);
    expect(report.outcome).toBe('complete');
    expect(report.findings.map((stored) => stored.finding.accessKeyId)).toEqual([KEY]);
    expect(store.read().poll.cursor).toBe('2024-03-01T12:00:00Z');
    expect(notified).toBe(0);
  });

  it('stores nothing with a signal aborted before it starts', async () => {
    const report = await poll(T0, AbortSignal.abort());

    expect(report.aborted).toBe(true);
    expect(report.requests).toBe(0);
    expect(emulator.calls).toEqual([]);
    expect(store.read().poll.health.lastAttemptAt).toBeNull();
  });
});
