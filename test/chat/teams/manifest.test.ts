/**
 * The Teams app package: manifest.json against Microsoft's published schema, the icons Teams requires, the
 * script that draws them, and the script that zips the package.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import AjvModule from 'ajv-draft-04';
import JSZip from 'jszip';
import { COMMAND_USAGES, SHARE_MODIFIER } from '../../../src/pipeline/query.js';
import { decodePng } from './png.js';

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const MANIFEST_FOLDER = join(ROOT, 'manifests/teams');
const SCHEMA_PATH = resolve(ROOT, '../shared/schemas/teams-app-manifest.schema.json');
const PLACEHOLDER_APP_ID = '00000000-0000-0000-0000-000000000000';
const APP_ID = '3b1e4f9a-0c1d-4e2f-8a3b-4c5d6e7f8a9b';

type Manifest = Record<string, unknown> & {
  id: string;
  accentColor: string;
  icons: { color: string; outline: string };
  bots: Array<{
    botId: string;
    scopes: string[];
    commandLists: Array<{ commands: Array<{ title: string }> }>;
  }>;
  validDomains: string[];
};

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'keyhunt-teams-package-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function readManifest(): Promise<Manifest> {
  return JSON.parse(await readFile(join(MANIFEST_FOLDER, 'manifest.json'), 'utf8')) as Manifest;
}

async function schemaErrors(manifest: unknown): Promise<unknown[]> {
  const Ajv = AjvModule.default ?? AjvModule;
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false });
  ajv.addFormat('uri', (value: string) => URL.canParse(value));
  const validate = ajv.compile(JSON.parse(await readFile(SCHEMA_PATH, 'utf8')) as object);
  return validate(manifest) ? [] : (validate.errors ?? []);
}

function runNode(args: string[], env: NodeJS.ProcessEnv = {}) {
  return run(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH, ...env } });
}

const hasSchema = existsSync(SCHEMA_PATH);
const schemaTest = hasSchema ? test : test.skip;
if (!hasSchema) console.warn(`Skipping the Teams manifest schema checks: ${SCHEMA_PATH} is missing.`);

schemaTest('manifest is valid against the Teams schema', async () => {
  const manifest = await readManifest();

  expect(await schemaErrors(manifest)).toEqual([]);
  expect(manifest['manifestVersion']).toBe('1.29');
});

schemaTest('schema check rejects an older manifest version', async () => {
  const manifest = { ...(await readManifest()), manifestVersion: '1.28' };

  expect(await schemaErrors(manifest)).toContainEqual(
    expect.objectContaining({ instancePath: '/manifestVersion' }),
  );
});

test('manifest declares the bot in every scope with placeholders', async () => {
  const manifest = await readManifest();
  const bot = manifest.bots[0]!;

  expect([...bot.scopes].sort()).toEqual(['groupChat', 'personal', 'team']);
  expect(manifest.id).toBe(PLACEHOLDER_APP_ID);
  expect(bot.botId).toBe(PLACEHOLDER_APP_ID);
  expect(manifest.validDomains).toEqual(['keyhunt.example.com']);
});

test('manifest commands match the command parser', async () => {
  const titles = (await readManifest()).bots[0]!.commandLists[0]!.commands.map((command) => command.title);
  const usages = COMMAND_USAGES.map((command) => command.usage).filter(
    (usage) => !usage.endsWith(SHARE_MODIFIER),
  );

  expect(titles).toHaveLength(usages.length);
  titles.forEach((title, index) => expect(usages[index]!.startsWith(title)).toBe(true));
});

test('color icon is 192x192, opaque, on the accent color', async () => {
  const manifest = await readManifest();
  const icon = decodePng(await readFile(join(MANIFEST_FOLDER, manifest.icons.color)));
  const corner = [...icon.pixels.subarray(0, 3)].map((value) => value.toString(16).padStart(2, '0')).join('');

  expect([icon.width, icon.height]).toEqual([192, 192]);
  expect(icon.pixels.filter((_, index) => index % 4 === 3).every((alpha) => alpha === 255)).toBe(true);
  expect(`#${corner}`).toBe(manifest.accentColor.toLowerCase());
});

test('outline icon is 32x32, white on transparent', async () => {
  const manifest = await readManifest();
  const icon = decodePng(await readFile(join(MANIFEST_FOLDER, manifest.icons.outline)));
  const pixels = Array.from({ length: icon.width * icon.height }, (_, index) => [
    ...icon.pixels.subarray(index * 4, index * 4 + 4),
  ]);

  expect([icon.width, icon.height, icon.colorType]).toEqual([32, 32, 6]);
  expect(pixels.filter(([r, g, b]) => r !== 255 || g !== 255 || b !== 255)).toEqual([]);
  expect(pixels.some(([, , , alpha]) => alpha === 0)).toBe(true);
  expect(pixels.some(([, , , alpha]) => alpha === 255)).toBe(true);
});

test('icon script draws the committed icons', async () => {
  const out = join(folder, 'icons');
  await runNode(['scripts/teams-icons.mjs', '--out', out]);

  for (const name of ['color.png', 'outline.png']) {
    const drawn = decodePng(await readFile(join(out, name)));
    const committed = decodePng(await readFile(join(MANIFEST_FOLDER, name)));
    expect({ name, same: drawn.pixels.equals(committed.pixels) }).toEqual({ name, same: true });
  }
});

test('package has the manifest and icons at its root', async () => {
  const out = join(folder, 'package.zip');
  await runNode(['scripts/teams-package.mjs', '--domain', 'keyhunt.corp.example.org', '--out', out], {
    MicrosoftAppId: APP_ID,
  });

  const zip = await JSZip.loadAsync(await readFile(out));
  const entries = Object.keys(zip.files).sort();
  const manifestText = await zip.file('manifest.json')!.async('string');
  const manifest = JSON.parse(manifestText) as Manifest;

  expect(entries).toEqual(['color.png', 'manifest.json', 'outline.png']);
  expect(manifest.id).toBe(APP_ID);
  expect(manifest.bots[0]!.botId).toBe(APP_ID);
  expect(manifest.validDomains).toEqual(['keyhunt.corp.example.org']);
  expect(manifestText).not.toContain('example.com');
  expect(await zip.file('color.png')!.async('nodebuffer')).toEqual(
    await readFile(join(MANIFEST_FOLDER, 'color.png')),
  );
  if (hasSchema) expect(await schemaErrors(manifest)).toEqual([]);
});

test('package without an app id fails and names the fix', async () => {
  const failure = await runNode([
    'scripts/teams-package.mjs',
    '--domain',
    'keyhunt.corp.example.org',
    '--out',
    join(folder, 'no.zip'),
  ]).then(
    () => null,
    (error: unknown) => error as { code: number; stderr: string },
  );

  expect(failure?.code).toBe(1);
  expect(failure?.stderr).toContain('The app id is missing: pass --app-id or set MicrosoftAppId');
  expect(existsSync(join(folder, 'no.zip'))).toBe(false);
});

test('package rejects an app id that is not a GUID', async () => {
  const failure = await runNode([
    'scripts/teams-package.mjs',
    '--app-id',
    'my-bot',
    '--domain',
    'keyhunt.corp.example.org',
    '--out',
    join(folder, 'bad.zip'),
  ]).then(
    () => null,
    (error: unknown) => error as { code: number; stderr: string },
  );

  expect(failure?.stderr).toContain('The app id "my-bot" is invalid: expected a GUID');
});
