/**
 * The Slack and Teams sections of the configuration. A platform counts as configured when any of its
 * variables other than an endpoint (SLACK_API_URL) is set, and then every required variable of that platform
 * must be set and valid.
 */
import { GUID_PATTERN, VariableReader } from './config-variables.js';
import type { SlackConfig, TeamsConfig } from './config.js';

export const SLACK_VARIABLES = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'KEYHUNT_SLACK_CHANNEL',
  'SLACK_API_URL',
  'KEYHUNT_SLACK_TRIAGERS',
  'KEYHUNT_ESCALATION_MENTION',
  'KEYHUNT_ESCALATION_CHANNEL',
] as const;

export const TEAMS_VARIABLES = [
  'MicrosoftAppId',
  'MicrosoftAppPassword',
  'MicrosoftAppTenantId',
  'MicrosoftAppType',
  'KEYHUNT_TEAMS_TRIAGERS',
] as const;

export const TEAMS_APP_TYPES = ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const;

const SLACK_CHANNEL_ID = /^[CG][A-Z0-9]{6,}$/;
const SLACK_CHANNEL_EXPECTED =
  'a Slack channel id such as C0123456789 (channel details, bottom of the About tab), not a name';
/** One or more of `<@U...>`, `<!subteam^S...>`, `<!here>` or `<!channel>`, separated by spaces. */
const SLACK_MENTION =
  /^(<@[UW][A-Z0-9]+>|<!subteam\^S[A-Z0-9]+(\|[^>]*)?>|<!here>|<!channel>)(\s+(<@[UW][A-Z0-9]+>|<!subteam\^S[A-Z0-9]+(\|[^>]*)?>|<!here>|<!channel>))*$/;

/**
 * Variables that point Slack calls elsewhere, such as at a local fake, without configuring Slack: set alone,
 * they are validated but require nothing else.
 */
export const SLACK_ENDPOINT_VARIABLES: ReadonlySet<string> = new Set(['SLACK_API_URL']);

const SLACK_API_URL_EXPECTED = 'an http or https URL of the Slack Web API, such as https://slack.com/api/';

/**
 * Reads the Slack settings; returns null when no Slack variable other than SLACK_API_URL is set, or when a
 * required one is invalid.
 */
export function readSlackConfig(reader: VariableReader): SlackConfig | null {
  const set = SLACK_VARIABLES.filter((name) => reader.isSet(name));
  if (set.every((name) => SLACK_ENDPOINT_VARIABLES.has(name))) {
    reader.url('SLACK_API_URL', SLACK_API_URL_EXPECTED);
    return null;
  }
  const partly = `Slack is partly configured (set: ${set.join(', ')})`;

  const botToken = requireValue(reader, 'SLACK_BOT_TOKEN', partly, {
    pattern: /^xoxb-[A-Za-z0-9-]+$/,
    expected: 'a bot token starting with xoxb- (OAuth & Permissions page of the Slack app)',
  });
  const signingSecret = requireValue(reader, 'SLACK_SIGNING_SECRET', partly, {
    pattern: /^[A-Za-z0-9]+$/,
    expected: 'the signing secret from the Basic Information page of the Slack app (letters and digits)',
  });
  const channelId = requireValue(reader, 'KEYHUNT_SLACK_CHANNEL', partly, {
    pattern: SLACK_CHANNEL_ID,
    expected: SLACK_CHANNEL_EXPECTED,
  });
  const appToken = reader.matching(
    'SLACK_APP_TOKEN',
    /^xapp-[A-Za-z0-9-]+$/,
    'an app-level token starting with xapp- (Basic Information page, App-Level Tokens, scope connections:write)',
  );
  const apiUrl = reader.url('SLACK_API_URL', SLACK_API_URL_EXPECTED);
  const triagers = reader.list(
    'KEYHUNT_SLACK_TRIAGERS',
    /^[UWS][A-Z0-9]{6,}$/,
    'Slack user ids (U... or W...) and user group ids (S...)',
  );
  const escalationMention = reader.matching(
    'KEYHUNT_ESCALATION_MENTION',
    SLACK_MENTION,
    'Slack mention markup: <@U0123456789> for a person, <!subteam^S0123456789> for a user group, <!here> or <!channel>',
  );
  const escalationChannelId = reader.matching(
    'KEYHUNT_ESCALATION_CHANNEL',
    SLACK_CHANNEL_ID,
    SLACK_CHANNEL_EXPECTED,
  );

  if (botToken === null || signingSecret === null || channelId === null) return null;
  return {
    botToken,
    signingSecret,
    appToken,
    channelId,
    apiUrl,
    triagers,
    escalationMention,
    escalationChannelId,
  };
}

/** Reads the Teams (Azure Bot) settings; returns null when no Teams variable is set or one is invalid. */
export function readTeamsConfig(reader: VariableReader): TeamsConfig | null {
  const set = TEAMS_VARIABLES.filter((name) => reader.isSet(name));
  if (set.length === 0) return null;
  const partly = `Teams is partly configured (set: ${set.join(', ')})`;

  const appType = reader.oneOf('MicrosoftAppType', TEAMS_APP_TYPES, 'MultiTenant');
  const appId = requireValue(reader, 'MicrosoftAppId', partly, {
    pattern: GUID_PATTERN,
    expected:
      'the Microsoft App ID of the Azure Bot resource, a GUID such as 00000000-0000-0000-0000-000000000000',
  });
  // A user-assigned managed identity authenticates without a password.
  const appPassword =
    appType === 'UserAssignedMSI'
      ? (reader.optionalString('MicrosoftAppPassword') ?? '')
      : requireValue(reader, 'MicrosoftAppPassword', partly, {
          pattern: /^\S+$/,
          expected: 'the client secret of the bot app registration (Certificates & secrets in Entra ID)',
        });
  const tenantExpected = 'the Entra tenant id (directory id), a GUID';
  const tenantId =
    appType === 'MultiTenant'
      ? reader.matching('MicrosoftAppTenantId', GUID_PATTERN, tenantExpected)
      : requireValue(reader, 'MicrosoftAppTenantId', `MicrosoftAppType is ${appType}`, {
          pattern: GUID_PATTERN,
          expected: tenantExpected,
        });
  const triagers = reader.list('KEYHUNT_TEAMS_TRIAGERS', GUID_PATTERN, 'Entra object ids (GUIDs)');

  if (appId === null || appPassword === null || (appType !== 'MultiTenant' && tenantId === null)) return null;
  return { appId, appPassword, tenantId, appType, triagers };
}

/** Reads a variable that must be set because of `reason`, and must match `rule.pattern`. */
function requireValue(
  reader: VariableReader,
  name: string,
  reason: string,
  rule: { pattern: RegExp; expected: string },
): string | null {
  if (!reader.isSet(name)) {
    reader.missing(name, `${rule.expected}, because ${reason}`);
    return null;
  }
  return reader.matching(name, rule.pattern, rule.expected);
}
