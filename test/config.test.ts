import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  configWarnings,
  describeConfig,
  loadConfig,
  withDotenv,
  type ConfigProblem,
  type Environment,
} from '../src/config.js';

const BOT_TOKEN = 'xoxb-1111-2222-secretbotvalue';
const SIGNING_SECRET = 'abcdef0123456789abcdef0123456789';
const APP_TOKEN = 'xapp-1-A111-secretappvalue';
const APP_PASSWORD = 'teams~secret~password';
const APP_ID = '11111111-2222-3333-4444-555555555555';
const TENANT_ID = '66666666-7777-8888-9999-000000000000';

const SLACK: Environment = {
  SLACK_BOT_TOKEN: BOT_TOKEN,
  SLACK_SIGNING_SECRET: SIGNING_SECRET,
  KEYHUNT_SLACK_CHANNEL: 'C0123456789',
};

function problemsOf(env: Environment, options: Parameters<typeof loadConfig>[1] = {}): ConfigProblem[] {
  try {
    loadConfig(env, options);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('loadConfig accepted the environment');
}

function messageOf(env: Environment, options: Parameters<typeof loadConfig>[1] = {}): string {
  try {
    loadConfig(env, options);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig defaults', () => {
  const config = loadConfig({});

  test.each([
    ['pollCron', '*/5 * * * *'],
    ['thresholdMs', 86_400_000],
    ['deliveryLagMs', 1_200_000],
    ['cloudTrailRegion', 'us-east-1'],
    ['quietWarningMs', 7 * 86_400_000],
    ['maxRequestsPerSecond', 2],
    ['dbPath', './data/keyhunt.json'],
    ['retentionMs', 90 * 86_400_000],
    ['summaryCron', '0 9 * * *'],
    ['timezone', 'UTC'],
    ['port', 3000],
    ['logLevel', 'info'],
    ['slack', null],
    ['teams', null],
    ['configFile', null],
  ])('%s defaults to %p', (key, expected) => {
    expect(config[key as keyof typeof config]).toEqual(expected);
  });

  test('rules default to empty lists', () => {
    expect(config.rules).toEqual({ suppress: [], routing: [] });
  });

  test('config is deeply frozen', () => {
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.rules.suppress)).toBe(true);
  });
});

describe('loadConfig valid values', () => {
  test('reads every variable', () => {
    const config = loadConfig({
      KEYHUNT_POLL_CRON: '*/10 * * * * *',
      KEYHUNT_THRESHOLD: '2h',
      KEYHUNT_DELIVERY_LAG: '30m',
      KEYHUNT_CLOUDTRAIL_REGION: 'us-gov-west-1',
      KEYHUNT_QUIET_WARNING: '3d',
      KEYHUNT_MAX_RPS: '0.5',
      KEYHUNT_DB_PATH: '/data/k.json',
      KEYHUNT_RETENTION: '30d',
      KEYHUNT_SUMMARY_CRON: '30 8 * * 1-5',
      KEYHUNT_TIMEZONE: 'Europe/Berlin',
      PORT: '0',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      pollCron: '*/10 * * * * *',
      thresholdMs: 7_200_000,
      deliveryLagMs: 1_800_000,
      cloudTrailRegion: 'us-gov-west-1',
      quietWarningMs: 3 * 86_400_000,
      maxRequestsPerSecond: 0.5,
      dbPath: '/data/k.json',
      retentionMs: 30 * 86_400_000,
      summaryCron: '30 8 * * 1-5',
      timezone: 'Europe/Berlin',
      port: 0,
      logLevel: 'debug',
    });
  });

  test('log level ignores case', () => {
    expect(loadConfig({ LOG_LEVEL: 'WARN' }).logLevel).toBe('warn');
  });

  test('empty values count as unset', () => {
    expect(loadConfig({ PORT: '', KEYHUNT_THRESHOLD: '  ' }).port).toBe(3000);
  });

  test('reads full Slack settings', () => {
    const config = loadConfig({
      ...SLACK,
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: 'http://127.0.0.1:9999/api/',
      KEYHUNT_SLACK_TRIAGERS: 'U0123ABCD, S0456EFGH,U0123ABCD',
      KEYHUNT_ESCALATION_MENTION: '<!subteam^S0456EFGH|security> <@U0123ABCD>',
      KEYHUNT_ESCALATION_CHANNEL: 'G0999ZZZZ',
    });
    expect(config.slack).toEqual({
      botToken: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      appToken: APP_TOKEN,
      channelId: 'C0123456789',
      apiUrl: 'http://127.0.0.1:9999/api/',
      triagers: ['U0123ABCD', 'S0456EFGH'],
      escalationMention: '<!subteam^S0456EFGH|security> <@U0123ABCD>',
      escalationChannelId: 'G0999ZZZZ',
    });
  });

  test('reads single-tenant Teams settings', () => {
    const config = loadConfig({
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: APP_PASSWORD,
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: TENANT_ID,
      KEYHUNT_TEAMS_TRIAGERS: TENANT_ID,
    });
    expect(config.teams).toEqual({
      appId: APP_ID,
      appPassword: APP_PASSWORD,
      tenantId: TENANT_ID,
      appType: 'SingleTenant',
      triagers: [TENANT_ID],
    });
  });

  test('managed identity needs no password', () => {
    const config = loadConfig({
      MicrosoftAppId: APP_ID,
      MicrosoftAppType: 'UserAssignedMSI',
      MicrosoftAppTenantId: TENANT_ID,
    });
    expect(config.teams?.appPassword).toBe('');
  });

  test('dry run needs no chat settings', () => {
    expect(loadConfig({}, { requireChat: false }).slack).toBeNull();
  });
});

/** One bad environment, the problem expected for it (variable, shown value, part of the expected text). */
const BAD_ENVIRONMENTS: Array<
  [string, Environment, { variable: string; value: string | undefined; expected: string }]
> = [
  [
    'cron with 4 fields',
    { KEYHUNT_POLL_CRON: '* * * *' },
    { variable: 'KEYHUNT_POLL_CRON', value: '* * * *', expected: 'got 4 fields' },
  ],
  [
    'cron with 7 fields',
    { KEYHUNT_POLL_CRON: '* * * * * * *' },
    { variable: 'KEYHUNT_POLL_CRON', value: '* * * * * * *', expected: 'got 7 fields' },
  ],
  [
    'cron minute out of range',
    { KEYHUNT_POLL_CRON: '61 * * * *' },
    { variable: 'KEYHUNT_POLL_CRON', value: '61 * * * *', expected: 'the minute field "61" is invalid' },
  ],
  [
    'summary cron with seconds',
    { KEYHUNT_SUMMARY_CRON: '0 0 9 * * *' },
    { variable: 'KEYHUNT_SUMMARY_CRON', value: '0 0 9 * * *', expected: 'a cron expression of 5 fields' },
  ],
  [
    'threshold without unit',
    { KEYHUNT_THRESHOLD: '24' },
    { variable: 'KEYHUNT_THRESHOLD', value: '24', expected: 'such as 90s, 20m, 24h or 7d' },
  ],
  [
    'threshold beyond history',
    { KEYHUNT_THRESHOLD: '91d' },
    { variable: 'KEYHUNT_THRESHOLD', value: '91d', expected: 'from 1m to 90d' },
  ],
  [
    'delivery lag negative',
    { KEYHUNT_DELIVERY_LAG: '-5m' },
    { variable: 'KEYHUNT_DELIVERY_LAG', value: '-5m', expected: 'from 0s to 1d' },
  ],
  [
    'quiet warning too short',
    { KEYHUNT_QUIET_WARNING: '30m' },
    { variable: 'KEYHUNT_QUIET_WARNING', value: '30m', expected: 'from 1h to 365d' },
  ],
  [
    'quiet warning beyond a year',
    { KEYHUNT_QUIET_WARNING: '366d' },
    { variable: 'KEYHUNT_QUIET_WARNING', value: '366d', expected: 'from 1h to 365d' },
  ],
  [
    'region name',
    { KEYHUNT_CLOUDTRAIL_REGION: 'N. Virginia' },
    {
      variable: 'KEYHUNT_CLOUDTRAIL_REGION',
      value: 'N. Virginia',
      expected: 'an AWS Region code such as us-east-1',
    },
  ],
  [
    'rate zero',
    { KEYHUNT_MAX_RPS: '0' },
    { variable: 'KEYHUNT_MAX_RPS', value: '0', expected: 'a number above 0 and at most 2' },
  ],
  [
    'rate above the quota',
    { KEYHUNT_MAX_RPS: '2.5' },
    { variable: 'KEYHUNT_MAX_RPS', value: '2.5', expected: 'a number above 0 and at most 2' },
  ],
  [
    'rate not a number',
    { KEYHUNT_MAX_RPS: 'fast' },
    { variable: 'KEYHUNT_MAX_RPS', value: 'fast', expected: 'a number above 0 and at most 2' },
  ],
  [
    'retention too short',
    { KEYHUNT_RETENTION: '12h' },
    { variable: 'KEYHUNT_RETENTION', value: '12h', expected: 'from 1d to 3650d' },
  ],
  [
    'retention below threshold',
    { KEYHUNT_THRESHOLD: '3d', KEYHUNT_RETENTION: '2d' },
    { variable: 'KEYHUNT_RETENTION', value: '2d', expected: 'at least as long as KEYHUNT_THRESHOLD (3d)' },
  ],
  [
    'unknown time zone',
    { KEYHUNT_TIMEZONE: 'Mars/Olympus' },
    { variable: 'KEYHUNT_TIMEZONE', value: 'Mars/Olympus', expected: 'an IANA time zone name' },
  ],
  [
    'port too high',
    { PORT: '70000' },
    { variable: 'PORT', value: '70000', expected: 'a whole number from 0 to 65535' },
  ],
  [
    'port with text',
    { PORT: '3000/tcp' },
    { variable: 'PORT', value: '3000/tcp', expected: 'a whole number from 0 to 65535' },
  ],
  [
    'log level',
    { LOG_LEVEL: 'verbose' },
    {
      variable: 'LOG_LEVEL',
      value: 'verbose',
      expected: 'one of fatal, error, warn, info, debug, trace, silent',
    },
  ],
  [
    'user token instead of bot token',
    { ...SLACK, SLACK_BOT_TOKEN: 'xoxp-123-secretuser' },
    { variable: 'SLACK_BOT_TOKEN', value: undefined, expected: 'a bot token starting with xoxb-' },
  ],
  [
    'bot token as app token',
    { ...SLACK, SLACK_APP_TOKEN: BOT_TOKEN },
    { variable: 'SLACK_APP_TOKEN', value: undefined, expected: 'an app-level token starting with xapp-' },
  ],
  [
    'channel name instead of id',
    { ...SLACK, KEYHUNT_SLACK_CHANNEL: '#security' },
    {
      variable: 'KEYHUNT_SLACK_CHANNEL',
      value: '#security',
      expected: 'a Slack channel id such as C0123456789',
    },
  ],
  [
    'api url without scheme',
    { ...SLACK, SLACK_API_URL: 'slack.example/api' },
    { variable: 'SLACK_API_URL', value: 'slack.example/api', expected: 'an http or https URL' },
  ],
  [
    'triager names',
    { ...SLACK, KEYHUNT_SLACK_TRIAGERS: 'U0123ABCD,@alice' },
    { variable: 'KEYHUNT_SLACK_TRIAGERS', value: 'U0123ABCD,@alice', expected: 'invalid: "@alice"' },
  ],
  [
    'plain escalation mention',
    { ...SLACK, KEYHUNT_ESCALATION_MENTION: '@security' },
    { variable: 'KEYHUNT_ESCALATION_MENTION', value: '@security', expected: '<!subteam^S0123456789>' },
  ],
  [
    'escalation channel name',
    { ...SLACK, KEYHUNT_ESCALATION_CHANNEL: 'security-oncall' },
    { variable: 'KEYHUNT_ESCALATION_CHANNEL', value: 'security-oncall', expected: 'a Slack channel id' },
  ],
  [
    'app id not a GUID',
    { MicrosoftAppId: 'keyhunt-bot', MicrosoftAppPassword: APP_PASSWORD },
    { variable: 'MicrosoftAppId', value: 'keyhunt-bot', expected: 'a GUID' },
  ],
  [
    'unknown app type',
    { MicrosoftAppId: APP_ID, MicrosoftAppPassword: APP_PASSWORD, MicrosoftAppType: 'Multitenant' },
    {
      variable: 'MicrosoftAppType',
      value: 'Multitenant',
      expected: 'one of MultiTenant, SingleTenant, UserAssignedMSI',
    },
  ],
  [
    'teams triager not a GUID',
    {
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: APP_PASSWORD,
      KEYHUNT_TEAMS_TRIAGERS: 'alice@example.com',
    },
    { variable: 'KEYHUNT_TEAMS_TRIAGERS', value: 'alice@example.com', expected: 'Entra object ids (GUIDs)' },
  ],
];

describe('loadConfig invalid values', () => {
  test.each(BAD_ENVIRONMENTS)('%s', (_name, env, expected) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.variable).toBe(expected.variable);
    expect(problems[0]!.value).toBe(expected.value);
    expect(problems[0]!.expected).toContain(expected.expected);
  });

  test.each([
    [
      'threshold too large to count',
      { KEYHUNT_THRESHOLD: '99999999999d' },
      'a duration from 1m to 90d, but the value is too large: the maximum is 90d',
    ],
    [
      'threshold above the maximum',
      { KEYHUNT_THRESHOLD: '91d' },
      'a duration from 1m to 90d, but the value is too large: the maximum is 90d',
    ],
    [
      'quiet warning below the minimum',
      { KEYHUNT_QUIET_WARNING: '30m' },
      'a duration from 1h to 365d, but the value is too short: the minimum is 1h',
    ],
    [
      'quiet warning without unit',
      { KEYHUNT_QUIET_WARNING: '12' },
      'a duration from 1h to 365d: a whole number and one unit (s, m, h or d), such as 24h or 7d',
    ],
    [
      'retention without unit',
      { KEYHUNT_RETENTION: 'forever' },
      'a duration from 1d to 3650d: a whole number and one unit (s, m, h or d), such as 24h or 7d',
    ],
    [
      'threshold without unit',
      { KEYHUNT_THRESHOLD: '24' },
      'a duration from 1m to 90d: a whole number and one unit (s, m, h or d), such as 90s, 20m, 24h or 7d',
    ],
    [
      'poll cron minute 61',
      { KEYHUNT_POLL_CRON: '61 * * * *' },
      'a cron expression of 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, ' +
        'such as "*/5 * * * *"; the minute field "61" is invalid: use 0-59, a list (0,30), a range (0-29) ' +
        'or a step (*/15)',
    ],
    [
      'summary cron minute 61',
      { KEYHUNT_SUMMARY_CRON: '61 * * * *' },
      'a cron expression of 5 fields (minute hour day-of-month month day-of-week), such as "0 9 * * *"; ' +
        'the minute field "61" is invalid: use 0-59, a list (0,30), a range (0-29) or a step (*/15)',
    ],
    [
      'summary cron day of week 8',
      { KEYHUNT_SUMMARY_CRON: '0 9 * * 8' },
      'a cron expression of 5 fields (minute hour day-of-month month day-of-week), such as "0 9 * * *"; ' +
        'the day-of-week field "8" is invalid: use 0-7 (0 and 7 are Sunday) or sun-sat, a list (1,3,5), a ' +
        'range (1-5) or a step (*/2)',
    ],
  ])('message for %s', (_name, env, expected) => {
    const problems = problemsOf(env);
    expect(problems.map((problem) => problem.expected)).toEqual([expected]);
  });

  test('error has code CONFIG_INVALID and exit code 2', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'x' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).code).toBe('CONFIG_INVALID');
    expect((caught as ConfigError).exitCode).toBe(2);
  });

  test('every problem is reported at once', () => {
    const message = messageOf({ PORT: 'x', KEYHUNT_MAX_RPS: '9', KEYHUNT_TIMEZONE: 'Nowhere' });
    expect(message).toBe(
      'Invalid configuration (3 problems):\n' +
        '  - KEYHUNT_MAX_RPS="9" is invalid: expected a number above 0 and at most 2, such as 2\n' +
        '  - KEYHUNT_TIMEZONE="Nowhere" is invalid: expected an IANA time zone name, such as UTC, Europe/Berlin or America/New_York\n' +
        '  - PORT="x" is invalid: expected a whole number from 0 to 65535, such as 3000',
    );
  });
});

describe('loadConfig chat settings', () => {
  test('Slack token alone names the missing variables', () => {
    const problems = problemsOf({ SLACK_BOT_TOKEN: BOT_TOKEN });
    expect(problems.map((problem) => problem.variable)).toEqual([
      'SLACK_SIGNING_SECRET',
      'KEYHUNT_SLACK_CHANNEL',
    ]);
    expect(problems.every((problem) => problem.missing === true)).toBe(true);
    expect(problems[0]!.expected).toContain('because Slack is partly configured (set: SLACK_BOT_TOKEN)');
  });

  test('Slack API URL alone configures no Slack', () => {
    const config = loadConfig({ SLACK_API_URL: 'http://127.0.0.1:9999/api/' });
    expect(config.slack).toBeNull();
  });

  test('Slack API URL alone is still validated', () => {
    const problems = problemsOf({ SLACK_API_URL: 'slack.example/api' });
    expect(problems.map((problem) => problem.variable)).toEqual(['SLACK_API_URL']);
  });

  test('Slack API URL alone counts as no chat for serve', () => {
    const problems = problemsOf({ SLACK_API_URL: 'http://127.0.0.1:9999/api/' }, { requireChat: true });
    expect(problems.map((problem) => problem.variable)).toEqual(['SLACK_BOT_TOKEN or MicrosoftAppId']);
  });

  test('Slack API URL is listed among set variables', () => {
    const problems = problemsOf({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: 'http://127.0.0.1:9999/api/' });
    expect(problems[0]!.expected).toContain(
      'because Slack is partly configured (set: SLACK_BOT_TOKEN, SLACK_API_URL)',
    );
  });

  test('Teams password alone names the missing app id', () => {
    const problems = problemsOf({ MicrosoftAppPassword: APP_PASSWORD });
    expect(problems.map((problem) => problem.variable)).toEqual(['MicrosoftAppId']);
  });

  test('single tenant without tenant id', () => {
    const problems = problemsOf({
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: APP_PASSWORD,
      MicrosoftAppType: 'SingleTenant',
    });
    expect(problems).toEqual([
      {
        variable: 'MicrosoftAppTenantId',
        value: undefined,
        missing: true,
        expected: 'the Entra tenant id (directory id), a GUID, because MicrosoftAppType is SingleTenant',
      },
    ]);
  });

  test('serve without any chat settings', () => {
    const problems = problemsOf({}, { requireChat: true });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.variable).toBe('SLACK_BOT_TOKEN or MicrosoftAppId');
    expect(problems[0]!.expected).toContain('keyhunt serve --dry-run');
  });

  test('partial chat settings are not also reported as absent', () => {
    const problems = problemsOf({ KEYHUNT_SLACK_CHANNEL: 'C0123456789' }, { requireChat: true });
    expect(problems.map((problem) => problem.variable)).toEqual(['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']);
  });

  test('secret values never appear in the message', () => {
    const message = messageOf({
      SLACK_BOT_TOKEN: 'xoxp-leaked-user-token',
      SLACK_SIGNING_SECRET: 'not hex!',
      SLACK_APP_TOKEN: 'xoxb-wrong-kind-token',
      KEYHUNT_SLACK_CHANNEL: 'C0123456789',
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: 'two words',
    });
    expect(message).toContain('SLACK_BOT_TOKEN is invalid');
    expect(message).toContain('SLACK_SIGNING_SECRET is invalid');
    expect(message).toContain('SLACK_APP_TOKEN is invalid');
    expect(message).toContain('MicrosoftAppPassword is invalid');
    for (const secret of ['xoxp-leaked-user-token', 'not hex!', 'xoxb-wrong-kind-token', 'two words']) {
      expect(message).not.toContain(secret);
    }
  });
});

describe('config file', () => {
  const read = (text: string) => () => text;

  test('reads suppression and routing rules', () => {
    const config = loadConfig(
      { KEYHUNT_CONFIG: 'rules.yaml' },
      {
        cwd: '/etc/keyhunt',
        readFile: read(
          [
            'suppress:',
            '  - userName: ci-*',
            '    reason: CI rotates its keys hourly',
            '    until: 2030-01-31',
            '  - creatorArn: arn:aws:sts::111122223333:assumed-role/Terraform/*',
            '    reason: Terraform test runs',
            'routing:',
            '  - severity: [high, critical]',
            '    accountId: "012345678901"',
            '    slackChannel: C0PROD1234',
            '  - severity: low',
            '    slackChannel: C0NOISE123',
          ].join('\n'),
        ),
      },
    );
    expect(config.configFile).toBe('/etc/keyhunt/rules.yaml');
    expect(config.rules).toEqual({
      suppress: [
        {
          accessKeyId: null,
          userName: 'ci-*',
          creatorArn: null,
          reason: 'CI rotates its keys hourly',
          until: '2030-01-31T23:59:59.999Z',
        },
        {
          accessKeyId: null,
          userName: null,
          creatorArn: 'arn:aws:sts::111122223333:assumed-role/Terraform/*',
          reason: 'Terraform test runs',
          until: null,
        },
      ],
      routing: [
        { severities: ['high', 'critical'], accountId: '012345678901', slackChannel: 'C0PROD1234' },
        { severities: ['low'], accountId: null, slackChannel: 'C0NOISE123' },
      ],
    });
  });

  test('empty file gives no rules', () => {
    const config = loadConfig({ KEYHUNT_CONFIG: '/x.yaml' }, { readFile: read('# nothing yet\n') });
    expect(config.rules).toEqual({ suppress: [], routing: [] });
  });

  test('missing file', () => {
    const problems = problemsOf({ KEYHUNT_CONFIG: '/nonexistent/keyhunt.yaml' });
    expect(problems).toEqual([
      {
        variable: 'KEYHUNT_CONFIG',
        value: '/nonexistent/keyhunt.yaml',
        expected: 'the path of a readable YAML file; no file exists at /nonexistent/keyhunt.yaml',
      },
    ]);
  });

  test('invalid YAML names the line', () => {
    const problems = problemsOf(
      { KEYHUNT_CONFIG: '/x.yaml' },
      { readFile: read('suppress:\n  - reason: a\n reason: b\n') },
    );
    expect(problems[0]!.variable).toMatch(/^\/x\.yaml \(line 3, column \d+\)$/);
  });

  test.each([
    ['unknown top-level key', 'supress: []', '/x.yaml: supress', 'one of the keys suppress, routing'],
    [
      'rule without matcher',
      'suppress:\n  - reason: all',
      '/x.yaml: suppress[0]',
      'at least one of accessKeyId, userName or creatorArn',
    ],
    ['rule without reason', 'suppress:\n  - userName: bob', '/x.yaml: suppress[0].reason', 'a reason'],
    [
      'bad access key id',
      'suppress:\n  - accessKeyId: key1\n    reason: x',
      '/x.yaml: suppress[0].accessKeyId',
      'an access key id',
    ],
    [
      'bad until',
      'suppress:\n  - userName: bob\n    reason: x\n    until: next week',
      '/x.yaml: suppress[0].until',
      'a date such as 2025-12-31',
    ],
    [
      'unknown rule key',
      'suppress:\n  - userName: bob\n    reason: x\n    expires: 2030-01-01',
      '/x.yaml: suppress[0].expires',
      'one of the keys',
    ],
    ['suppress not a list', 'suppress:\n  userName: bob', '/x.yaml: suppress', 'a list of rules'],
    [
      'unquoted account id',
      'routing:\n  - accountId: 123456789012\n    slackChannel: C0PROD1234',
      '/x.yaml: routing[0].accountId',
      'in quotes',
    ],
    [
      'unknown severity',
      'routing:\n  - severity: urgent\n    slackChannel: C0PROD1234',
      '/x.yaml: routing[0].severity',
      'one of low, medium, high, critical',
    ],
    [
      'route without channel',
      'routing:\n  - severity: high',
      '/x.yaml: routing[0].slackChannel',
      'the Slack channel id',
    ],
  ])('%s', (_name, text, variable, expected) => {
    const problems = problemsOf({ KEYHUNT_CONFIG: '/x.yaml' }, { readFile: read(text) });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.variable).toBe(variable);
    expect(problems[0]!.expected).toContain(expected);
  });
});

describe('withDotenv', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'keyhunt-dotenv-'));
  });
  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  test('adds variables from .env', () => {
    writeFileSync(join(folder, '.env'), 'PORT=4000\nKEYHUNT_TIMEZONE=Europe/Paris\n');
    const { env, dotenvPath } = withDotenv({ PORT: undefined }, folder);
    expect(env.PORT).toBe('4000');
    expect(env.KEYHUNT_TIMEZONE).toBe('Europe/Paris');
    expect(dotenvPath).toBe(join(folder, '.env'));
  });

  test('real environment wins over .env', () => {
    writeFileSync(join(folder, '.env'), 'PORT=4000\n');
    expect(withDotenv({ PORT: '5000' }, folder).env.PORT).toBe('5000');
  });

  test('no .env file', () => {
    const env = { PORT: '5000' };
    expect(withDotenv(env, folder)).toEqual({ env, dotenvPath: null });
  });
});

describe('configWarnings', () => {
  test('warns about a Region without IAM events', () => {
    const warnings = configWarnings(loadConfig({ KEYHUNT_CLOUDTRAIL_REGION: 'eu-west-1' }));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('IAM records CreateAccessKey and DeleteAccessKey in us-east-1 only');
  });

  test('warns about a short delivery lag', () => {
    const warnings = configWarnings(loadConfig({ KEYHUNT_DELIVERY_LAG: '5m' }));
    expect(warnings).toEqual([expect.stringContaining('KEYHUNT_DELIVERY_LAG is 5m')]);
  });

  test('defaults give no warning', () => {
    expect(configWarnings(loadConfig({}))).toEqual([]);
  });
});

describe('describeConfig', () => {
  test('contains no secret', () => {
    const config = loadConfig({
      ...SLACK,
      SLACK_APP_TOKEN: APP_TOKEN,
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: APP_PASSWORD,
    });
    const text = JSON.stringify(describeConfig(config));
    for (const secret of [BOT_TOKEN, SIGNING_SECRET, APP_TOKEN, APP_PASSWORD])
      expect(text).not.toContain(secret);
    expect(text).toContain('"socketMode":true');
    expect(text).toContain(APP_ID);
  });
});
