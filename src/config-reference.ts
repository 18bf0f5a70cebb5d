/**
 * The table of configuration variables shown by `keyhunt serve --help`. The README's configuration table
 * lists the same variables, and a test checks that the two agree on names and defaults.
 */

export interface VariableReference {
  name: string;
  /** Default as a person types it, or `-` for none. */
  defaultValue: string;
  description: string;
}

export const CONFIG_VARIABLES: readonly VariableReference[] = [
  {
    name: 'KEYHUNT_POLL_CRON',
    defaultValue: '*/5 * * * *',
    description: 'when to poll CloudTrail (cron, 5 fields or 6 with seconds first)',
  },
  {
    name: 'KEYHUNT_THRESHOLD',
    defaultValue: '24h',
    description: 'report keys deleted within this time of creation (duration, 1m to 90d)',
  },
  {
    name: 'KEYHUNT_DELIVERY_LAG',
    defaultValue: '20m',
    description:
      'overlap of each poll window with the previous one, for late CloudTrail delivery (duration, 0s to 1d)',
  },
  {
    name: 'KEYHUNT_CLOUDTRAIL_REGION',
    defaultValue: 'us-east-1',
    description: 'Region to read events from; IAM records its events in us-east-1',
  },
  {
    name: 'KEYHUNT_QUIET_WARNING',
    defaultValue: '7d',
    description:
      'warn when no key event was seen for this long: the Region may be wrong (duration, 1h to 365d)',
  },
  {
    name: 'KEYHUNT_MAX_RPS',
    defaultValue: '2',
    description: 'LookupEvents requests per second (above 0, at most 2)',
  },
  {
    name: 'KEYHUNT_DB_PATH',
    defaultValue: './data/keyhunt.json',
    description: 'store file; <path>.lock marks the owning process',
  },
  {
    name: 'KEYHUNT_RETENTION',
    defaultValue: '90d',
    description: 'how long resolved findings and seen event ids are kept (duration, 1d to 3650d)',
  },
  {
    name: 'KEYHUNT_SUMMARY_CRON',
    defaultValue: '0 9 * * *',
    description: 'when to send the daily summary (cron, 5 fields, in KEYHUNT_TIMEZONE)',
  },
  {
    name: 'KEYHUNT_TIMEZONE',
    defaultValue: 'UTC',
    description: 'IANA time zone of the summary schedule and its local date',
  },
  { name: 'KEYHUNT_CONFIG', defaultValue: '-', description: 'YAML file with suppression and routing rules' },
  {
    name: 'PORT',
    defaultValue: '3000',
    description: 'HTTP port for Slack, Teams, /healthz, /readyz and /metrics (0 picks a free port)',
  },
  {
    name: 'LOG_LEVEL',
    defaultValue: 'info',
    description: 'fatal, error, warn, info, debug, trace or silent',
  },
  { name: 'SLACK_BOT_TOKEN', defaultValue: '-', description: 'Slack bot token (xoxb-...); secret' },
  { name: 'SLACK_SIGNING_SECRET', defaultValue: '-', description: 'Slack signing secret; secret' },
  {
    name: 'SLACK_APP_TOKEN',
    defaultValue: '-',
    description: 'Slack app-level token (xapp-...) for Socket Mode; secret',
  },
  {
    name: 'KEYHUNT_SLACK_CHANNEL',
    defaultValue: '-',
    description: 'Slack channel id (C... or G...) findings are posted to',
  },
  { name: 'SLACK_API_URL', defaultValue: 'https://slack.com/api/', description: 'Slack Web API base URL' },
  {
    name: 'KEYHUNT_SLACK_TRIAGERS',
    defaultValue: '-',
    description:
      'comma-separated Slack user (U..., W...) and user group (S...) ids allowed to triage; empty: everyone',
  },
  {
    name: 'KEYHUNT_ESCALATION_MENTION',
    defaultValue: '-',
    description: 'mention added to escalations, such as <!subteam^S0123456789>',
  },
  {
    name: 'KEYHUNT_ESCALATION_CHANNEL',
    defaultValue: '-',
    description: 'Slack channel id escalations are also posted to',
  },
  { name: 'MicrosoftAppId', defaultValue: '-', description: 'Azure Bot app id (GUID)' },
  { name: 'MicrosoftAppPassword', defaultValue: '-', description: 'Azure Bot client secret; secret' },
  {
    name: 'MicrosoftAppType',
    defaultValue: 'MultiTenant',
    description: 'MultiTenant, SingleTenant or UserAssignedMSI',
  },
  {
    name: 'MicrosoftAppTenantId',
    defaultValue: '-',
    description: 'Entra tenant id (GUID); required for SingleTenant and UserAssignedMSI',
  },
  {
    name: 'KEYHUNT_TEAMS_TRIAGERS',
    defaultValue: '-',
    description: 'comma-separated Entra object ids allowed to triage in Teams; empty: everyone',
  },
];

/** Formats the variables for command help: the name and default on one line, the description below. */
export function formatVariablesHelp(): string {
  const lines = CONFIG_VARIABLES.map((variable) => {
    const fallback = variable.defaultValue === '-' ? '' : ` (default: ${variable.defaultValue})`;
    return `  ${variable.name}${fallback}\n      ${variable.description}`;
  });
  return lines.join('\n');
}
