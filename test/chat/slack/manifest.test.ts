/**
 * The Slack app manifest: valid against Slack's published manifest schema, and consistent with what the app
 * serves (command name, request path, scopes).
 */
import { describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { SLACK_EVENTS_PATH } from '../../../src/chat/slack/app.js';
import { COMMAND_NAME } from '../../../src/chat/slack/command.js';

const MANIFEST = path.resolve(process.cwd(), 'manifests/slack-app.yaml');
const SCHEMA = path.resolve(process.cwd(), '../shared/schemas/slack/manifest.schema.1.0.0.json');

interface Manifest {
  features: { slash_commands: Array<{ command: string; url: string }> };
  oauth_config: { scopes: { bot: string[]; user?: string[] } };
  settings: {
    interactivity: { is_enabled: boolean; request_url: string };
    event_subscriptions?: unknown;
    socket_mode_enabled: boolean;
  };
}

const manifest = parse(fs.readFileSync(MANIFEST, 'utf8')) as Manifest;

const describeIfSchema = fs.existsSync(SCHEMA) ? describe : describe.skip;
if (!fs.existsSync(SCHEMA)) {
  process.stderr.write(`Skipping the Slack manifest schema test: ${SCHEMA} is missing.\n`);
}

function compileSchema() {
  const schema = JSON.parse(fs.readFileSync(SCHEMA, 'utf8')) as Record<string, unknown>;
  // strictTypes is off because the published schema puts `minItems` on an items schema without a type.
  const ajv = new Ajv({ allErrors: true, strictTypes: false });
  // The published schema has non-standard annotation keywords (`regex` next to `pattern`, `requires`,
  // `_note`) and a `uri` format, which needs ajv-formats; a scheme check replaces it here.
  for (const keyword of ['regex', 'requires', '_note']) ajv.addKeyword(keyword);
  ajv.addFormat('uri', /^[a-z][a-z0-9+.-]*:/i);
  return ajv.compile(schema);
}

describeIfSchema('slack-app.yaml against the manifest schema', () => {
  it('is valid', () => {
    const validate = compileSchema();
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('would reject a command without its slash', () => {
    const validate = compileSchema();
    const broken = structuredClone(manifest);
    broken.features.slash_commands[0]!.command = 'keyhunt';
    expect(validate(broken)).toBe(false);
  });
});

describe('slack-app.yaml', () => {
  it('asks only for the bot scopes keyhunt uses', () => {
    expect(manifest.oauth_config.scopes.bot).toEqual([
      'channels:history',
      'chat:write',
      'commands',
      'groups:history',
      'usergroups:read',
    ]);
    expect(manifest.oauth_config.scopes.user).toBeUndefined();
  });

  it('sends the command and clicks to the app endpoint', () => {
    const url = `https://keyhunt.example.com${SLACK_EVENTS_PATH}`;
    expect(manifest.features.slash_commands).toHaveLength(1);
    expect(manifest.features.slash_commands[0]!.command).toBe(COMMAND_NAME);
    expect(manifest.features.slash_commands[0]!.url).toBe(url);
    expect(manifest.settings.interactivity).toEqual({ is_enabled: true, request_url: url });
  });

  it('subscribes to no events and defaults to HTTP mode', () => {
    expect(manifest.settings.event_subscriptions).toBeUndefined();
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });
});
