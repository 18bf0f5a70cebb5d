/**
 * Compiles src/ once with tsconfig.build.json into a temporary folder laid out like the repository (dist/,
 * package.json, node_modules and samples), so tests can run `node dist/cli.js` as a child process. The folder
 * is keyed by a hash of the sources, so test files running in parallel or later reuse one build.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

function listFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

function hashSources(): string {
  const hash = createHash('sha256');
  const files = [
    ...listFiles(join(REPO_ROOT, 'src')),
    join(REPO_ROOT, 'tsconfig.json'),
    join(REPO_ROOT, 'tsconfig.build.json'),
    join(REPO_ROOT, 'package.json'),
  ];
  for (const file of files)
    hash.update(relative(REPO_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** Builds (or reuses) the compiled CLI and returns the folder that contains dist/cli.js. */
export async function buildOnce(): Promise<string> {
  const root = join(tmpdir(), `keyhunt-build-${hashSources()}`);
  if (existsSync(join(root, 'dist', 'cli.js'))) return root;

  const staging = `${root}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await promisify(execFile)(process.execPath, [
      tsc,
      '-p',
      join(REPO_ROOT, 'tsconfig.build.json'),
      '--outDir',
      join(staging, 'dist'),
    ]);
  } catch (error) {
    // Type errors still emit JavaScript; the build is usable as long as the entry point was written.
    if (!existsSync(join(staging, 'dist', 'cli.js'))) throw error;
  }
  writeFileSync(join(staging, 'package.json'), readFileSync(join(REPO_ROOT, 'package.json')));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(staging, 'node_modules'));
  symlinkSync(join(REPO_ROOT, 'samples'), join(staging, 'samples'));
  try {
    renameSync(staging, root);
  } catch (error) {
    // Another test file finished the same build first.
    if (!existsSync(join(root, 'dist', 'cli.js'))) throw error;
    rmSync(staging, { recursive: true, force: true });
  }
  return root;
}
