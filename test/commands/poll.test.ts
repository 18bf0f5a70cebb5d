import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';

import { Command } from 'commander';

import { registerPollCommand } from '../../src/commands/poll.js';
import type { PollCommandDeps } from '../../src/commands/poll.js';
import type { CommandContext } from '../../src/commands/context.js';
import { MINUTE_MS } from '../../src/detect/types.js';
import { silentLogger } from '../../src/log.js';
import type { Logger } from '../../src/log.js';
import type { Finding } from '../../src/detect/types.js';
import { createCloudTrailClient } from '../../src/sources/lookup-client.js';
import { openStore } from '../../src/store/index.js';
import { CloudTrailEmulator } from '../support/cloudtrail-emulator.js';
import { createKeyRecord, deleteKeyRecord, iamUser } from '../support/records.js';
import { recordingLogger } from '../support/slack-harness.js';

const T0 = Date.parse('2024-03-01T12:00:00Z');
const KEY_ID = 'AKIACOMMANDTEST00001';

let emulator: CloudTrailEmulator;
let dir: string;
let storePath: string;
let stdout: string;
let stderr: string;
/** Variables added to the command's environment by one test. */
let extraEnv: Record<string, string>;
let logger: Logger;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function context(): CommandContext {
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        append(chunk.toString());
        done();
      },
    });
  return {
    stdout: sink((text) => {
      stdout += text;
    }),
    stderr: sink((text) => {
      stderr += text;
    }),
    env: { KEYHUNT_DB_PATH: storePath, KEYHUNT_POLL_CRON: '*/5 * * * *', ...extraEnv },
    now: () => new Date(T0),
    logger: () => logger,
  };
}

function deps(overrides: Partial<PollCommandDeps> = {}): PollCommandDeps {
  return {
    createClient: () =>
      createCloudTrailClient({
        region: 'us-east-1',
        endpoint: emulator.endpoint,
        credentials: { accessKeyId: 'AKIDCOMMANDTEST', secretAccessKey: 'command-test-secret' },
      }),
    sourceOptions: { sleep: async () => undefined },
    cwd: () => dir,
    ...overrides,
  };
}

async function runCommand(args: string[], overrides: Partial<PollCommandDeps> = {}): Promise<void> {
  const program = new Command('keyhunt').exitOverride();
  registerPollCommand(program, context(), deps(overrides));
  await program.parseAsync(['node', 'keyhunt', 'poll', ...args]);
}

/**
 * Resolves once a finding line is on stdout. A scheduled poll is stopped then, because stopping on a count of
 * LookupEvents calls could abort the poll before it prints.
 */
function untilPrinted(): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (stdout.includes('\n')) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
}

async function readStored(): Promise<{ ids: string[]; cursor: string | null }> {
  const store = await openStore({ path: storePath, logger: silentLogger() });
  const data = store.read();
  const result = {
    ids: Object.values(data.findings).map((stored) => stored.finding.accessKeyId),
    cursor: data.poll.cursor,
  };
  await store.close();
  return result;
}

beforeEach(async () => {
  stdout = '';
  stderr = '';
  extraEnv = {};
  logger = silentLogger();
  dir = await mkdtemp(path.join(tmpdir(), 'keyhunt-poll-command-'));
  storePath = path.join(dir, 'keyhunt.json');
  emulator = await CloudTrailEmulator.start({ clock: () => T0 }, [
    createKeyRecord({
      accessKeyId: KEY_ID,
      time: iso(T0 - 9 * MINUTE_MS),
      eventId: 'cmd-create',
      identity: iamUser('admin'),
      userName: 'ci',
    }),
    deleteKeyRecord({
      accessKeyId: KEY_ID,
      time: iso(T0 - 4 * MINUTE_MS),
      eventId: 'cmd-delete',
      identity: iamUser('admin'),
      userName: 'ci',
    }),
  ]);
});

afterEach(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

describe('keyhunt poll', () => {
  it('stores and prints a finding with --once', async () => {
    await runCommand(['--once']);

    expect(stdout).toContain(KEY_ID);
    expect(stdout).toMatch(/5m/);
    expect(await readStored()).toEqual({ ids: [KEY_ID], cursor: '2024-03-01T12:00:00Z' });
  });

  it('writes nothing with --dry-run', async () => {
    await runCommand(['--once', '--dry-run', '--format', 'json']);
    const first = JSON.parse(stdout) as Finding[];
    stdout = '';
    await runCommand(['--once', '--dry-run', '--format', 'json']);
    const second = JSON.parse(stdout) as Finding[];

    expect(first.map((finding) => finding.accessKeyId)).toEqual([KEY_ID]);
    expect(second.map((finding) => finding.id)).toEqual(first.map((finding) => finding.id));
    expect(existsSync(storePath)).toBe(false);
  });

  it('dry run logs no stored finding', async () => {
    const recording = recordingLogger();
    logger = recording.logger;

    await runCommand(['--once', '--dry-run']);

    const messages = recording.lines.filter((line) => line.findingId !== undefined).map((line) => line.msg);
    expect(messages).toEqual(['Found a new finding (dry run: nothing is stored or posted)']);
  });

  it('dry-runs on a locked store', async () => {
    await runCommand(['--once']);
    const held = await openStore({ path: storePath, logger: silentLogger() });
    stdout = '';

    try {
      await runCommand(['--once', '--dry-run', '--format', 'json']);
    } finally {
      await held.close();
    }

    expect(JSON.parse(stdout)).toEqual([]);
  });

  it('rejects an invalid store in a dry run', async () => {
    await writeFile(storePath, '{"version": 1, "findings": ');

    await expect(runCommand(['--once', '--dry-run'])).rejects.toMatchObject({
      code: 'STORE_INVALID',
      exitCode: 1,
    });
  });

  it('fails with exit code 1 when the poll is incomplete', async () => {
    emulator.failNext(2, 'throttling');

    const run = runCommand(['--once'], {
      sourceOptions: { sleep: async () => undefined, retry: { maxAttempts: 2 } },
    });

    await expect(run).rejects.toMatchObject({ code: 'POLL_INCOMPLETE', exitCode: 1 });
    expect(stdout).toBe('');
    expect((await readStored()).cursor).toBeNull();
  });

  it('prints no empty result for an incomplete dry run', async () => {
    emulator.failNext(2, 'access-denied');

    const run = runCommand(['--once', '--dry-run', '--format', 'json'], {
      sourceOptions: { sleep: async () => undefined, retry: { maxAttempts: 2 } },
    });

    await expect(run).rejects.toMatchObject({ code: 'POLL_INCOMPLETE', exitCode: 1 });
    expect(stdout).toBe('');
  });

  it('polls on the schedule until stopped', async () => {
    await runCommand(['--format', 'json'], { waitForStop: untilPrinted });

    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect((JSON.parse(lines[0] ?? '{}') as Finding).accessKeyId).toBe(KEY_ID);
    expect((await readStored()).ids).toEqual([KEY_ID]);
  });

  it('stops a scheduled poll on a stop signal', async () => {
    emulator.failNext(100, 'internal-error');
    const firstFailure = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (emulator.calls.length >= 1) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    // A retry backoff of about 5 s a query with the real timer, so only the abort can end the poll quickly.
    const sourceOptions = {
      retry: { baseDelayMs: 5_000, maxDelayMs: 5_000, maxAttempts: 2 },
      random: () => 0.99,
    };

    const startedAt = Date.now();
    await runCommand(['--format', 'json'], { sourceOptions, waitForStop: () => firstFailure });

    expect(Date.now() - startedAt).toBeLessThan(3_000);
    expect(stdout).toBe('');
    expect((await readStored()).cursor).toBeNull();
  });
});

describe('keyhunt poll with suppression rules', () => {
  const OTHER_KEY_ID = 'AKIACOMMANDTEST00002';

  beforeEach(async () => {
    await writeFile(
      path.join(dir, 'rules.yaml'),
      'suppress:\n  - userName: ci\n    reason: CI rotates its keys\n',
    );
    extraEnv = { KEYHUNT_CONFIG: 'rules.yaml' };
    emulator.addRecords([
      createKeyRecord({
        accessKeyId: OTHER_KEY_ID,
        time: iso(T0 - 8 * MINUTE_MS),
        eventId: 'cmd-create-2',
        identity: iamUser('admin'),
        userName: 'bob',
      }),
      deleteKeyRecord({
        accessKeyId: OTHER_KEY_ID,
        time: iso(T0 - 3 * MINUTE_MS),
        eventId: 'cmd-delete-2',
        identity: iamUser('admin'),
        userName: 'bob',
      }),
    ]);
  });

  it('leaves suppressed findings out of json', async () => {
    await runCommand(['--once', '--format', 'json']);

    const printed = JSON.parse(stdout) as Finding[];
    expect(printed.map((finding) => finding.accessKeyId)).toEqual([OTHER_KEY_ID]);
  });

  it('leaves suppressed findings out of the table', async () => {
    await runCommand(['--once']);

    expect(stdout).toContain(OTHER_KEY_ID);
    expect(stdout).not.toContain(KEY_ID);
  });

  it('counts suppressed findings on stderr', async () => {
    await runCommand(['--once', '--dry-run']);

    expect(stderr).toBe(
      'keyhunt: 1 new finding matched a suppression rule of KEYHUNT_CONFIG and is not shown.\n',
    );
  });

  it('prints ndjson with --once', async () => {
    await runCommand(['--once', '--format', 'ndjson']);

    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect((JSON.parse(lines[0] ?? '{}') as Finding).accessKeyId).toBe(OTHER_KEY_ID);
  });

  it('prints ndjson on a schedule', async () => {
    await runCommand(['--format', 'ndjson'], { waitForStop: untilPrinted });

    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect((JSON.parse(lines[0] ?? '{}') as Finding).accessKeyId).toBe(OTHER_KEY_ID);
  });
});
