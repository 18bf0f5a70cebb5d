import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/log.js';
import { openStore, StoreLockedError, type FileStore } from '../../src/store/index.js';
import { LEVEL_WARN, makeTempDir, recordingLogger } from './support.js';

const NOW = new Date('2025-03-10T12:00:00.000Z');

let dir: string;
let removeDir: () => Promise<void>;
let path: string;
let lockPath: string;
const openStores: FileStore[] = [];

beforeEach(async () => {
  ({ dir, remove: removeDir } = await makeTempDir());
  path = join(dir, 'keyhunt.json');
  lockPath = `${path}.lock`;
});

afterEach(async () => {
  for (const store of openStores.splice(0)) await store.close();
  await removeDir();
});

async function open(logger = silentLogger()): Promise<FileStore> {
  const store = await openStore({ path, logger, now: () => NOW });
  openStores.push(store);
  return store;
}

/** Starts a Node process that does nothing until killed, to stand for another keyhunt holding the lock. */
async function startIdleProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

function lockContent(pid: number): string {
  return JSON.stringify({
    pid,
    hostname: 'other-host',
    startedAt: '2025-03-09T08:00:00.000Z',
    token: 'other',
  });
}

describe('store lock', () => {
  it('writes the pid, host and start time', async () => {
    await open();

    const lock = JSON.parse(await readFile(lockPath, 'utf8')) as Record<string, unknown>;

    expect(lock['pid']).toBe(process.pid);
    expect(lock['hostname']).toBe(hostname());
    expect(lock['startedAt']).toBe('2025-03-10T12:00:00.000Z');
  });

  it('is refused while a live process holds it', async () => {
    const child = await startIdleProcess();
    try {
      await writeFile(lockPath, lockContent(child.pid!));

      const error: unknown = await open().catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(StoreLockedError);
      const locked = error as StoreLockedError;
      expect(locked.code).toBe('STORE_LOCKED');
      expect(locked.owner.pid).toBe(child.pid);
      expect(locked.message).toContain(path);
      expect(locked.message).toContain(`process ${child.pid!} on other-host`);
      expect(locked.message).toContain(`delete ${lockPath}`);
      expect(await readFile(lockPath, 'utf8')).toBe(lockContent(child.pid!));
    } finally {
      await stopProcess(child);
    }
  });

  it('is taken over once the holding process died', async () => {
    const child = await startIdleProcess();
    const deadPid = child.pid!;
    await stopProcess(child);
    await writeFile(lockPath, lockContent(deadPid));
    const { logger, lines } = recordingLogger();

    await open(logger);

    const lock = JSON.parse(await readFile(lockPath, 'utf8')) as Record<string, unknown>;
    expect(lock['pid']).toBe(process.pid);
    const warning = lines.find(
      (line) => line.level === LEVEL_WARN && line.msg === 'Taking over a stale store lock',
    );
    expect(warning?.['reason']).toBe(`process ${deadPid} is no longer running`);
  });

  it('is refused while the parent process holds it', async () => {
    await writeFile(lockPath, lockContent(process.ppid));

    await expect(open()).rejects.toThrow(StoreLockedError);
  });

  it('is taken over when an earlier run had this pid', async () => {
    await writeFile(lockPath, lockContent(process.pid));
    const { logger, lines } = recordingLogger();

    await open(logger);

    const warning = lines.find((line) => line.msg === 'Taking over a stale store lock');
    expect(warning?.['reason']).toBe(`it names this process's pid ${process.pid}, so an earlier run left it`);
  });

  it('is taken over when its content is unreadable', async () => {
    await writeFile(lockPath, '');
    const { logger, lines } = recordingLogger();

    await open(logger);

    const warning = lines.find((line) => line.msg === 'Taking over a stale store lock');
    expect(warning?.['reason']).toBe('the lock file is empty or unreadable');
  });

  it('rejects a second open in the same process', async () => {
    await open();

    const error: unknown = await open().catch((caught: unknown) => caught);

    expect((error as StoreLockedError).code).toBe('STORE_LOCKED');
    expect((error as StoreLockedError).message).toContain('this process already has it open');
  });

  it('is released on close so the store opens again', async () => {
    const first = await open();
    await first.close();
    openStores.splice(0);

    await expect(readFile(lockPath, 'utf8')).rejects.toThrow('ENOENT');
    await expect(open()).resolves.toBeDefined();
  });

  it('is kept at close when another process took it over', async () => {
    const store = await open();
    await writeFile(lockPath, lockContent(process.ppid));

    await store.close();
    openStores.splice(0);

    expect(await readFile(lockPath, 'utf8')).toBe(lockContent(process.ppid));
  });
});
