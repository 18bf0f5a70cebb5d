/**
 * Compiles src/cli.ts (and what it imports) into a temporary folder and runs the compiled CLI as a child
 * process. The folder name is a hash of src/ and the tsconfig files, so parallel test files and later runs
 * on unchanged sources share one build. A lock folder makes other test files wait for a build in progress.
 */
import { spawn, execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
/** Build and lock waits get this long before the helper gives up. */
const BUILD_TIMEOUT_MS = 240_000;
/** A lock folder older than this is from a crashed run and is taken over. */
const STALE_LOCK_MS = 300_000;
/** Builds of earlier sources older than this are deleted when a new build is made. */
const OLD_BUILD_MS = 3_600_000;
const BUILD_PREFIX = 'keyhunt-cli-test-';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Returns the path of the compiled cli.js, compiling it first when no build of the current sources exists. */
export async function buildCli(): Promise<string> {
  const buildRoot = join(tmpdir(), `${BUILD_PREFIX}${await hashSources()}`);
  const cliPath = join(buildRoot, 'dist', 'cli.js');
  const lock = `${buildRoot}.lock`;
  const deadline = Date.now() + BUILD_TIMEOUT_MS;

  while (!existsSync(cliPath)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the CLI build in ${buildRoot}`);
    if (await tryLock(lock)) {
      try {
        if (!existsSync(cliPath)) {
          await compileInto(buildRoot);
          await removeOldBuilds(buildRoot);
        }
      } finally {
        await rm(lock, { recursive: true, force: true });
      }
    } else {
      await new Promise((done) => setTimeout(done, 500));
    }
  }
  return cliPath;
}

async function tryLock(lock: string): Promise<boolean> {
  try {
    await mkdir(lock);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const age = Date.now() - (await stat(lock)).mtimeMs;
    if (age > STALE_LOCK_MS) await rm(lock, { recursive: true, force: true });
    return false;
  }
}

/**
 * Compiles into `<root>.partial` and renames it into place, so a reader never sees half a build. The folder
 * mirrors the repository layout the CLI relies on: package.json and samples/ one level above dist/, and
 * node_modules for the dependencies.
 */
async function compileInto(buildRoot: string): Promise<void> {
  const partial = `${buildRoot}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  await writeFile(join(partial, 'package.json'), await readFile(join(REPO_ROOT, 'package.json')));
  await symlink(join(REPO_ROOT, 'node_modules'), join(partial, 'node_modules'));
  await symlink(join(REPO_ROOT, 'samples'), join(partial, 'samples'));
  const tsconfig = {
    extends: join(REPO_ROOT, 'tsconfig.build.json'),
    compilerOptions: { rootDir: join(REPO_ROOT, 'src'), outDir: join(partial, 'dist'), sourceMap: false },
    files: [join(REPO_ROOT, 'src', 'cli.ts')],
    include: [],
  };
  const tsconfigPath = join(partial, 'tsconfig.json');
  await writeFile(tsconfigPath, JSON.stringify(tsconfig));
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', tsconfigPath], { cwd: REPO_ROOT });
  } catch (error) {
    const output = (error as { stdout?: string }).stdout ?? '';
    throw new Error(`compiling src/cli.ts failed:\n${output}`, { cause: error });
  }
  await rename(partial, buildRoot);
}

async function removeOldBuilds(current: string): Promise<void> {
  for (const entry of await readdir(tmpdir())) {
    const path = join(tmpdir(), entry);
    if (!entry.startsWith(BUILD_PREFIX) || path === current || entry.endsWith('.lock')) continue;
    const age = Date.now() - (await stat(path)).mtimeMs;
    if (age > OLD_BUILD_MS) await rm(path, { recursive: true, force: true });
  }
}

async function hashSources(): Promise<string> {
  const hash = createHash('sha256');
  const files = [
    ...(await listFiles(join(REPO_ROOT, 'src'))),
    join(REPO_ROOT, 'tsconfig.json'),
    join(REPO_ROOT, 'tsconfig.build.json'),
    join(REPO_ROOT, 'package.json'),
  ];
  for (const file of files.sort()) {
    hash.update(file);
    hash.update(await readFile(file));
  }
  return hash.digest('hex').slice(0, 16);
}

async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** Runs the compiled CLI with `args` and collects its exit code and output. */
export function runCompiledCli(
  cliPath: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { PATH: process.env.PATH, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
