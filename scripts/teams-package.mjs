#!/usr/bin/env node
/**
 * Builds the Teams app package: a zip with manifest.json, color.png and outline.png at its root, which Teams
 * accepts under Apps > Manage your apps > Upload an app.
 *
 * manifests/teams/manifest.json keeps placeholders so no tenant's ids are committed:
 * - 00000000-0000-0000-0000-000000000000 for the app id and the bot id, replaced by the Microsoft App ID of
 *   the Azure Bot resource (--app-id or MicrosoftAppId, the variable keyhunt serve reads);
 * - keyhunt.example.com for the domain keyhunt is reachable at, in validDomains and the developer URLs
 *   (--domain or KEYHUNT_TEAMS_DOMAIN).
 * A manifest edited by hand without placeholders is packaged as it is.
 *
 * Usage: node scripts/teams-package.mjs [--app-id GUID] [--domain HOST] [--out FILE]
 *        (default output: build/keyhunt-teams.zip)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import JSZip from 'jszip';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = join(ROOT, 'manifests', 'teams');
export const PLACEHOLDER_APP_ID = '00000000-0000-0000-0000-000000000000';
export const PLACEHOLDER_DOMAIN = 'keyhunt.example.com';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A host name, optionally with a port; no scheme and no path, as validDomains expects. */
const DOMAIN = /^(?=.{1,253}(:\d{1,5})?$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(:\d{1,5})?$/i;
/** Fixed file times, so the same inputs always give the same zip. */
const ZIP_DATE = new Date('2024-01-01T00:00:00Z');

function readOption(args, name) {
  const index = args.indexOf(name);
  if (index === -1) return undefined;
  const value = args[index + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value.`);
  return value;
}

/** Replaces the placeholders; returns the manifest text, or throws listing every missing or invalid value. */
export function fillPlaceholders(manifestText, { appId, domain }) {
  const problems = [];
  const needsAppId = manifestText.includes(PLACEHOLDER_APP_ID);
  const needsDomain = manifestText.includes(PLACEHOLDER_DOMAIN);
  if (needsAppId && !appId) {
    problems.push(
      'The app id is missing: pass --app-id or set MicrosoftAppId to the Microsoft App ID (a GUID) of your Azure Bot.',
    );
  } else if (needsAppId && !GUID.test(appId)) {
    problems.push(
      `The app id "${appId}" is invalid: expected a GUID such as 3b1e4f9a-0c1d-4e2f-8a3b-4c5d6e7f8a9b.`,
    );
  }
  if (needsDomain && !domain) {
    problems.push(
      'The domain is missing: pass --domain or set KEYHUNT_TEAMS_DOMAIN to the host keyhunt serve is reachable at, such as keyhunt.example.org.',
    );
  } else if (needsDomain && !DOMAIN.test(domain)) {
    problems.push(
      `The domain "${domain}" is invalid: expected a host name without scheme or path, such as keyhunt.example.org.`,
    );
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));

  let text = manifestText;
  if (needsAppId) text = text.split(PLACEHOLDER_APP_ID).join(appId.toLowerCase());
  if (needsDomain) text = text.split(PLACEHOLDER_DOMAIN).join(domain.toLowerCase());
  JSON.parse(text);
  return text;
}

async function main() {
  const args = process.argv.slice(2);
  const appId = readOption(args, '--app-id') ?? process.env.MicrosoftAppId;
  const domain = readOption(args, '--domain') ?? process.env.KEYHUNT_TEAMS_DOMAIN;
  const out = resolve(readOption(args, '--out') ?? join(ROOT, 'build', 'keyhunt-teams.zip'));

  const manifestPath = join(SOURCE, 'manifest.json');
  const manifestText = fillPlaceholders(readFileSync(manifestPath, 'utf8'), { appId, domain });
  const manifest = JSON.parse(manifestText);

  const zip = new JSZip();
  zip.file('manifest.json', manifestText, { date: ZIP_DATE });
  for (const icon of [manifest.icons.color, manifest.icons.outline]) {
    zip.file(icon, readFileSync(join(SOURCE, icon)), { date: ZIP_DATE });
  }
  const content = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', platform: 'UNIX' });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, content);
  const displayPath = relative(process.cwd(), out);
  process.stdout.write(
    `Wrote ${displayPath.startsWith('..') ? out : displayPath} (app ${manifest.id}, version ${manifest.version}). ` +
      'Upload it in Teams under Apps > Manage your apps > Upload an app.\n',
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`teams-package: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
