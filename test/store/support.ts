/** Helpers for the store tests: findings to store, temp folders, and a logger whose lines can be read. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Logger } from 'pino';
import type { ActorSummary, Finding } from '../../src/detect/types.js';

export function makeActor(userName: string | null, eventId: string): ActorSummary {
  return {
    arn: userName ? `arn:aws:iam::123456789012:user/${userName}` : 'arn:aws:iam::123456789012:root',
    principalId: 'AIDAEXAMPLE',
    type: userName ? 'IAMUser' : 'Root',
    userName,
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0',
    userAgentClass: 'cli',
    eventId,
  };
}

/** Builds a finding whose key was deleted `index` minutes after 2025-03-01T00:00:00Z. */
export function makeFinding(index: number, overrides: Partial<Finding> = {}): Finding {
  const createdMs = Date.UTC(2025, 2, 1) + index * 60_000 - 30_000;
  const deletedMs = createdMs + 30_000;
  const userName = overrides.userName === undefined ? `user-${index % 7}` : overrides.userName;
  const counts = { keysCreated: 1, keysDeleted: 1, failedCreates: 0, failedDeletes: 0 };
  return {
    id: `kh-${index.toString(16).padStart(10, '0')}`,
    accessKeyId: `AKIAEXAMPLE${index.toString().padStart(9, '0')}`,
    userName,
    accountId: '123456789012',
    region: 'us-east-1',
    createdAt: new Date(createdMs).toISOString(),
    deletedAt: new Date(deletedMs).toISOString(),
    lifetimeSeconds: 30,
    creator: makeActor('admin', `create-${index}`),
    deleter: makeActor('admin', `delete-${index}`),
    creatorIsDeleter: true,
    createdForAnotherUser: true,
    rootInvolved: false,
    userCounts: counts,
    creatorCounts: counts,
    deleterCounts: counts,
    usage: {
      available: false,
      count: 0,
      eventNames: [],
      sourceIPAddresses: [],
      firstUsedAt: null,
      lastUsedAt: null,
    },
    mitre: [{ id: 'T1098.001', name: 'Account Manipulation: Additional Cloud Credentials' }],
    severity: 'high',
    severityReasons: ['The key lived 30 seconds'],
    ...overrides,
  };
}

export async function makeTempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'keyhunt-store-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/**
 * Creates a debug-level logger that keeps every line as parsed JSON, and as written in `raw`, where a key
 * that JSON.parse would merge can still be seen twice.
 */
export function recordingLogger(): { logger: Logger; lines: LogLine[]; raw: string[] } {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const destination = {
    write(line: string): void {
      raw.push(line);
      lines.push(JSON.parse(line) as LogLine);
    },
  };
  return { logger: pino({ level: 'debug' }, destination), lines, raw };
}

/**
 * Returns the keys that occur more than once at the top level of one JSON object line, such as a pino line
 * whose child bindings and log fields both set `path`. JSON.parse keeps only the last of them.
 */
export function duplicateKeys(line: string): string[] {
  const seen = new Set<string>();
  const duplicates: string[] = [];
  let depth = 0;
  let index = 0;
  while (index < line.length) {
    const char = line[index];
    if (char === '"') {
      let end = index + 1;
      while (end < line.length && line[end] !== '"') end += line[end] === '\\' ? 2 : 1;
      let next = end + 1;
      while (line[next] === ' ') next += 1;
      if (depth === 1 && line[next] === ':') {
        const key = JSON.parse(line.slice(index, end + 1)) as string;
        if (seen.has(key)) duplicates.push(key);
        seen.add(key);
      }
      index = end + 1;
      continue;
    }
    if (char === '{' || char === '[') depth += 1;
    if (char === '}' || char === ']') depth -= 1;
    index += 1;
  }
  return duplicates;
}

export const LEVEL_WARN = 40;
export const LEVEL_ERROR = 50;
