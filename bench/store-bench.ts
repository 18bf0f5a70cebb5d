/**
 * Measures the cost of one triage write (applyTriage through the file store) at 10,000 and 100,000 stored
 * findings: per-write latency (p50/p95), a burst of concurrent writes, open time and file size.
 *
 *   npx tsc -p tsconfig.bench.json && node build/bench/bench/store-bench.js
 *
 * It writes only to a temp folder under the OS temp dir and removes it afterwards.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ActorSummary, Finding } from '../src/detect/types.js';
import { silentLogger } from '../src/log.js';
import {
  emptyStoreData,
  type StoreData,
  type StoredFinding,
  type TriageActor,
} from '../src/pipeline/ports.js';
import { applyTriage } from '../src/pipeline/triage.js';
import { openStore } from '../src/store/index.js';

const STORE_SIZES = [10_000, 100_000];
/** Sequential triage writes timed per store size; fewer at 100,000 because each takes much longer. */
const SEQUENTIAL_WRITES: Record<number, number> = { 10_000: 100, 100_000: 30 };
const BURST_WRITES = 20;
const NOW = new Date('2025-06-01T12:00:00.000Z');
const ACTOR: TriageActor = { platform: 'slack', id: 'U0BENCH', name: 'Bench' };

function actor(userName: string, eventId: string): ActorSummary {
  return {
    arn: `arn:aws:iam::123456789012:user/${userName}`,
    principalId: 'AIDAEXAMPLEPRINCIPAL',
    type: 'IAMUser',
    userName,
    sourceIPAddress: '198.51.100.7',
    userAgent:
      'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2023 prompt/off command/iam.create-access-key',
    userAgentClass: 'cli',
    eventId,
  };
}

/** Builds a stored finding with realistic field sizes, a Slack post, one Teams post and, for half, a history. */
function storedFinding(index: number): StoredFinding {
  const deletedMs = NOW.getTime() - 30 * 86_400_000 + index * 1_000;
  const counts = { keysCreated: 2, keysDeleted: 2, failedCreates: 0, failedDeletes: 1 };
  const finding: Finding = {
    id: `kh-${index.toString(16).padStart(10, '0')}`,
    accessKeyId: `AKIA${index.toString().padStart(16, '0')}`,
    userName: `user-${index % 500}`,
    accountId: '123456789012',
    region: 'us-east-1',
    createdAt: new Date(deletedMs - 240_000).toISOString(),
    deletedAt: new Date(deletedMs).toISOString(),
    lifetimeSeconds: 240,
    creator: actor('admin', `11111111-2222-3333-4444-${index.toString().padStart(12, '0')}`),
    deleter: actor('admin', `55555555-6666-7777-8888-${index.toString().padStart(12, '0')}`),
    creatorIsDeleter: true,
    createdForAnotherUser: true,
    rootInvolved: false,
    userCounts: counts,
    creatorCounts: counts,
    deleterCounts: counts,
    usage: {
      available: true,
      count: 3,
      eventNames: ['GetCallerIdentity', 'ListBuckets'],
      sourceIPAddresses: ['203.0.113.9'],
      firstUsedAt: new Date(deletedMs - 200_000).toISOString(),
      lastUsedAt: new Date(deletedMs - 100_000).toISOString(),
    },
    mitre: [{ id: 'T1098.001', name: 'Account Manipulation: Additional Cloud Credentials' }],
    severity: 'high',
    severityReasons: ['Created for another user', 'Used from an address not seen before'],
  };
  const at = new Date(deletedMs + 600_000).toISOString();
  const resolved = index % 2 === 0;
  return {
    finding,
    state: resolved ? 'resolved' : 'open',
    resolution: resolved ? 'expected' : null,
    history: resolved
      ? [{ action: 'resolve', from: 'open', to: 'resolved', resolution: 'expected', actor: ACTOR, at }]
      : [],
    storedAt: at,
    updatedAt: at,
    slack: { channel: 'C0123456789', ts: `${Math.floor(deletedMs / 1000)}.000100`, postedAt: at },
    teams: {
      '19:abcdef@thread.tacv2': {
        conversationId: '19:abcdef@thread.tacv2',
        activityId: `1:${index}`,
        postedAt: at,
      },
    },
  };
}

function buildData(size: number): StoreData {
  const data = emptyStoreData();
  for (let index = 0; index < size; index += 1) {
    const stored = storedFinding(index);
    data.findings[stored.finding.id] = stored;
  }
  return data;
}

function percentile(sortedMs: number[], fraction: number): number {
  const index = Math.min(sortedMs.length - 1, Math.ceil(fraction * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)]!;
}

function timeMs(run: () => unknown): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

async function benchSize(size: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'keyhunt-bench-'));
  const path = join(dir, 'keyhunt.json');
  try {
    const data = buildData(size);
    const compactMs = timeMs(() => JSON.stringify(data));
    const indentedMs = timeMs(() => JSON.stringify(data, null, 2));
    const indentedBytes = Buffer.byteLength(JSON.stringify(data, null, 2));
    await writeFile(path, JSON.stringify(data));

    const openStart = performance.now();
    const store = await openStore({ path, logger: silentLogger(), now: () => NOW });
    const openMs = performance.now() - openStart;
    const openIds = Object.keys(store.read().findings).filter(
      (id) => store.read().findings[id]!.state === 'open',
    );

    const writeCount = SEQUENTIAL_WRITES[size] ?? 30;
    const latencies: number[] = [];
    for (const findingId of openIds.slice(0, writeCount)) {
      const start = performance.now();
      const outcome = await applyTriage(store, { findingId, action: 'acknowledge', actor: ACTOR, now: NOW });
      latencies.push(performance.now() - start);
      if (outcome.kind !== 'changed') throw new Error(`Triage of ${findingId} returned ${outcome.kind}`);
    }
    latencies.sort((a, b) => a - b);

    const burstIds = openIds.slice(writeCount, writeCount + BURST_WRITES);
    const burstStart = performance.now();
    await Promise.all(
      burstIds.map((findingId) =>
        applyTriage(store, { findingId, action: 'escalate', actor: ACTOR, now: NOW }),
      ),
    );
    const burstMs = performance.now() - burstStart;

    await store.close();
    const fileBytes = (await stat(path)).size;
    const row = [
      size.toLocaleString('en-US'),
      `${(fileBytes / 1e6).toFixed(1)} MB`,
      `${percentile(latencies, 0.5).toFixed(1)} ms`,
      `${percentile(latencies, 0.95).toFixed(1)} ms`,
      `${latencies.length}`,
      `${burstMs.toFixed(0)} ms`,
      `${openMs.toFixed(0)} ms`,
      `${compactMs.toFixed(1)} ms`,
      `${indentedMs.toFixed(1)} ms, ${(indentedBytes / 1e6).toFixed(1)} MB`,
      `${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`,
    ];
    process.stdout.write(`| ${row.join(' | ')} |\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  process.stdout.write(
    `Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown model'})\n\n`,
  );
  process.stdout.write(
    '| findings | file size | triage write p50 | p95 | writes | burst of 20 concurrent | open | stringify | ' +
      'stringify indented | rss |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n',
  );
  for (const size of STORE_SIZES) await benchSize(size);
}

await main();
